import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listOf, listQuery, pageList, problemResponses } from "../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../web/guards.js";
import { NotFoundError } from "../../errors.js";
import { ORGANISATION_KINDS, organisationInput } from "./service.js";

export const organisationSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: z.enum(ORGANISATION_KINDS),
  code: z.string().nullable().describe("unique; required for providers; data files call it provider_code"),
  companyNumber: z.string().nullable(),
  charityNumber: z.string().nullable(),
  address: z.string().nullable().describe("suppliers: the postal address"),
  sme: z.boolean().nullable().describe("suppliers: a small or medium-sized enterprise"),
  vcse: z.boolean().nullable().describe("suppliers: a voluntary, community or social enterprise"),
  contactEmail: z.string().nullable().describe("suppliers: where notices go when no person is named"),
  version: z.number().int(),
});

/**
 * GET, POST /api/v1/organisations and GET /api/v1/organisations/:id (docs/api.md, reference data).
 * Permission is checked before validation (preValidation), so a caller who may not act learns nothing
 * from a 400 about the shape of the body.
 */
export const organisationsApi: FastifyPluginAsyncZod = async (app) => {
  const { organisations } = app.services;

  app.get(
    "/api/v1/organisations",
    {
      preValidation: requireApi("organisations:read"),
      schema: {
        tags: ["reference data"],
        summary: "Councils, partners, providers and suppliers, by kind then name",
        querystring: listQuery,
        response: { 200: listOf(organisationSchema), ...problemResponses },
      },
    },
    async (request) => pageList(await organisations.list(), request.query),
  );

  app.post(
    "/api/v1/organisations",
    {
      preValidation: requireApi("organisations:create"),
      schema: {
        tags: ["reference data"],
        summary: "Adds an organisation; 409 when its name or code is taken",
        body: organisationInput,
        response: { 201: organisationSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const actor = admittedActor(request);
      const created = await organisations.create(actor, request.body);
      return reply.code(201).send(created);
    },
  );

  app.get(
    "/api/v1/organisations/:id",
    {
      preValidation: requireApi("organisations:read"),
      schema: {
        tags: ["reference data"],
        summary: "One organisation",
        params: z.object({ id: z.uuid() }),
        response: { 200: organisationSchema, ...problemResponses },
      },
    },
    async (request) => {
      const organisation = await organisations.get(request.params.id);
      if (!organisation) throw new NotFoundError("No organisation has this id");
      return organisation;
    },
  );
};
