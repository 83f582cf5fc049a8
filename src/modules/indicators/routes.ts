import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Framework, IndicatorDefinition } from "../../domain/indicators/definitions.js";
import { formatPercentage, type DatasetKind } from "../../domain/indicators/terms.js";
import { zodFieldErrors } from "../../inputs.js";
import { toFormErrors } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { ForbiddenError, ValidationError } from "../../errors.js";
import { buildIndicatorChart, renderIndicatorChart } from "./charts.js";
import {
  FRAMEWORK_NAMES,
  FRAMEWORKS,
  valuesQuerySchema,
  type IndicatorValue,
  type ValuesQuery,
} from "./service.js";
import { PAGE_QUERY } from "../../web/page-action.js";

/** The capability's own paths, built from the shared one. */
export const indicatorPaths = {
  library: paths.indicators,
  values: `${paths.indicators}/values`,
  valuesFor: (framework: Framework, periodEnd: string) =>
    `${paths.indicators}/values?${new URLSearchParams({ framework, periodEnd }).toString()}`,
} as const;

const SOURCE_NAMES: Record<DatasetKind, string> = {
  "treatment-journeys": "Treatment journeys file (treatment-journeys): one row per treatment episode",
  "sp-outcomes": "Housing-related support outcomes file (sp-outcomes): one row per service user's stay",
  "hia-activity": "Home improvement agency activity file (hia-activity): one row per referral",
};

const UNITS: Record<Framework, string> = { A: "people", B: "stays", HIA: "referrals" };

function periodText(definition: IndicatorDefinition): string {
  if (definition.code === "SM07") return "The financial year to date: 1 April to the period end.";
  return definition.periodDefault === "quarter"
    ? "The quarter (three months) ending on the period end."
    : "The 12 months ending on the period end.";
}

/** The library page: each framework's indicators in plain English (presenter, no I/O). */
export function presentLibrary(definitions: readonly IndicatorDefinition[]) {
  return FRAMEWORKS.map((framework) => ({
    framework,
    id: `framework-${framework.toLowerCase()}`,
    heading: FRAMEWORK_NAMES[framework],
    indicators: definitions
      .filter((d) => d.framework === framework)
      .map((d) => ({
        code: d.code,
        id: `indicator-${d.code.toLowerCase()}`,
        name: d.name,
        kind:
          d.kind === "count"
            ? `A count of ${UNITS[framework]}.`
            : `A percentage of ${UNITS[framework]}, to one decimal place (rounded half up); no value when there is nothing to divide by.`,
        numerator: d.numerator,
        denominator: d.denominator,
        period: periodText(d),
        source: SOURCE_NAMES[d.source],
        fields: [...d.fields],
        followUp: d.needsFollowUp === true,
      })),
  }));
}

const numberText = (n: number) => n.toLocaleString("en-GB");

function figureText(value: number | "*" | null, kind: IndicatorDefinition["kind"]): string {
  if (value === "*") return "*";
  if (value === null) return kind === "count" ? "" : "No value";
  return kind === "count" ? numberText(value) : `${formatPercentage(value)}%`;
}

/** A provider as pages name it: "Weald Recovery Partnership (P001)"; the code alone when no organisation has it. */
export function providerLabel(names: ReadonlyMap<string, string>) {
  return (code: string): string => {
    const name = names.get(code);
    return name ? `${name} (${code})` : code;
  };
}

/** The values page: one table per indicator, all providers first (presenter, no I/O). */
export function presentValues(
  definitions: readonly IndicatorDefinition[],
  values: readonly IndicatorValue[],
  providerName: (code: string) => string = (code) => code,
) {
  return definitions
    .map((d) => {
      const rows = values.filter((v) => v.code === d.code);
      const first = rows[0];
      return {
        code: d.code,
        id: `values-${d.code.toLowerCase()}`,
        name: d.name,
        isCount: d.kind === "count",
        period: first ? `${longDate(first.periodStart)} to ${longDate(first.periodEnd)}` : "",
        provisional: rows.some((r) => !r.complete),
        rows: rows.map((r) => ({
          provider: r.providerCode === null ? "All providers" : providerName(r.providerCode),
          isAll: r.providerCode === null,
          suppressed: r.suppressed,
          numerator: figureText(r.numerator, "count"),
          denominator: figureText(r.denominator, "count"),
          value: figureText(r.value, d.kind),
        })),
      };
    })
    .filter((table) => table.rows.length > 0);
}

const dateFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});
const longDate = (iso: string) => dateFormat.format(new Date(`${iso}T00:00:00Z`));

const FRAMEWORK_ITEMS = FRAMEWORKS.map((framework) => ({
  value: framework,
  text: FRAMEWORK_NAMES[framework],
}));

/** Each table with its server-rendered bar chart (SVG), or none for a count or when nothing has a value. */
function withCharts(
  definitions: readonly IndicatorDefinition[],
  values: readonly IndicatorValue[],
  providerName: (code: string) => string,
) {
  return presentValues(definitions, values, providerName).map((table) => {
    const definition = definitions.find((d) => d.code === table.code);
    const chart = definition ? buildIndicatorChart(definition, values, providerName) : null;
    return { ...table, chartSvg: chart ? renderIndicatorChart(chart) : null };
  });
}

/** What the values page shows of a computation: providers by name, each table with its chart (no I/O). */
function presentResult(
  all: readonly IndicatorDefinition[],
  query: ValuesQuery,
  computed: readonly IndicatorValue[],
  names: ReadonlyMap<string, string>,
) {
  const definitions = all.filter((d) => d.framework === query.framework);
  const providerName = providerLabel(names);
  return {
    frameworkName: FRAMEWORK_NAMES[query.framework],
    periodEnd: longDate(query.periodEnd),
    provider: query.providerCode ? providerName(query.providerCode) : undefined,
    anySuppressed: computed.some((v) => v.suppressed),
    anyProvisional: computed.some((v) => !v.complete),
    tables: withCharts(definitions, computed, providerName),
  };
}

/** The indicator library and the computed values with their charts. */
export const indicatorRoutes: FastifyPluginAsyncZod = async (app) => {
  const { indicators } = app.services;
  const read = {
    preHandler: requirePage("indicators:read"),
    schema: { hide: true, querystring: PAGE_QUERY },
  };

  app.get(indicatorPaths.library, read, async (_request, reply) =>
    reply.view("indicators/views/library.njk", {
      pageTitle: "Indicator library",
      frameworks: presentLibrary(indicators.definitions()),
      indicatorPaths,
    }),
  );

  // The query is taken as sent and checked by valuesQuerySchema in the handler, so that its problems
  // show on the page beside the form rather than as a bare 400.
  const valuesPage = { ...read, schema: { hide: true, querystring: z.record(z.string(), z.unknown()) } };
  app.get(indicatorPaths.values, valuesPage, async (request, reply) => {
    const actor = request.actor;
    if (!actor) return reply;
    const query = request.query;
    const values = {
      framework: typeof query.framework === "string" ? query.framework : "",
      periodEnd: typeof query.periodEnd === "string" ? query.periodEnd : "",
      providerCode: typeof query.providerCode === "string" ? query.providerCode : "",
    };
    const view = (status: number, extra: Record<string, unknown>) =>
      reply.code(status).view("indicators/views/values.njk", {
        pageTitle: "Indicator values",
        values,
        frameworks: FRAMEWORK_ITEMS,
        indicatorPaths,
        ...extra,
      });
    // The form on its own until it is sent.
    if (!("framework" in query) && !("periodEnd" in query)) return view(200, {});
    const parsed = valuesQuerySchema.safeParse(query);
    if (!parsed.success) return view(400, { errors: toFormErrors(zodFieldErrors(parsed.error)) });
    try {
      const computed = await indicators.values(actor, parsed.data);
      const names = await indicators.providerNames();
      return await view(200, {
        result: presentResult(indicators.definitions(), parsed.data, computed, names),
      });
    } catch (error) {
      if (error instanceof ForbiddenError)
        return view(403, { errors: toFormErrors([{ path: "providerCode", message: error.message }]) });
      if (error instanceof ValidationError) return view(400, { errors: toFormErrors(error.errors) });
      throw error;
    }
  });
};
