import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { problemResponses } from "../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../web/guards.js";
import { NotFoundError } from "../../errors.js";
import { incumbentInput, incumbentPatchInput } from "./incumbents.js";
import { projectApiPaths } from "./paths.js";

const stageSchema = z.union([z.number().int().min(1).max(5), z.literal("closed")]);
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

export const incumbentSchema = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  name: z.string(),
  providerOrganisationId: z.uuid().nullable(),
  providerName: z.string().nullable(),
  endsOn: z.string(),
  noticeDays: z.number().int(),
  noticeByOn: z.string().describe("endsOn less noticeDays: the last day notice may be given"),
  noticeGivenOn: z.string().nullable(),
  noticeDocumentId: z.uuid().nullable(),
  noticeOverdue: z.boolean().describe("today is later than noticeByOn and no notice is recorded"),
  version: z.number().int(),
});

/** The pipeline and contracts being recommissioned (App C 1). */
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

  app.get(
    projectApiPaths.incumbents(),
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags: ["commissioning projects"],
        summary: "Contracts the project recommissions, each with the date notice must be given",
        params: z.object({ id: z.uuid() }),
        response: { 200: z.object({ items: z.array(incumbentSchema) }), ...problemResponses },
      },
    },
    async (request) => ({ items: await projects.incumbents.list(request.params.id) }),
  );

  app.post(
    projectApiPaths.incumbents(),
    {
      preValidation: requireApi("projects:update"),
      schema: {
        tags: ["commissioning projects"],
        summary: "Adds a contract being recommissioned, with its end date and notice period",
        params: z.object({ id: z.uuid() }),
        body: incumbentInput,
        response: { 201: incumbentSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await projects.incumbents.add(admittedActor(request), request.params.id, request.body)),
  );

  app.patch(
    projectApiPaths.incumbent(),
    {
      preValidation: requireApi("projects:update"),
      schema: {
        tags: ["commissioning projects"],
        summary: "Changes a contract being recommissioned or records the notice given; stale version 409",
        description:
          "noticeDocumentId, when given, is a notice-letter document of the same project; its upload already " +
          "recorded it as checklist evidence.",
        params: z.object({ id: z.uuid() }),
        body: incumbentPatchInput,
        response: { 200: incumbentSchema, ...problemResponses },
      },
    },
    async (request) => projects.incumbents.update(admittedActor(request), request.params.id, request.body),
  );
};
