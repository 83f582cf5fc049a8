import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { problemResponses } from "../../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../../web/guards.js";
import { idParams } from "../api.js";
import { DECISION_VALUES, decisionInput } from "../inputs.js";
import { projectApiPaths } from "../paths.js";

const tags = ["commissioning projects"];

const decisionSchema = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  subjectType: z.enum(["document", "project"]),
  subjectId: z.uuid(),
  subjectVersion: z.number().int().nullable(),
  subjectKind: z.string().nullable(),
  subjectTitle: z.string().nullable(),
  bodyCode: z.string(),
  decision: z.enum(DECISION_VALUES),
  decidedOn: z.string(),
  minutesRef: z.string(),
  conditions: z.string().nullable(),
  memberId: z.uuid().nullable().describe("the member of the body who decided, when known"),
  memberName: z.string().nullable(),
  recordedById: z.uuid().describe("whoever entered it"),
  recordedByName: z.string().nullable(),
  onBehalf: z.boolean().describe("recorded by an officer on the body's behalf"),
  recordedAt: z.string(),
});

/** Governance bodies' decisions on a project (docs/api.md). */
export const decisionsApi: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;

  app.post(
    projectApiPaths.decisions(),
    {
      preValidation: requireApi("decisions:record"),
      schema: {
        tags,
        summary: "Records a governance body's decision on a document of the project or on the project",
        description:
          "A member of the body records it in their own name; an officer (the body's officer, a commissioner, " +
          "procurement officer or administrator) records it on the body's behalf with the minutes reference.",
        params: idParams,
        body: decisionInput,
        response: { 201: decisionSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await projects.decisions.record(admittedActor(request), request.params.id, request.body)),
  );

  app.get(
    projectApiPaths.decisions(),
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags,
        summary: "The decisions recorded for the project, by meeting date",
        params: idParams,
        response: { 200: z.object({ items: z.array(decisionSchema) }), ...problemResponses },
      },
    },
    async (request) => ({ items: await projects.decisions.list(request.params.id) }),
  );
};
