import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";

export const riskRoutes: FastifyPluginAsyncZod = async () => {
  // Filled in by the capability's own work.
};
