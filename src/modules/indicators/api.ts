import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { DATASET_KINDS } from "../../domain/indicators/terms.js";
import { listOf, listQuery, pageList, problemResponses } from "../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../web/guards.js";
import { FRAMEWORKS, valuesQuerySchema } from "./service.js";

export const indicatorDefinitionSchema = z.object({
  code: z.string().describe("e.g. SM01, KPI1, OUT-paid-work, G1"),
  framework: z.enum(FRAMEWORKS).describe("A (substance misuse), B (housing-related support), HIA"),
  name: z.string().describe("the framework's own wording"),
  kind: z.enum(["count", "percentage"]),
  numerator: z.string().describe("what is counted, in plain English"),
  denominator: z.string().nullable().describe("what it is a share of; null for a count"),
  source: z.enum(DATASET_KINDS).describe("the data file it is computed from"),
  fields: z.array(z.string()).describe("the columns of that file it uses"),
  periodDefault: z.enum(["12-months", "quarter"]).describe("the period it covers, ending on the period end"),
  needsFollowUp: z.boolean().describe("true when it needs six months of data after the period end"),
});

const suppressible = z.union([z.number(), z.literal("*")]);

export const indicatorValueSchema = z.object({
  code: z.string(),
  providerCode: z.string().nullable().describe("null for all providers together"),
  periodStart: z.string(),
  periodEnd: z.string(),
  numerator: suppressible.describe(
    "a count; '*' when suppressed (1 to 4, or, in a provider's view, when less their own figure it would leave 1 to 4)",
  ),
  denominator: suppressible.nullable().describe("null for a count"),
  value: suppressible
    .nullable()
    .describe("the count, or the percentage to 1 dp (half-up); null when the denominator is 0"),
  complete: z.boolean().describe("false while the follow-up data SM13/SM14(R) need has not arrived"),
  suppressed: z
    .boolean()
    .describe(
      "true when the public small-number suppression was applied (a provider's view of all providers): counts of 1 to 4, " +
        "figures that less the provider's own would leave 1 to 4, and percentages built on either",
    ),
});

/** GET /api/v1/indicators and GET /api/v1/indicator-values (docs/api.md, contracts and performance). */
export const indicatorsApi: FastifyPluginAsyncZod = async (app) => {
  const { indicators } = app.services;

  app.get(
    "/api/v1/indicators",
    {
      preValidation: requireApi("indicators:read"),
      schema: {
        tags: ["indicators"],
        summary: "The computed indicators' definitions (Appendix A, Appendix B, HIA)",
        querystring: listQuery.extend({ framework: z.enum(FRAMEWORKS).optional() }),
        response: { 200: listOf(indicatorDefinitionSchema), ...problemResponses },
      },
    },
    async (request) => {
      const { framework } = request.query;
      const all = indicators
        .definitions()
        .filter((d) => !framework || d.framework === framework)
        .map((d) => ({ ...d, fields: [...d.fields], needsFollowUp: d.needsFollowUp === true }));
      return pageList(all, request.query);
    },
  );

  app.get(
    "/api/v1/indicator-values",
    {
      preValidation: requireApi("indicators:read"),
      schema: {
        tags: ["indicators"],
        summary: "Every indicator of a framework for a period end, for all providers and per provider",
        description:
          "Computed from the imported client-level data when asked (docs/indicators.md). Items come in the order of " +
          "GET /indicators, all providers first (providerCode null), then each provider by code; with providerCode, " +
          "that provider's only. The whole set is returned at once (no cursor). Staff see every figure; a provider's " +
          "users see their own provider code's, and the all-providers figures with small numbers suppressed (403 for " +
          "another provider's code). `complete` is false while any item still waits for follow-up data. A " +
          "periodEnd after today is refused (400, naming periodEnd): a period still to come has no values.",
        querystring: valuesQuerySchema,
        response: {
          200: z.object({ items: z.array(indicatorValueSchema), complete: z.boolean() }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const actor = admittedActor(request);
      const items = await indicators.values(actor, request.query);
      return { items, complete: items.every((i) => i.complete) };
    },
  );
};
