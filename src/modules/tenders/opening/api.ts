import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { problemResponses, problemSchema } from "../../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../../web/guards.js";
import { NotFoundError } from "../../../errors.js";
import { complianceInput, openingInput } from "./service.js";

const complianceSchema = z.object({
  submissionId: z.uuid(),
  late: z.boolean().describe("submitted after the deadline by the server's clock (refused at the door)"),
  missingQuestionCodes: z
    .array(z.string())
    .describe("questions without an answer; a price question without a price"),
  failedQuestionCodes: z.array(z.string()).describe("pass/fail questions answered no"),
  compliant: z.boolean().nullable().describe("the officer's conclusion; null until recorded"),
  reason: z.string().nullable(),
});

export const openingSchema = z.object({
  id: z.uuid(),
  section: z.enum(["pqq", "itt"]),
  sectionName: z.string(),
  openedAt: z.string().describe("ISO 8601"),
  deadline: z.string().describe("ISO 8601"),
  openedBy: z.object({ id: z.string(), name: z.string() }),
  witnesses: z.array(z.object({ id: z.string(), name: z.string() })),
  submissions: z
    .array(
      z.object({
        submissionId: z.string(),
        organisationId: z.string(),
        organisationName: z.string(),
        submittedAt: z.string(),
        sha256: z.string().describe("the receipt's hash of the whole submission"),
        lotCodes: z.array(z.string()),
        compliance: complianceSchema.nullable(),
      }),
    )
    .describe("every submission with status submitted at the opening"),
  withdrawnCount: z.number().int(),
  supersededCount: z.number().int(),
});

const params = z.object({ id: z.uuid() });
const responses = { ...problemResponses, 422: problemSchema };

type App = Parameters<FastifyPluginAsyncZod>[0];

/** GET, POST /api/v1/tenders/:id/opening: the recorded opening (App C 5.6). */
function openingApi(app: App) {
  const { opening } = app.services.tenderOpening;
  app.get(
    "/api/v1/tenders/:id/opening",
    {
      preValidation: requireApi("tenders:read"),
      schema: {
        tags: ["tenders"],
        summary: "Each section's deadline and its recorded opening (null until recorded)",
        params,
        response: {
          200: z.object({
            tenderId: z.uuid(),
            sections: z.array(
              z.object({
                section: z.enum(["pqq", "itt"]),
                deadline: z.string().nullable(),
                deadlinePassed: z.boolean(),
                opening: openingSchema.nullable(),
              }),
            ),
          }),
          ...responses,
        },
      },
    },
    async (request) => {
      const found = await opening.overview(request.params.id);
      if (!found) throw new NotFoundError("No tender has this id");
      return { tenderId: found.tender.id, sections: found.sections };
    },
  );

  app.post(
    "/api/v1/tenders/:id/opening",
    {
      preValidation: requireApi("tenders:open"),
      schema: {
        tags: ["tenders"],
        summary:
          "Records the opening of a section after its deadline, with another procurement officer as witness; " +
          "409 before the deadline or when already opened; 422 for a witness who is not another active procurement officer",
        params,
        body: openingInput,
        response: { 201: openingSchema, ...responses },
      },
    },
    async (request, reply) => {
      const actor = admittedActor(request);
      return reply.code(201).send(await opening.open(actor, request.params.id, request.body));
    },
  );
}

/** PUT /api/v1/tenders/:id/compliance: the officer's conclusion on an opened submission (App C 5.6–5.7). */
function complianceApi(app: App) {
  const { opening } = app.services.tenderOpening;
  app.put(
    "/api/v1/tenders/:id/compliance",
    {
      preValidation: requireApi("tenders:open"),
      schema: {
        tags: ["tenders"],
        summary: "Records whether an opened submission is compliant (a reason is required when it is not)",
        params,
        body: complianceInput,
        response: { 200: complianceSchema, ...responses },
      },
    },
    async (request) => {
      const actor = admittedActor(request);
      return opening.recordCompliance(actor, request.params.id, request.body);
    },
  );
}

/** The opening's JSON API (docs/tendering.md, "The opening", "Compliance"). */
export const openingApiRoutes: FastifyPluginAsyncZod = async (app) => {
  openingApi(app);
  complianceApi(app);
};
