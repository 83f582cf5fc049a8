import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listOf, listQuery, pageList, problemResponses } from "../../web/api-schemas.js";
import { MEMBERSHIP_ROLES } from "../../domain/decision-authority.js";
import { admittedActor, requireApi } from "../../web/guards.js";
import { NotFoundError, ValidationError } from "../../errors.js";
import { memberFieldErrors, membersInput } from "./service.js";

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

/** GET /api/v1/governance-bodies (docs/api.md, reference data), with each body's members. */
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

const membershipSchema = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  name: z.string(),
  role: z.enum(MEMBERSHIP_ROLES),
  from: z.string().describe("first day, YYYY-MM-DD"),
  to: z.string().nullable().describe("last day (inclusive), YYYY-MM-DD; null while it lasts"),
});
const membersResponse = z.object({
  code: z.string(),
  name: z.string(),
  members: z.array(membershipSchema),
});

/**
 * GET, PUT /api/v1/governance-bodies/:code/members (docs/api.md): administrators keep a body's memberships
 * (framework §2.1). PUT replaces the list; a membership that has begun is ended with `to`, never removed.
 */
export const governanceMembersApi: FastifyPluginAsyncZod = async (app) => {
  const { governance } = app.services;
  const params = z.object({ code: z.string().max(50) });

  async function answer(code: string) {
    const found = await governance.listMembers(code);
    if (!found) throw new NotFoundError(`No governance body has the code ${code}`);
    return { code: found.body.code, name: found.body.name, members: found.members.map(presentMembership) };
  }

  app.get(
    "/api/v1/governance-bodies/:code/members",
    {
      preHandler: requireApi("governance:manage"),
      schema: {
        tags: ["reference data"],
        summary: "A governance body's memberships, past, present and to come (administrators)",
        params,
        response: { 200: membersResponse, ...problemResponses },
      },
    },
    async (request) => answer(request.params.code),
  );

  app.put(
    "/api/v1/governance-bodies/:code/members",
    {
      preHandler: requireApi("governance:manage"),
      // Validated in the handler, so each error's path reads `members[2].to` (docs/api.md conventions).
      attachValidation: true,
      schema: {
        tags: ["reference data"],
        summary:
          "Replaces a governance body's memberships; every change audited; 409 for removing one that has begun",
        params,
        body: membersInput,
        response: { 200: membersResponse, ...problemResponses },
      },
    },
    async (request) => {
      const parsed = membersInput.safeParse(request.body);
      if (!parsed.success) throw new ValidationError(memberFieldErrors(parsed.error));
      await governance.replaceMembers(admittedActor(request), request.params.code, parsed.data.members);
      return answer(request.params.code);
    },
  );
};

function presentMembership(m: {
  id: string;
  userId: string;
  name: string;
  role: (typeof MEMBERSHIP_ROLES)[number];
  from: string;
  to: string | null;
}) {
  return { id: m.id, userId: m.userId, name: m.name, role: m.role, from: m.from, to: m.to };
}
