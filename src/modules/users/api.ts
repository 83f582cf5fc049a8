import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { canActForUser } from "../../domain/policy.js";
import { ROLE_CODES } from "../../domain/roles.js";
import { listOf, listQuery, pageList, problemResponses } from "../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../web/guards.js";
import { ForbiddenError, NotFoundError } from "../../errors.js";
import { userInput, userUpdateInput } from "./service.js";

type App = Parameters<FastifyPluginAsyncZod>[0];

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  roles: z.array(z.enum(ROLE_CODES)),
  organisationId: z.uuid().nullable(),
  organisationCode: z.string().nullable(),
  organisationName: z.string().nullable(),
  active: z.boolean().describe("false once deactivated: no sign-in, no sessions, no API tokens"),
  twoFactor: z.boolean().describe("enrolled in two-factor sign-in"),
  locked: z.boolean().describe("locked out after too many failed sign-ins"),
  lockedUntil: z.string().nullable().describe("when a lockout ends by itself (ISO 8601), or null"),
  version: z.number().int(),
});

const createdUserSchema = userSchema.extend({
  generatedPassword: z
    .string()
    .optional()
    .describe("only when no password was given; shown once and never again"),
});

const tokenBody = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "Enter a name for the token, like 'Reporting script'")
      .max(100, "Name must be 100 characters or fewer")
      .optional(),
  })
  .nullish()
  .describe("optional; without a body the token is called 'API token'");

const createdTokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  token: z.string().describe("shown once; send it as 'Authorization: Bearer <token>'"),
});

const idParams = z.object({ id: z.uuid() });

/** Every user, one user, and a new one. */
function readAndAdd(app: App) {
  const { users } = app.services;

  app.get(
    "/api/v1/users",
    {
      preValidation: requireApi("users:read"),
      schema: {
        tags: ["reference data"],
        summary: "Every user, by name (administrators)",
        querystring: listQuery,
        response: { 200: listOf(userSchema), ...problemResponses },
      },
    },
    async (request) => pageList(await users.list(), request.query),
  );

  app.post(
    "/api/v1/users",
    {
      preValidation: requireApi("users:create"),
      schema: {
        tags: ["reference data"],
        summary: "Adds a user (administrators); a password is generated and returned once when none is given",
        body: userInput,
        response: { 201: createdUserSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const actor = admittedActor(request);
      const { user, generatedPassword } = await users.create(actor, request.body);
      return reply
        .code(201)
        .header("cache-control", "no-store")
        .send(generatedPassword ? { ...user, generatedPassword } : user);
    },
  );

  app.get(
    "/api/v1/users/:id",
    {
      preValidation: requireApi("users:read"),
      schema: {
        tags: ["reference data"],
        summary: "One user (administrators)",
        params: idParams,
        response: { 200: userSchema, ...problemResponses },
      },
    },
    async (request) => {
      const user = await users.get(request.params.id);
      if (!user) throw new NotFoundError("No user has this id");
      return user;
    },
  );
}

/** A change of roles, organisation or standing; a lockout or two-factor cleared. */
function administer(app: App) {
  const { users } = app.services;

  app.patch(
    "/api/v1/users/:id",
    {
      preValidation: requireApi("users:update"),
      schema: {
        tags: ["reference data"],
        summary:
          "Changes a user's roles, organisation or active state (administrators); deactivation ends their sessions and revokes their tokens; 409 with a stale version, or for yourself or the last active administrator",
        params: idParams,
        body: userUpdateInput,
        response: { 200: userSchema, ...problemResponses },
      },
    },
    async (request) => users.update(admittedActor(request), request.params.id, request.body),
  );

  app.post(
    "/api/v1/users/:id/unlock",
    {
      preValidation: requireApi("users:update"),
      schema: {
        tags: ["reference data"],
        summary: "Clears a lockout after failed sign-ins (administrators)",
        params: idParams,
        response: { 200: userSchema, ...problemResponses },
      },
    },
    async (request) => users.unlock(admittedActor(request), request.params.id),
  );

  app.post(
    "/api/v1/users/:id/two-factor/reset",
    {
      preValidation: requireApi("users:update"),
      schema: {
        tags: ["reference data"],
        summary:
          "Clears a user's two-factor enrolment and ends their sessions; they set it up again at their next sign-in (administrators)",
        params: idParams,
        response: { 200: userSchema, ...problemResponses },
      },
    },
    async (request) => users.resetTwoFactor(admittedActor(request), request.params.id),
  );
}

/** A new API token for a user: yourself, or anyone if you are an administrator. */
function tokensFor(app: App) {
  const { users, accounts } = app.services;

  app.post(
    "/api/v1/users/:id/tokens",
    {
      preValidation: requireApi("tokens:create-own"),
      schema: {
        tags: ["reference data"],
        summary: "A new API token for a user: yourself, or anyone if you are an administrator",
        params: idParams,
        body: tokenBody,
        response: { 201: createdTokenSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const actor = admittedActor(request);
      const { id } = request.params;
      // Refused before looking the user up, so nobody learns which ids exist.
      if (!canActForUser(actor, id)) throw new ForbiddenError("You can create API tokens only for yourself");
      const user = await users.get(id);
      if (!user) throw new NotFoundError("No user has this id");
      const created = await accounts.createApiToken(actor, user.id, request.body?.name ?? "API token");
      return reply.code(201).header("cache-control", "no-store").send({
        id: created.id,
        name: created.name,
        prefix: created.prefix,
        createdAt: created.createdAt.toISOString(),
        token: created.token,
      });
    },
  );
}

/**
 * GET, POST /api/v1/users, GET, PATCH /api/v1/users/:id, POST /api/v1/users/:id/unlock, .../two-factor/reset
 * and POST /api/v1/users/:id/tokens (docs/api.md, reference data). Permission is checked before validation (preValidation), so a caller who may not act learns
 * nothing from a 400.
 */
export const usersApi: FastifyPluginAsyncZod = async (app) => {
  readAndAdd(app);
  administer(app);
  tokensFor(app);
};
