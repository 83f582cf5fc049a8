import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { problemResponses } from "../../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../../web/guards.js";
import { projectApiPaths } from "../paths.js";
import { incumbentInput, incumbentPatchInput } from "./inputs.js";

const incumbentSchema = z.object({
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

/** Contracts being recommissioned and the notice to their providers (App C 1). */
export const incumbentsApi: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;

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
