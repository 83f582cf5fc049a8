import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { problemResponses } from "../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../web/guards.js";
import { NotFoundError } from "../../errors.js";
import { projectCreateInput, projectListQuery, projectPatchInput } from "./inputs.js";
import { projectApiPaths } from "./paths.js";

export const stageSchema = z.union([z.number().int().min(1).max(5), z.literal("closed")]);

const missingSchema = z.object({
  output: z.string().describe("a document kind, or procurement-plan, eqia-screening, award, mobilisation"),
  reason: z.string(),
  paragraph: z.string().describe("the framework paragraph the rule comes from"),
  kind: z.enum(["document", "approval", "record"]),
  bodyCode: z.string().optional().describe("for an approval: the body that must decide"),
  version: z.number().int().optional().describe("for an approval of a document: the version to approve"),
});

const projectSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  description: z.string(),
  programmeCode: z.string(),
  programmeCodes: z.array(z.string()).describe("the other programmes, for joint commissioning"),
  leadCommissionerId: z.uuid().nullable(),
  leadCommissionerName: z.string().nullable(),
  estimatedValuePence: z.number().int(),
  contractMonths: z.number().int().nullable(),
  regime: z.string(),
  startedOn: z.string(),
  stage: stageSchema,
  stageName: z.string(),
  outcome: z.enum(["open", "completed", "rejected", "withdrawn"]),
  outcomeReason: z.string().nullable(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  gate: z.object({
    canAdvance: z.boolean(),
    nextStage: stageSchema.nullable(),
    missing: z.array(missingSchema),
  }),
  overdue: z.boolean().optional().describe("in lists: has checklist tasks planned before today and not done"),
});

export const idParams = z.object({ id: z.uuid() });
const tags = ["commissioning projects"];

/** The app as a plugin gets it, for the functions that each register a few of the plugin's routes. */
type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

function startAndList(app: ZodApp) {
  const { projects } = app.services;
  app.post(
    projectApiPaths.projects,
    {
      preValidation: requireApi("projects:create"),
      schema: {
        tags,
        summary: "Starts a commissioning project at Stage 1",
        body: projectCreateInput,
        response: { 201: projectSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await projects.create(admittedActor(request), request.body)),
  );

  app.get(
    projectApiPaths.projects,
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags,
        summary: "Projects, most recently changed first; filter by programme, stage and overdue tasks",
        querystring: projectListQuery,
        response: {
          200: z.object({
            items: z.array(projectSchema),
            nextCursor: z.string().optional(),
            total: z.number().int(),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const result = await projects.list({
        programmeCode: q.programmeCode ?? q.programme,
        stage: q.stage,
        overdue: q.overdue,
        limit: q.limit,
        cursor: q.cursor,
      });
      return {
        items: result.items,
        total: result.total,
        ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
      };
    },
  );
}

function readAndChange(app: ZodApp) {
  const { projects } = app.services;
  app.get(
    projectApiPaths.project(),
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags,
        summary: "One project with its gate: whether it may advance and what is missing",
        params: idParams,
        response: { 200: projectSchema, ...problemResponses },
      },
    },
    async (request) => {
      const project = await projects.get(request.params.id);
      if (!project) throw new NotFoundError("No project has this id");
      return project;
    },
  );

  app.patch(
    projectApiPaths.project(),
    {
      preValidation: requireApi("projects:update"),
      schema: {
        tags,
        summary: "Changes a project; a stale version gets 409 and changes nothing",
        params: idParams,
        body: projectPatchInput,
        response: { 200: projectSchema, ...problemResponses },
      },
    },
    async (request) => projects.update(admittedActor(request), request.params.id, request.body),
  );
}

/**
 * Commissioning projects (docs/api.md): projects and their timelines; their documents, decisions and
 * moves between stages are the sub-folders' (documents/api.ts, decisions/api.ts, stages/api.ts).
 * Permission is checked before validation, so a caller who may not act learns nothing from a 400.
 */
export const projectsApi: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;
  startAndList(app);
  readAndChange(app);

  app.get(
    projectApiPaths.timeline(),
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags,
        summary: "Every recorded event of the project, its documents and decisions, oldest first",
        params: idParams,
        response: {
          200: z.object({
            items: z.array(
              z.object({
                at: z.string(),
                actor: z.string(),
                action: z.string(),
                summary: z.string(),
                entityType: z.string(),
                entityId: z.string(),
              }),
            ),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => projects.timeline(request.params.id),
  );
};
