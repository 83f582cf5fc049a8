import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { problemResponses } from "../../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../../web/guards.js";
import { idParams, stageSchema } from "../api.js";
import { advanceInput, rejectInput } from "../inputs.js";
import { projectApiPaths } from "../paths.js";

const tags = ["commissioning projects"];

/** A project's moves through the stages: advance when the gate is met, or reject (§3.17). */
export const stagesApi: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;

  app.post(
    projectApiPaths.advance(),
    {
      preValidation: requireApi("projects:update"),
      schema: {
        tags,
        summary: "Moves the project to its next stage; 409 with `missing` when its gate is not met",
        params: idParams,
        body: advanceInput,
        response: {
          200: z.object({ stage: stageSchema, version: z.number().int() }),
          ...problemResponses,
        },
      },
    },
    async (request) =>
      projects.stages.advance(admittedActor(request), request.params.id, request.body?.version),
  );

  app.post(
    projectApiPaths.reject(),
    {
      preValidation: requireApi("projects:update"),
      schema: {
        tags,
        summary: "Records that the recommendation was rejected: the procurement ends (§3.17)",
        params: idParams,
        body: rejectInput,
        response: {
          200: z.object({
            stage: stageSchema,
            outcome: z.literal("rejected"),
            version: z.number().int(),
            costAvoidancePaper: z.object({
              required: z.boolean(),
              reason: z.string(),
              paragraph: z.string(),
            }),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => projects.stages.reject(admittedActor(request), request.params.id, request.body),
  );
};
