import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listOf, listQuery, pageList, problemResponses, problemSchema } from "../../web/api-schemas.js";
import { sendProblem } from "../../web/errors.js";
import { admittedActor, requireApi } from "../../web/guards.js";
import { colleagueInput, supplierRegistrationInput } from "./inputs.js";
import { SUPPLIER_LINK_LIMITS } from "./service.js";

export const colleagueSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  email: z.string(),
  status: z
    .enum(["active", "awaiting-confirmation", "deactivated"])
    .describe("awaiting-confirmation until they open the link sent to them and choose a password"),
  emailVerifiedAt: z.string().nullable(),
  addedAt: z.string(),
});

const registeredSchema = z.object({
  status: z.literal("check-email"),
  detail: z.string(),
});

type App = Parameters<FastifyPluginAsyncZod>[0];

/** POST /api/v1/public/suppliers: a supplier registers itself (no sign-in). */
function registrationApi(app: App) {
  const { suppliers } = app.services;
  app.post(
    "/api/v1/public/suppliers",
    {
      schema: {
        tags: ["suppliers"],
        summary:
          "Registers a supplier organisation and its first user, and emails a link to confirm the address; " +
          "202 whether or not the address already has an account; 409 on `name` when the name is registered",
        body: supplierRegistrationInput,
        response: { 202: registeredSchema, ...problemResponses, 429: problemSchema },
      },
    },
    async (request, reply) => {
      const outcome = await suppliers.register(request.body, request.ip);
      if (outcome === "throttled") {
        return sendProblem(reply.header("retry-after", String(SUPPLIER_LINK_LIMITS.windowMinutes * 60)), {
          title: "Too many requests",
          status: 429,
          detail: "Too many registrations from this address: wait and try again",
        });
      }
      return reply.code(202).send({
        status: "check-email" as const,
        detail: `If the address has no account yet, a link to confirm it has been sent. It works once, for ${String(SUPPLIER_LINK_LIMITS.linkHours)} hours.`,
      });
    },
  );
}

/** GET, POST /api/v1/suppliers/colleagues: the caller's own organisation's people, and adding one. */
function colleaguesApi(app: App) {
  const { suppliers } = app.services;
  app.get(
    "/api/v1/suppliers/colleagues",
    {
      preValidation: requireApi("supplier-colleagues:manage"),
      schema: {
        tags: ["suppliers"],
        summary: "The people of the caller's own supplier organisation, by name",
        querystring: listQuery,
        response: { 200: listOf(colleagueSchema), ...problemResponses },
      },
    },
    async (request) => pageList((await suppliers.colleagues(admittedActor(request))).items, request.query),
  );

  app.post(
    "/api/v1/suppliers/colleagues",
    {
      preValidation: requireApi("supplier-colleagues:manage"),
      schema: {
        tags: ["suppliers"],
        summary:
          "Adds a colleague to the caller's own supplier organisation and emails them a link to confirm " +
          "their address; 409 on `email` when the address already has an account",
        body: colleagueInput,
        response: { 201: colleagueSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const added = await suppliers.addColleague(admittedActor(request), request.body);
      return reply.code(201).send(added);
    },
  );
}

/** Supplier accounts' API (docs/tendering.md, supplier accounts). */
export const suppliersApi: FastifyPluginAsyncZod = async (app) => {
  registrationApi(app);
  colleaguesApi(app);
};
