import type { FastifyInstance } from "fastify";
import { accountRoutes } from "../modules/accounts/routes.js";
import { homeRoutes } from "../modules/home/routes.js";

/** Each capability registers its pages and API here (one line each). */
export async function registerModules(app: FastifyInstance): Promise<void> {
  await app.register(homeRoutes);
  await app.register(accountRoutes);
}
