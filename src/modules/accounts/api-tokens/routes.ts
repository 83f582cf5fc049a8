import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { parseForm, redirectWithSuccess } from "../../../web/forms.js";
import { requirePage } from "../../../web/guards.js";
import { paths } from "../../../web/paths.js";

const tokenForm = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Enter a name for the token, like 'Reporting script'")
    .max(100, "Name must be 100 characters or fewer"),
});

/** Route params as a string: an id that is not a UUID is a token that does not exist (404), not a 400. */
const tokenParams = z.object({ id: z.string() });

/** The account page's API tokens: a new one (shown once) and revoking one. */
export const apiTokenRoutes: FastifyPluginAsyncZod = async (app) => {
  const { accounts } = app.services;
  const ownAccount = { preHandler: requirePage("account:manage-own"), schema: { hide: true } };

  app.post(paths.accountTokens, ownAccount, async (request, reply) => {
    const form = await parseForm(request, reply, tokenForm, paths.account);
    const actor = request.actor;
    if (!form || !actor?.id) return reply;
    const created = await accounts.createApiToken(actor, actor.id, form.name);
    // Shown once, on this response only: never stored in the clear or put in a redirect.
    return reply.view("accounts/views/token-created.njk", {
      pageTitle: "Your new API token",
      token: created.token,
      name: created.name,
    });
  });

  app.post(
    paths.accountTokenRevoke(),
    { ...ownAccount, schema: { hide: true, params: tokenParams } },
    async (request, reply) => {
      const actor = request.actor;
      if (!actor?.id) return reply;
      const parsed = z.uuid().safeParse(request.params.id);
      const revoked = parsed.success && (await accounts.revokeApiToken(actor, actor.id, parsed.data));
      if (!revoked) return reply.code(404).view("errors/not-found.njk", { pageTitle: "Page not found" });
      return redirectWithSuccess(request, reply, paths.account, "The token has been revoked");
    },
  );
};
