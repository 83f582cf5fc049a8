import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";

export const datasetRoutes: FastifyPluginAsyncZod = async () => {
  // Filled in by the capability's own work.
};
