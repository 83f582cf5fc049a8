import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { problemResponses } from "../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../web/guards.js";
import { NotFoundError } from "../../errors.js";
import { CHARACTERISTIC_CODES, IMPACTS } from "./screening.js";
import { eqiaInput } from "./service.js";

export const eqiaSchema = z.object({
  projectId: z.uuid(),
  id: z.uuid().nullable().describe("null until the first save"),
  screening: z.array(
    z.object({
      characteristic: z.enum(CHARACTERISTIC_CODES),
      name: z.string(),
      impact: z.enum(IMPACTS).nullable(),
      evidence: z.string(),
      mitigation: z.string().nullable(),
    }),
  ),
  screeningDone: z
    .boolean()
    .describe("every characteristic has an impact and evidence (stage 2 gate, App C 1)"),
  missing: z.array(z.enum(CHARACTERISTIC_CODES)),
  fullAssessmentRequired: z.boolean(),
  fullAssessmentRequiredByScreening: z.boolean().describe("an impact is negative or not known yet"),
  fullAssessmentRequiredByHand: z.boolean(),
  fullAssessmentDocumentId: z.uuid().nullable(),
  updatedAfterConsultation: z.boolean(),
  signedOff: z.object({ byId: z.uuid(), byName: z.string(), on: z.string() }).nullable(),
  signOffBlockers: z.array(z.string()),
  version: z.number().int().describe("0 until the first save"),
});

const params = z.object({ id: z.uuid() });

/** GET, PUT /api/v1/projects/:id/eqia and POST /api/v1/projects/:id/eqia/sign-off (docs/api.md). */
export const eqiaApi: FastifyPluginAsyncZod = async (app) => {
  const { eqia } = app.services;

  app.get(
    "/api/v1/projects/:id/eqia",
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags: ["commissioning projects"],
        summary: "The project's equality impact assessment: screening per protected characteristic, sign-off",
        params,
        response: { 200: eqiaSchema, ...problemResponses },
      },
    },
    async (request) => {
      const found = await eqia.get(request.params.id);
      if (!found) throw new NotFoundError("No project has this id");
      return found.eqia;
    },
  );

  app.put(
    "/api/v1/projects/:id/eqia",
    {
      preValidation: requireApi("eqia:manage"),
      schema: {
        tags: ["commissioning projects"],
        summary:
          "Saves the screening; 409 with a stale version; signOff: true signs off too (Equalities team members only, else 403)",
        params,
        body: eqiaInput,
        response: { 200: eqiaSchema, ...problemResponses },
      },
    },
    async (request) => {
      const actor = admittedActor(request);
      return eqia.save(actor, request.params.id, request.body);
    },
  );

  app.post(
    "/api/v1/projects/:id/eqia/sign-off",
    {
      preValidation: requireApi("eqia:sign-off"),
      schema: {
        tags: ["commissioning projects"],
        summary:
          "Signs off the assessment: members of the Equalities team only (else 403); 409 until it can be",
        params,
        body: z.object({ version: z.number().int().min(0) }),
        response: { 200: eqiaSchema, ...problemResponses },
      },
    },
    async (request) => {
      const actor = admittedActor(request);
      return eqia.signOff(actor, request.params.id, request.body.version);
    },
  );
};
