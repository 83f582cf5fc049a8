import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import view from "@fastify/view";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import nunjucks from "nunjucks";
import type { Config } from "../config.js";
import { navigationFor } from "./navigation.js";
import { paths } from "./paths.js";
import { isRole, ROLE_NAMES } from "../domain/roles.js";
import { can, type Action, type Actor } from "../domain/policy.js";
import { summaryInPageOrder } from "./error-summary.js";

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
  // "h12", not `hour12: true`: en-GB's 12-hour clock otherwise reads noon as "0:00 pm".
  hourCycle: "h12",
  timeZone: "Europe/London",
});

/**
 * Nunjucks' own `trim` is `replace(/^\s*|\s*$/g, "")`, which backtracks over every run of white space
 * in its input: quadratic on the large blocks GOV.UK Frontend's macros trim (a summary list, a table),
 * and most of a project page's rendering time. String#trim removes the same characters in one pass.
 */
export function trimKeepingSafeness(value: unknown): unknown {
  if (value instanceof nunjucks.runtime.SafeString) return new nunjucks.runtime.SafeString(value.val.trim());
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new TypeError("the trim filter takes text");
}

/** Templates are given instants as Date objects or ISO strings. */
function asDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

export function configureNunjucks(env: nunjucks.Environment) {
  env.addFilter("date", (value: unknown) => (value ? dateFormat.format(asDate(value)) : ""));
  env.addFilter("dateTime", (value: unknown) => (value ? dateTimeFormat.format(asDate(value)) : ""));
  env.addFilter("roleName", (value: unknown) =>
    typeof value === "string" && isRole(value) ? ROLE_NAMES[value] : String(value),
  );
  env.addFilter("json", (value: unknown) => JSON.stringify(value, null, 2));
  env.addFilter("trim", trimKeepingSafeness);
  // MOJ Frontend's components format their dates with this filter (its own needs moment.js).
  env.addFilter("mojDate", (value: unknown, type?: string) => {
    if (!value) return "";
    const when = asDate(value);
    return type === "datetime" ? dateTimeFormat.format(when) : dateFormat.format(when);
  });
  env.addGlobal("paths", paths);
}

/**
 * Stands for the CSRF token in a kept fragment: each request puts its own token in its place. Made of
 * characters that autoescaping leaves alone, so it reaches the HTML as written.
 */
const CSRF_PLACEHOLDER = "csrf-placeholder-3f9c2a7e";

/**
 * A page's main content (a template that does not extend the layout), rendered so that it can be kept
 * and served to everyone with the same roles until the data behind it changes: it sees the context
 * given here, the actor's permissions and a placeholder CSRF token, and nothing of the request.
 */
export async function renderFragment(
  app: FastifyInstance,
  actor: Actor | null,
  template: string,
  context: Record<string, unknown>,
): Promise<string> {
  return app.view(template, {
    ...context,
    can: (action: Action) => can(actor, action),
    csrfToken: () => CSRF_PLACEHOLDER,
  });
}

/** A kept fragment for this request: its own CSRF token in place, marked safe for the layout. */
export function fragmentFor(request: FastifyRequest, html: string): nunjucks.runtime.SafeString {
  return new nunjucks.runtime.SafeString(html.replaceAll(CSRF_PLACEHOLDER, request.csrfToken()));
}

/** What a fragment rendered for this actor depends on: the permissions come from the roles alone. */
export function permissionsKey(actor: Actor | null): string {
  return actor ? [...actor.roles].sort().join(",") : "anonymous";
}

/** Page rendering with the layout's shared context: who is signed in, navigation, CSRF token, CSP nonce. */
export const viewsPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(view, {
      engine: { nunjucks },
      templates: templateRoots,
      options: {
        autoescape: true,
        // Templates are compiled once and kept: rendering must cost about 0.5 ms (docs/architecture.md).
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
    // A page's error summary lists its errors in the order of the fields on the page (error-summary.ts).
    app.addHook("onSend", async (_request, reply, payload) => {
      const html =
        typeof payload === "string" && String(reply.getHeader("content-type")).startsWith("text/html");
      return html ? summaryInPageOrder(payload) : payload;
    });
  },
  { name: "views", dependencies: ["sessions", "security-headers"] },
);
