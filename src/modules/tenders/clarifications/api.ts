import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listQuery, pageList, problemResponses } from "../../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../../web/guards.js";
import { answerInput, askInput } from "./service.js";

const instant = z.string().describe("ISO 8601 with offset");

const common = {
  id: z.uuid(),
  tenderId: z.uuid(),
  number: z.number().int().describe("numbered in the tender's log"),
  question: z.string(),
  answer: z.string().nullable(),
  publish: z.enum(["all", "private"]).nullable(),
  status: z.enum(["awaiting-answer", "published", "answered-privately"]),
  privateReason: z.string().nullable(),
  askedAt: instant.nullable(),
  answeredAt: instant.nullable(),
};

/** Staff see who asked; a supplier never does (App C 5.5). */
const staffClarification = z.object({
  ...common,
  answeredBy: z.string().nullable(),
  askedBy: z.object({ organisationId: z.uuid(), organisationName: z.string() }),
});
const supplierClarification = z.object({
  ...common,
  ours: z.boolean().describe("asked by the supplier's own organisation"),
});

type App = Parameters<FastifyPluginAsyncZod>[0];
const ID_PARAMS = z.object({ id: z.uuid() });

/** POST, GET /api/v1/tenders/:id/clarifications. */
function tenderClarificationsApi(app: App) {
  const { clarifications } = app.services;
  app.post(
    "/api/v1/tenders/:id/clarifications",
    {
      preValidation: requireApi("tenders:participate"),
      schema: {
        tags: ["tendering"],
        summary: "A supplier asks a clarification question privately; 409 after the clarification deadline",
        params: ID_PARAMS,
        body: askInput,
        response: { 201: supplierClarification, ...problemResponses },
      },
    },
    async (request, reply) => {
      const asked = await clarifications.ask(admittedActor(request), request.params.id, request.body);
      return reply.code(201).send(asked);
    },
  );

  app.get(
    "/api/v1/tenders/:id/clarifications",
    {
      preValidation: requireApi("home:view"),
      schema: {
        tags: ["tendering"],
        summary:
          "The clarification log: staff see every question with who asked; a supplier the published answers and its own questions",
        params: ID_PARAMS,
        querystring: listQuery,
        response: {
          200: z.object({
            items: z.array(z.union([staffClarification, supplierClarification])),
            nextCursor: z.string().optional(),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const found = await clarifications.log(admittedActor(request), request.params.id);
      return found.view === "staff"
        ? pageList(found.items, request.query)
        : pageList(found.items, request.query);
    },
  );
}

/** POST /api/v1/clarifications/:id/answer. */
function answerApi(app: App) {
  const { clarifications } = app.services;
  app.post(
    "/api/v1/clarifications/:id/answer",
    {
      preValidation: requireApi("clarifications:answer"),
      schema: {
        tags: ["tendering"],
        summary:
          "Answers a question, to every interested supplier without naming the asker or privately with a reason; final once given (409 after)",
        params: ID_PARAMS,
        body: answerInput,
        response: {
          200: staffClarification.extend({ notified: z.number().int().describe("messages queued") }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const done = await clarifications.answer(admittedActor(request), request.params.id, request.body);
      return { ...done.clarification, notified: done.notified };
    },
  );
}

/** Clarifications (App C 5.5; docs/tendering.md). */
export const clarificationsApi: FastifyPluginAsyncZod = async (app) => {
  tenderClarificationsApi(app);
  answerApi(app);
};
