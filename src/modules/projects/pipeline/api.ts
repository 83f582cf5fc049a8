import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { problemResponses } from "../../../web/api-schemas.js";
import { requireApi } from "../../../web/guards.js";
import { NotFoundError } from "../../../errors.js";
import { stageSchema } from "../api.js";
import { projectApiPaths } from "../paths.js";

const stageCounts = z
  .object({
    "1": z.number().int(),
    "2": z.number().int(),
    "3": z.number().int(),
    "4": z.number().int(),
    "5": z.number().int(),
    closed: z.number().int(),
  })
  .describe("projects at each stage");

const awaitingBodySchema = z.object({
  bodyCode: z.string(),
  bodyName: z.string(),
  items: z.array(
    z.object({
      projectId: z.uuid(),
      projectTitle: z.string(),
      programmeCode: z.string(),
      stage: stageSchema,
      what: z.string().describe("the decision awaited, e.g. approve the needs assessment (version 1)"),
      paragraph: z.string(),
    }),
  ),
});

const pipelineSchema = z.object({
  today: z.string(),
  byProgramme: z
    .array(z.object({ programmeCode: z.string(), stages: stageCounts }))
    .describe("a joint project counts under each of its programmes"),
  totals: stageCounts.describe("every project once"),
  overdueTasks: z.object({
    total: z.number().int(),
    items: z
      .array(
        z.object({
          id: z.uuid(),
          taskKey: z.string(),
          text: z.string(),
          plannedOn: z.string(),
          projectId: z.uuid(),
          projectTitle: z.string(),
        }),
      )
      .describe("oldest first, at most 200"),
  }),
  overdueRiskReviews: z.object({
    total: z.number().int(),
    items: z
      .array(
        z.object({
          id: z.uuid(),
          title: z.string(),
          reviewOn: z.string(),
          projectId: z.uuid(),
          projectTitle: z.string(),
        }),
      )
      .describe("oldest first, at most 200"),
  }),
  awaitingDecisions: z.array(awaitingBodySchema).describe("each body with something awaiting its decision"),
});

/** The pipeline, and what awaits each governance body. */
export const pipelineApi: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;

  app.get(
    projectApiPaths.pipeline,
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags: ["commissioning projects"],
        summary:
          "The pipeline: projects by programme and stage, overdue tasks and risk reviews, decisions awaited",
        response: { 200: pipelineSchema, ...problemResponses },
      },
    },
    async () => projects.pipeline.dashboard(),
  );

  app.get(
    projectApiPaths.awaiting(),
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags: ["commissioning projects"],
        summary: "What awaits one governance body's decision, from the gates of the open projects",
        params: z.object({ code: z.string().max(50) }),
        response: { 200: awaitingBodySchema, ...problemResponses },
      },
    },
    async (request) => {
      const body = await projects.pipeline.awaitingFor(request.params.code);
      if (!body) throw new NotFoundError(`No governance body has the code ${request.params.code}`);
      return body;
    },
  );
};
