import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listQuery, pageList, problemResponses } from "../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../web/guards.js";
import { NotFoundError } from "../../errors.js";
import { RISK_STATUSES, riskInput, riskUpdateInput } from "./service.js";

export const riskSchema = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  title: z.string(),
  description: z.string(),
  likelihood: z.number().int().min(1).max(5),
  impact: z.number().int().min(1).max(5),
  score: z.number().int().describe("likelihood × impact"),
  rating: z
    .enum(["low", "moderate", "high", "extreme"])
    .describe("1–3 low, 4–6 moderate, 8–12 high, 15–25 extreme"),
  ratingName: z.string(),
  owner: z.string(),
  mitigation: z.string(),
  reviewOn: z.string().describe("YYYY-MM-DD"),
  status: z.enum(RISK_STATUSES),
  overdue: z.boolean().describe("open and its review date has passed"),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const historySchema = z.object({
  version: z.number().int(),
  changedAt: z.string(),
  changedBy: z.string(),
  action: z.string(),
  before: z.record(z.string(), z.unknown()).nullable(),
  changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
});

type App = Parameters<FastifyPluginAsyncZod>[0];

/** GET, POST /api/v1/projects/:id/risks: a project's register, and adding to it. */
function registerApi(app: App) {
  const { risks } = app.services;

  app.get(
    "/api/v1/projects/:id/risks",
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags: ["commissioning projects"],
        summary: "The project's risk register, highest score first; overdue reviews flagged",
        params: z.object({ id: z.uuid() }),
        querystring: listQuery,
        response: {
          200: z.object({
            items: z.array(riskSchema),
            nextCursor: z.string().optional(),
            overdue: z.number().int(),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const found = await risks.list(request.params.id);
      if (!found) throw new NotFoundError("No project has this id");
      return { ...pageList(found.items, request.query), overdue: found.overdue };
    },
  );

  app.post(
    "/api/v1/projects/:id/risks",
    {
      preValidation: requireApi("risks:manage"),
      schema: {
        tags: ["commissioning projects"],
        summary: "Adds a risk to the project's register",
        params: z.object({ id: z.uuid() }),
        body: riskInput,
        response: { 201: riskSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const actor = admittedActor(request);
      return reply.code(201).send(await risks.create(actor, request.params.id, request.body));
    },
  );
}

/** GET, PATCH /api/v1/risks/:id: one risk with its history, and changing it. */
function oneRiskApi(app: App) {
  const { risks } = app.services;

  app.get(
    "/api/v1/risks/:id",
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags: ["commissioning projects"],
        summary: "One risk with every change made to it, newest first",
        params: z.object({ id: z.uuid() }),
        response: { 200: riskSchema.extend({ history: z.array(historySchema) }), ...problemResponses },
      },
    },
    async (request) => {
      const found = await risks.getWithHistory(request.params.id);
      if (!found) throw new NotFoundError("No risk has this id");
      return { ...found.risk, history: found.history };
    },
  );

  app.patch(
    "/api/v1/risks/:id",
    {
      preValidation: requireApi("risks:manage"),
      schema: {
        tags: ["commissioning projects"],
        summary: "Changes a risk; 409 with a stale version",
        params: z.object({ id: z.uuid() }),
        body: riskUpdateInput,
        response: { 200: riskSchema, ...problemResponses },
      },
    },
    async (request) => {
      const actor = admittedActor(request);
      return risks.update(actor, request.params.id, request.body);
    },
  );
}

/** GET, POST /api/v1/projects/:id/risks; GET, PATCH /api/v1/risks/:id (docs/api.md). */
export const risksApi: FastifyPluginAsyncZod = async (app) => {
  registerApi(app);
  oneRiskApi(app);
};
