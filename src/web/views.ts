import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import view from "@fastify/view";
import fp from "fastify-plugin";
import nunjucks from "nunjucks";
import type { Config } from "../config.js";
import { navigationFor } from "./navigation.js";
import { paths } from "./paths.js";
import { ROLE_NAMES } from "../domain/roles.js";
import { can, type Action } from "../domain/policy.js";

declare module "fastify" {
  interface FastifyReply {
    /** Merged into every template's context by @fastify/view. */
    locals: Record<string, unknown>;
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const govukFrontendDist =
  path.dirname(path.dirname(require.resolve("govuk-frontend/package.json"))) + "/govuk-frontend/dist";
export const mojFrontendRoot = path.dirname(require.resolve("@ministryofjustice/frontend/package.json"));

/** Where templates are looked up: our layouts, each module's folder, GOV.UK and MOJ Frontend. */
export const templateRoots = [
  path.join(here, "views"),
  path.resolve(here, "../modules"),
  govukFrontendDist,
  mojFrontendRoot,
];

const dateFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "Europe/London",
});
const dateTimeFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "numeric",
  minute: "2-digit",
  hour12: true,
  timeZone: "Europe/London",
});

export function configureNunjucks(env: nunjucks.Environment) {
  env.addFilter("date", (value: unknown) => (value ? dateFormat.format(new Date(value as string)) : ""));
  env.addFilter("dateTime", (value: unknown) =>
    value ? dateTimeFormat.format(new Date(value as string)) : "",
  );
  env.addFilter(
    "roleName",
    (value: unknown) => (ROLE_NAMES as Partial<Record<string, string>>)[String(value)] ?? String(value),
  );
  env.addFilter("json", (value: unknown) => JSON.stringify(value, null, 2));
  env.addGlobal("paths", paths);
}

/** Page rendering with the layout's shared context: who is signed in, navigation, CSRF token, CSP nonce. */
export const viewsPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(view, {
      engine: { nunjucks },
      templates: templateRoots,
      options: {
        autoescape: true,
        // Templates are compiled once and kept: rendering must cost about 0.5 ms (DESIGN.md).
        noCache: false,
        onConfigure: (env: nunjucks.Environment) => {
          configureNunjucks(env);
          env.addGlobal("oidcEnabled", Boolean(config.oidc));
          env.addGlobal("oidcButtonText", config.oidc?.buttonText ?? "");
        },
      },
      production: true,
    });
    app.addHook("preHandler", async (request, reply) => {
      const actor = request.actor;
      reply.locals = {
        ...reply.locals,
        currentUser: request.user,
        navigation: navigationFor(actor, request.url.split("?")[0] ?? "/"),
        cspNonce: reply.cspNonce.script,
        csrfToken: () => request.csrfToken(),
        can: (action: Action) => can(actor, action),
        currentPath: request.url,
      };
    });
  },
  { name: "views", dependencies: ["sessions", "security-headers"] },
);
