import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";

export const indicatorsApi: FastifyPluginAsyncZod = async () => {
  // Filled in by the capability's own work.
};
