import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { FastifyReply } from "fastify";
import { z } from "zod";
import { ConflictError } from "../../errors.js";
import { zodFieldErrors } from "../../inputs.js";
import {
  formState,
  parseForm,
  redirectWithErrors,
  redirectWithSuccess,
  toFormErrors,
} from "../../web/forms.js";
import { admittedActor, requirePage } from "../../web/guards.js";
import { NO_PARAMS, pageAction } from "../../web/page-action.js";
import { paths } from "../../web/paths.js";
import { supplierPaths } from "./paths.js";
import { choosePasswordInput, colleagueInput, newLinkInput, supplierRegistrationInput } from "./inputs.js";
import { SUPPLIER_LINK_LIMITS } from "./service.js";

type App = Parameters<FastifyPluginAsyncZod>[0];

const page = { schema: { hide: true } };
const tokenQuery = z.object({ token: z.string().min(1).max(200).optional().catch(undefined) });

/** The radios' items for a yes/no question, with what was typed checked. */
function yesNoItems(typed: unknown) {
  return [
    { value: "yes", text: "Yes", checked: typed === "yes" },
    { value: "no", text: "No", checked: typed === "no" },
  ];
}

function tooMany(reply: FastifyReply) {
  return reply.code(429).view("errors/too-many.njk", {
    pageTitle: "Too many requests",
    message: `There have been too many requests from your network or for this email address. Wait ${String(SUPPLIER_LINK_LIMITS.windowMinutes)} minutes and try again.`,
  });
}

/** The link's page says it cannot be used, and offers to send a new one. */
function expiredPage(reply: FastifyReply, state: Record<string, unknown> = {}) {
  return reply.view("suppliers/views/link-expired.njk", {
    pageTitle: "The link has expired or has been used",
    supplierPaths,
    hours: SUPPLIER_LINK_LIMITS.linkHours,
    ...state,
  });
}

/**
 * "Register your organisation as a supplier": open to anyone, signed in or not (no permission
 * applies and there is no actor, so the form is not a page action; it still carries its CSRF token).
 */
function registration(app: App) {
  const { suppliers } = app.services;

  app.get(supplierPaths.register, page, async (request, reply) => {
    const state = await formState(request);
    return reply.view("suppliers/views/register.njk", {
      pageTitle: "Register your organisation as a supplier",
      ...state,
      supplierPaths,
      smeItems: yesNoItems(state.values.sme),
      vcseItems: yesNoItems(state.values.vcse),
    });
  });

  app.post(supplierPaths.register, page, async (request, reply) => {
    const input = await parseForm(request, reply, supplierRegistrationInput, supplierPaths.register);
    if (!input) return reply;
    try {
      const outcome = await suppliers.register(input, request.ip);
      if (outcome === "throttled") return await tooMany(reply);
    } catch (error) {
      if (error instanceof ConflictError) {
        return redirectWithErrors(request, reply, supplierPaths.register, error.errors);
      }
      throw error;
    }
    return reply.redirect(supplierPaths.registered, 303);
  });

  app.get(supplierPaths.registered, page, async (_request, reply) => {
    return reply.view("suppliers/views/check-email.njk", {
      pageTitle: "Check your email",
      hours: SUPPLIER_LINK_LIMITS.linkHours,
      supplierPaths,
    });
  });
}

/** The page the link opens: choose a password while the link is live; or ask for a new link. */
function verification(app: App) {
  const { suppliers } = app.services;

  app.get(
    supplierPaths.verify,
    { schema: { hide: true, querystring: tokenQuery } },
    async (request, reply) => {
      const { token } = request.query;
      // The page holds a live token: no browser or proxy keeps it, and it is never sent elsewhere.
      reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer");
      if (!token || !(await suppliers.linkIsLive(token))) return expiredPage(reply, await formState(request));
      return reply.view("suppliers/views/choose-password.njk", {
        pageTitle: "Confirm your email address and choose a password",
        supplierPaths,
        token,
      });
    },
  );

  app.post(supplierPaths.verify, page, async (request, reply) => {
    reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer");
    const parsed = choosePasswordInput.safeParse(request.body ?? {});
    if (!parsed.success) {
      const token = z.object({ token: z.string().min(1).max(200) }).safeParse(request.body ?? {});
      if (!token.success) return expiredPage(reply);
      // Shown again on this response, not through a redirect: the token is never stored with the errors.
      return reply.code(400).view("suppliers/views/choose-password.njk", {
        pageTitle: "Confirm your email address and choose a password",
        supplierPaths,
        token: token.data.token,
        errors: toFormErrors(zodFieldErrors(parsed.error)),
      });
    }
    const outcome = await suppliers.choosePassword(parsed.data.token, parsed.data.newPassword);
    if (outcome.kind === "invalid") return expiredPage(reply);
    return redirectWithSuccess(
      request,
      reply,
      paths.signIn,
      "Your email address is confirmed and your password is set. Sign in with them.",
    );
  });

  app.post(supplierPaths.newLink, page, async (request, reply) => {
    const form = await parseForm(request, reply, newLinkInput, supplierPaths.verify);
    if (!form) return reply;
    const outcome = await suppliers.sendNewLink(form.email, request.ip);
    if (outcome === "throttled") return tooMany(reply);
    // The same answer whether or not the address has an account waiting for confirmation.
    return reply.redirect(supplierPaths.registered, 303);
  });
}

/** A supplier user's own organisation's people, and adding a colleague to it. */
function colleagues(app: App) {
  const { suppliers } = app.services;
  const manage = { preHandler: requirePage("supplier-colleagues:manage"), schema: { hide: true } };

  app.get(supplierPaths.colleagues, manage, async (request, reply) => {
    const found = await suppliers.colleagues(admittedActor(request));
    return reply.view("suppliers/views/colleagues.njk", {
      pageTitle: `Your organisation's people: ${found.organisation.name}`,
      ...(await formState(request)),
      supplierPaths,
      organisation: found.organisation,
      colleagues: found.items,
    });
  });

  app.post(
    supplierPaths.colleagues,
    manage,
    pageAction({
      params: NO_PARAMS,
      load: async () => ({}),
      form: () => `${supplierPaths.colleagues}#add-colleague`,
      body: colleagueInput,
      refusalField: "email",
      run: async ({ actor, input }) => {
        const added = await suppliers.addColleague(actor, input);
        return {
          to: supplierPaths.colleagues,
          success: `${added.name} has been added. We have emailed them a link to confirm their address and choose a password.`,
        };
      },
    }),
  );
}

/** Supplier accounts' pages (docs/tendering.md, supplier accounts). */
export const supplierRoutes: FastifyPluginAsyncZod = async (app) => {
  registration(app);
  verification(app);
  colleagues(app);
};
