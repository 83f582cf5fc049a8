import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { problemResponses, problemSchema } from "../../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../../web/guards.js";
import { ConflictError, NotFoundError } from "../../../errors.js";
import { assessmentInput, outcomesInput, PQQ_SCORE_MAX } from "./service.js";

const params = z.object({ id: z.uuid() });
const responses = { ...problemResponses, 422: problemSchema };

const assessmentSchema = z.object({
  submissionId: z.uuid(),
  questionCode: z.string(),
  passed: z.boolean().nullable().describe("pass/fail questions"),
  score: z.number().int().nullable().describe(`scored questions, 0 to ${PQQ_SCORE_MAX}`),
  rationale: z.string(),
});

const outcomeSchema = z.object({
  submissionId: z.uuid(),
  shortlisted: z.boolean(),
  reason: z.string(),
  notifiedAt: z.string().nullable(),
});

const pqqSchema = z.object({
  tenderId: z.uuid(),
  decided: z.boolean(),
  responses: z.array(
    z.object({
      submissionId: z.string(),
      organisationId: z.string(),
      organisationName: z.string(),
      submittedAt: z.string(),
      sha256: z.string(),
      answers: z.array(
        z.object({
          code: z.string(),
          kind: z.enum(["pass-fail", "scored", "price"]),
          text: z.string(),
          value: z.string(),
          assessment: assessmentSchema.pick({ passed: true, score: true, rationale: true }).nullable(),
        }),
      ),
      failedQuestionCodes: z.array(z.string()),
      totalScore: z.number().int(),
      assessedAll: z.boolean(),
      outcome: outcomeSchema.omit({ submissionId: true }).nullable(),
    }),
  ),
});

type App = Parameters<FastifyPluginAsyncZod>[0];

/** GET /api/v1/tenders/:id/pqq and PUT …/pqq-assessments: the opened PQQ responses and their assessment. */
function assessmentApi(app: App) {
  const { pqq } = app.services.tenderOpening;
  app.get(
    "/api/v1/tenders/:id/pqq",
    {
      preValidation: requireApi("pqq:assess"),
      schema: {
        tags: ["tenders"],
        summary:
          "The opened PQQ responses with their answers, assessments and outcomes; 409 before the PQQ opening",
        params,
        response: { 200: pqqSchema, ...responses },
      },
    },
    async (request) => {
      const found = await pqq.overview(request.params.id);
      if (!found) throw new NotFoundError("No tender has this id");
      if (!found.opened)
        throw new ConflictError("The PQQ responses have not been opened", [], { code: "sealed" });
      return { tenderId: found.tender.id, decided: found.decided, responses: found.responses };
    },
  );

  app.put(
    "/api/v1/tenders/:id/pqq-assessments",
    {
      preValidation: requireApi("pqq:assess"),
      schema: {
        tags: ["tenders"],
        summary: `Assesses one PQQ question of one response: pass/fail, or a score from 0 to ${PQQ_SCORE_MAX}, with a rationale`,
        params,
        body: assessmentInput,
        response: { 200: assessmentSchema, ...responses },
      },
    },
    async (request) => {
      const actor = admittedActor(request);
      return pqq.assess(actor, request.params.id, request.body);
    },
  );
}

/** POST /api/v1/tenders/:id/pqq-outcomes: the shortlist, each supplier told its own outcome (App C 5.3–5.4). */
function outcomesApi(app: App) {
  const { pqq } = app.services.tenderOpening;
  app.post(
    "/api/v1/tenders/:id/pqq-outcomes",
    {
      preValidation: requireApi("pqq:assess"),
      schema: {
        tags: ["tenders"],
        summary:
          "Decides the shortlist: an outcome for every opened PQQ response; each supplier is told its own and the shortlisted are invited to tender",
        params,
        body: outcomesInput,
        response: { 201: z.object({ outcomes: z.array(outcomeSchema) }), ...responses },
      },
    },
    async (request, reply) => {
      const actor = admittedActor(request);
      return reply.code(201).send(await pqq.decideOutcomes(actor, request.params.id, request.body));
    },
  );
}

/** The PQQ stage's JSON API (docs/tendering.md, "The PQQ stage"). */
export const pqqApi: FastifyPluginAsyncZod = async (app) => {
  assessmentApi(app);
  outcomesApi(app);
};
