import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listOf, listQuery, pageList, problemResponses } from "../../web/api-schemas.js";
import { requireApi } from "../../web/guards.js";
import { NotFoundError } from "../../errors.js";

const reference = z.object({
  ref: z.string().describe("paragraph of the framework, e.g. §1.2 a"),
  text: z.string(),
});
export const programmeSchema = z.object({
  code: z.enum(["SP", "KDAAT", "KSE", "KSAS"]),
  name: z.string(),
  aims: z.array(reference),
  outcomes: z.array(reference),
});

/** GET /api/v1/programmes (docs/api.md, reference data). */
export const programmesApi: FastifyPluginAsyncZod = async (app) => {
  const { reference: service } = app.services;
  app.get(
    "/api/v1/programmes",
    {
      preValidation: requireApi("programmes:read"),
      schema: {
        tags: ["reference data"],
        summary: "The programmes with their aims and outcomes (framework §1.1–1.2)",
        querystring: listQuery,
        response: { 200: listOf(programmeSchema), ...problemResponses },
      },
    },
    async (request) =>
      // The response schema checks the shape as it serialises: no second parse here.
      pageList(await service.listProgrammes(), request.query),
  );

  app.get(
    "/api/v1/programmes/:code",
    {
      preValidation: requireApi("programmes:read"),
      schema: {
        tags: ["reference data"],
        summary: "One programme",
        params: z.object({ code: z.string().max(10) }),
        response: { 200: programmeSchema, ...problemResponses },
      },
    },
    async (request) => {
      const programme = await service.getProgramme(request.params.code);
      if (!programme) throw new NotFoundError(`No programme has the code ${request.params.code}`);
      return programmeSchema.parse(programme);
    },
  );
};
