import type { FastifyInstance } from "fastify";
import { accountRoutes } from "../modules/accounts/routes.js";
import { oidcRoutes } from "../modules/accounts/oidc.js";
import { auditRoutes } from "../modules/audit/routes.js";
import { governanceApi } from "../modules/governance/api.js";
import { governanceRoutes } from "../modules/governance/routes.js";
import { homeRoutes } from "../modules/home/routes.js";
import { organisationsApi } from "../modules/organisations/api.js";
import { organisationRoutes } from "../modules/organisations/routes.js";
import { programmesApi } from "../modules/programmes/api.js";
import { programmeRoutes } from "../modules/programmes/routes.js";
import { usersApi } from "../modules/users/api.js";
import { userRoutes } from "../modules/users/routes.js";

/** Each capability registers its pages and API here (one line each). */
export async function registerModules(app: FastifyInstance): Promise<void> {
  await app.register(homeRoutes);
  await app.register(accountRoutes);
  await app.register(oidcRoutes);
  await app.register(programmeRoutes);
  await app.register(programmesApi);
  await app.register(governanceRoutes);
  await app.register(governanceApi);
  await app.register(organisationRoutes);
  await app.register(organisationsApi);
  await app.register(userRoutes);
  await app.register(usersApi);
  await app.register(auditRoutes);
  app.get("/api/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
