import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listOf, listQuery, pageList, problemResponses } from "../../web/api-schemas.js";
import { requireApi } from "../../web/guards.js";
import { NotFoundError } from "../../web/problems.js";

export const governanceBodySchema = z.object({
  code: z.string().describe("e.g. KDAAT_BOARD, SP_COMMISSIONING_BODY, JCG, CSG, PROCUREMENT_BOARD"),
  name: z.string(),
  kind: z.enum(["executive-board", "operational-group", "procurement-board", "officer", "team"]),
  parentCode: z.string().nullable().describe("the body this one reports to or advises, if any"),
  programmeCodes: z.array(z.string()),
  description: z.string(),
  paragraph: z.string().describe("paragraph of the framework, e.g. §2.1"),
  members: z.array(
    z.object({
      userId: z.uuid(),
      name: z.string(),
      role: z.enum(["chair", "member", "officer"]),
    }),
  ),
});

/** GET /api/v1/governance-bodies (API.md, reference data), with each body's members. */
export const governanceApi: FastifyPluginAsyncZod = async (app) => {
  const { reference } = app.services;
  app.get(
    "/api/v1/governance-bodies",
    {
      preHandler: requireApi("governance:read"),
      schema: {
        tags: ["reference data"],
        summary: "The governance bodies and their members (framework §2)",
        querystring: listQuery,
        response: { 200: listOf(governanceBodySchema), ...problemResponses },
      },
    },
    async (request) => pageList(await reference.listGovernanceBodiesWithMembers(), request.query),
  );

  app.get(
    "/api/v1/governance-bodies/:code",
    {
      preHandler: requireApi("governance:read"),
      schema: {
        tags: ["reference data"],
        summary: "One governance body and its members",
        params: z.object({ code: z.string().max(50) }),
        response: { 200: governanceBodySchema, ...problemResponses },
      },
    },
    async (request) => {
      const body = await reference.getGovernanceBody(request.params.code);
      if (!body) throw new NotFoundError(`No governance body has the code ${request.params.code}`);
      return body;
    },
  );
};
