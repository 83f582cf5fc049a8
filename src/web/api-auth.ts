import fp from "fastify-plugin";
import type { AccountsService } from "../modules/accounts/service.js";
import { actorFor } from "../modules/accounts/queries.js";
import { sendProblem } from "./errors.js";

/** Bearer tokens for /api/v1 (docs/api.md conventions); /api/v1/public and the OpenAPI document need none. */
export const apiAuthPlugin = fp<{ accounts: AccountsService }>(
  async (app, { accounts }) => {
    app.addHook("onRequest", async (request, reply) => {
      if (!request.url.startsWith("/api/")) return;
      const header = request.headers.authorization;
      if (!header) return;
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const user = match?.[1] ? await accounts.userForApiToken(match[1]) : null;
      if (!user) {
        return sendProblem(
          reply.header("www-authenticate", 'Bearer realm="commissioner", error="invalid_token"'),
          {
            title: "Unauthorised",
            status: 401,
            detail: "The API token is not valid, or has been revoked",
          },
        );
      }
      request.user = user;
      request.actor = actorFor(user);
    });
  },
  { name: "api-auth", dependencies: ["sessions"] },
);
