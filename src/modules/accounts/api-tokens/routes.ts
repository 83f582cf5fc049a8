import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { renderStatus } from "../../../web/errors.js";
import { NO_PARAMS, pageAction, pathParam } from "../../../web/page-action.js";
import { paths } from "../../../web/paths.js";
import { ownAccount, ownId } from "../own-account.js";

const tokenForm = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Enter a name for the token, like 'Reporting script'")
    .max(100, "Name must be 100 characters or fewer"),
});

/** The account page's API tokens: a new one (shown once) and revoking one. */
export const apiTokenRoutes: FastifyPluginAsyncZod = async (app) => {
  const { accounts } = app.services;

  app.post(
    paths.accountTokens,
    ownAccount,
    pageAction({
      params: NO_PARAMS,
      load: async () => ({}),
      form: () => paths.account,
      body: tokenForm,
      refusalField: "name",
      run: async ({ actor, input, reply }) => {
        const created = await accounts.createApiToken(actor, ownId(actor), input.name);
        // Shown once, on this response only: never stored in the clear or put in a redirect.
        return reply.view("accounts/views/token-created.njk", {
          pageTitle: "Your new API token",
          token: created.token,
          name: created.name,
        });
      },
    }),
  );

  // An id that is not a UUID is a token that does not exist (404), not a 400.
  app.post(
    paths.accountTokenRevoke(),
    ownAccount,
    pageAction({
      params: z.object({ id: pathParam }),
      load: async ({ id }) => {
        const tokenId = z.uuid().safeParse(id);
        return tokenId.success ? tokenId.data : null;
      },
      form: () => paths.account,
      body: z.object({}),
      refusalField: "name",
      run: async ({ actor, loaded: tokenId, reply }) => {
        if (!(await accounts.revokeApiToken(actor, ownId(actor), tokenId))) return renderStatus(reply, 404);
        return { to: paths.account, success: "The token has been revoked" };
      },
    }),
  );
};
