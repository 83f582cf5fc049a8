import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Executor } from "../../db/client.js";
import { bankHolidays, isIsoDate, type IsoDate } from "../../domain/dates.js";
import {
  INDICATOR_DEFINITIONS,
  definitionsOf,
  type Framework,
  type IndicatorDefinition,
} from "../../domain/indicators/definitions.js";
import type { IndicatorResult, ReferenceOptions } from "../../domain/indicators/reference.js";
import {
  financialYearStart,
  firstSixMonths,
  periodEnding,
  sixMonthsAfter,
  suppressAgainstDifferencing,
  twelveMonthsEnding,
  type Period,
  type PeriodKind,
  type DatasetKind,
  type Suppressed,
} from "../../domain/indicators/terms.js";
import type { Clock } from "../../domain/clock.js";
import type { Actor } from "../../domain/policy.js";
import { isStaff } from "../../domain/roles.js";
import { periodEndProblem } from "../../domain/sensible-dates.js";
import { ForbiddenError, ValidationError } from "../../errors.js";
import { createComputationQueue, createResultCache } from "./computations.js";
import {
  datasetsState,
  figureRows,
  providerCodesOf,
  providerNamesByCode,
  homeImprovementQuery,
  housingSupportQuery,
  substanceMisuseQuery,
  type FigureRow,
  type ScopeFilter,
} from "./queries.js";

/**
 * Computed indicators: the SQL of queries.ts, shaped like the reference
 * implementation's results (domain/indicators/reference.ts), which the property tests hold it to.
 */

export const FRAMEWORKS = ["A", "B", "HIA"] as const satisfies readonly Framework[];

export const FRAMEWORK_NAMES: Record<Framework, string> = {
  A: "Appendix A: substance misuse",
  B: "Appendix B: housing-related support",
  HIA: "Home improvement agencies and handyperson services",
};

/** What to compute: one framework, one period end; one provider, or all of them and all together. */
export interface ComputeOptions {
  readonly framework: Framework;
  readonly periodEnd: IsoDate;
  /** Only this provider's results (no all-providers row). */
  readonly providerCode?: string | undefined;
  /** As the reference: Appendix B is a quarter and HIA 12 months unless asked for another. */
  readonly period?: ReferenceOptions["period"];
}

/**
 * Every indicator of the framework for the period ending on `periodEnd`, in the reference's order:
 * for each definition, all providers together first (`providerCode: null`), then each provider with
 * rows in the file's table, by code. With `providerCode`, that provider's results only.
 */
export function computeIndicators(db: Executor, options: ComputeOptions): Promise<IndicatorResult[]> {
  const filter: ScopeFilter = options.providerCode
    ? { allProviders: false, providers: [options.providerCode] }
    : { allProviders: true, providers: null };
  return computeScoped(db, options, filter);
}

/**
 * What a provider's users would see (their own figures, and the all-providers figures with primary
 * and secondary suppression), for an operator who sends a provider its figures from the command line.
 */
export async function computeProviderView(
  db: Executor,
  options: Omit<ComputeOptions, "providerCode">,
  providerCode: string,
): Promise<IndicatorValue[]> {
  const results = await computeScoped(db, options, { allProviders: true, providers: [providerCode] });
  return providerView(results, [providerCode]);
}

/** The periods a framework's results cover for a period end. */
export function periodsFor(
  framework: Framework,
  periodEnd: IsoDate,
  period: ReferenceOptions["period"] = {},
): { main: Period; sm07?: Period } {
  if (framework === "A")
    return {
      main: twelveMonthsEnding(periodEnd),
      sm07: { start: financialYearStart(periodEnd), end: periodEnd },
    };
  if (framework === "B") return { main: periodEnding(period.B ?? "quarter", periodEnd) };
  return { main: periodEnding(period.HIA ?? "12-months", periodEnd) };
}

/** England and Wales bank holidays from the first year of the period to the last. */
export function bankHolidaysIn(period: Period): IsoDate[] {
  const days: IsoDate[] = [];
  for (let year = Number(period.start.slice(0, 4)); year <= Number(period.end.slice(0, 4)); year++)
    for (const day of bankHolidays(year)) if (day >= period.start && day <= period.end) days.push(day);
  return days.sort();
}

async function computeScoped(
  db: Executor,
  options: ComputeOptions,
  filter: ScopeFilter,
): Promise<IndicatorResult[]> {
  const { framework, periodEnd } = options;
  const periods = periodsFor(framework, periodEnd, options.period);
  const main = periods.main;
  const query =
    framework === "A"
      ? substanceMisuseQuery(
          {
            period: main,
            financialYearStart: periods.sm07?.start ?? main.start,
            firstHalfEnd: firstSixMonths(main).end,
            followUpDate: sixMonthsAfter(periodEnd),
          },
          filter,
        )
      : framework === "B"
        ? housingSupportQuery(main, filter)
        : homeImprovementQuery({ period: main, bankHolidays: bankHolidaysIn(main) }, filter);
  // One statement, in a transaction of its own only so that JIT compilation can be switched off for
  // it: the planner's costs for these aggregates are high enough to trigger JIT on PostgreSQL, which
  // then spends seconds compiling a query that runs once (measured: 2 s of 7 s on 1,000,000
  // episodes). SET LOCAL ends with the transaction (with a caller's transaction, at its end).
  const rows = await db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL jit = off`);
    return figureRows(tx, query);
  });
  return shape(definitionsOf(framework), rows, (d) =>
    d.code === "SM07" && periods.sm07 ? periods.sm07 : main,
  );
}

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The rows as results, in catalogue order, then all providers first, then providers by code. */
function shape(
  definitions: readonly IndicatorDefinition[],
  rows: readonly FigureRow[],
  periodOf: (d: IndicatorDefinition) => Period,
): IndicatorResult[] {
  const rowsByCode = new Map<string, FigureRow[]>();
  for (const row of rows) {
    const list = rowsByCode.get(row.code);
    if (list) list.push(row);
    else rowsByCode.set(row.code, [row]);
  }
  const scopes = [...new Set(rows.map((r) => r.scope))].sort(byCode);
  const results: IndicatorResult[] = [];
  for (const definition of definitions) {
    const period = periodOf(definition);
    const list = rowsByCode.get(definition.code) ?? [];
    if (list.length !== scopes.length)
      throw new Error(`the query gave ${list.length} rows of ${definition.code} for ${scopes.length} scopes`);
    for (const row of [...list].sort((a, b) => byCode(a.scope, b.scope))) {
      results.push({
        code: definition.code,
        providerCode: row.scope === "" ? null : row.scope,
        periodStart: period.start,
        periodEnd: period.end,
        numerator: row.numerator,
        denominator: definition.kind === "count" ? null : (row.denominator ?? 0),
        value: row.value,
        complete: definition.needsFollowUp ? row.follow_up_complete === true : true,
      });
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------
// Input, shared by the API, the pages and the command line
// ---------------------------------------------------------------------------------------------------

export const FRAMEWORK_MESSAGE = "Select a framework: A, B or HIA";
export const PERIOD_END_MESSAGE =
  "Enter the period end as a real date in the form YYYY-MM-DD, like 2025-03-31";

/** The periods B and HIA may be asked for (docs/indicators.md: "a quarter unless asked for another"). */
export const PERIOD_KINDS = ["quarter", "12-months"] as const satisfies readonly PeriodKind[];
export const PERIOD_MESSAGE = "Select a period: quarter or 12-months";
export const PERIOD_A_MESSAGE =
  "Appendix A covers the 12 months ending on the period end: leave the period out";

export const valuesQuerySchema = z
  .object({
    framework: z.enum(FRAMEWORKS, { error: FRAMEWORK_MESSAGE }).describe("A, B or HIA"),
    periodEnd: z
      .string({ error: PERIOD_END_MESSAGE })
      .trim()
      .refine(isIsoDate, PERIOD_END_MESSAGE)
      .describe("the last day of the period, YYYY-MM-DD"),
    providerCode: z
      .string()
      .trim()
      .max(50, "A provider code is at most 50 characters")
      .optional()
      .transform((v) => v || undefined)
      .describe("one provider's results only"),
    period: z
      .enum(PERIOD_KINDS, { error: PERIOD_MESSAGE })
      .optional()
      .describe(
        "the period ending on periodEnd that B and HIA cover: quarter or 12-months (by default B a quarter, " +
          "HIA 12 months); A always covers 12 months",
      ),
  })
  .superRefine((query, context) => {
    if (query.framework === "A" && query.period !== undefined && query.period !== "12-months")
      context.addIssue({ code: "custom", path: ["period"], message: PERIOD_A_MESSAGE });
  });
export type ValuesQuery = z.output<typeof valuesQuerySchema>;

/** What to compute for a query of the API or the CLI: `period` applies to B or HIA (A is 12 months). */
export function computeOptionsOf(query: ValuesQuery): ComputeOptions {
  const { period, ...rest } = query;
  if (period === undefined || query.framework === "A") return rest;
  return { ...rest, period: query.framework === "B" ? { B: period } : { HIA: period } };
}

// ---------------------------------------------------------------------------------------------------
// Who sees what
// ---------------------------------------------------------------------------------------------------

/**
 * One computed value as a person may see it. Staff see every figure as computed. A provider's users
 * see their own organisation's provider code's figures as computed, and the all-providers figures
 * with the public small-number suppression applied (`suppressed: true`: a count of 1–4 and any
 * percentage built on one shown as `*`), because those take in other providers' clients; other
 * providers' figures are not theirs to see.
 */
export interface IndicatorValue {
  readonly code: string;
  readonly providerCode: string | null;
  readonly periodStart: IsoDate;
  readonly periodEnd: IsoDate;
  readonly numerator: number | Suppressed;
  readonly denominator: number | Suppressed | null;
  readonly value: number | Suppressed | null;
  readonly complete: boolean;
  readonly suppressed: boolean;
}

/** The data file each framework is computed from. */
const SOURCE_OF: Record<Framework, DatasetKind> = {
  A: "treatment-journeys",
  B: "sp-outcomes",
  HIA: "hia-activity",
};

/** Computed results kept, per data version, period and scope: a few hundred small objects each. */
const KEPT_RESULTS = 64;
/** Requests that may wait for a computation before the next is refused (503). */
const MAX_WAITING = 32;

/**
 * What a provider's users see of `results` (computed for their own codes and all providers together):
 * their own figures as computed, and each all-providers figure with the public small-number
 * suppression, primary and secondary (`suppressAgainstDifferencing`: nothing 1–4 may be worked out by
 * taking their own figure from it).
 */
export function providerView(
  results: readonly IndicatorResult[],
  ownCodes: readonly string[],
): IndicatorValue[] {
  return results.map((r): IndicatorValue => {
    if (r.providerCode !== null) return { ...r, suppressed: false };
    const own = results.filter(
      (o) => o.code === r.code && o.providerCode !== null && ownCodes.includes(o.providerCode),
    );
    return { ...r, ...suppressAgainstDifferencing(r, own), suppressed: true };
  });
}

/**
 * The version of the data a framework is computed from: every dataset of its kind with its row
 * count, status and last change. Rows reach the row tables only through imports, and every import
 * or replacement adds or changes a dataset row in the same transaction, so a new version is visible
 * exactly when the new rows are.
 */
async function dataVersion(db: Executor, kind: DatasetKind): Promise<string> {
  return createHash("sha256")
    .update(await datasetsState(db, kind))
    .digest("base64url");
}

export function createIndicatorsService(database: Database, clock: Clock) {
  const db = database.db;
  // PGlite computes in this thread: one at a time. PostgreSQL computes elsewhere, but each holds a
  // pooled connection, which pages need too.
  const queue = createComputationQueue({
    concurrency: database.kind === "pglite" ? 1 : 2,
    maxWaiting: MAX_WAITING,
  });
  const kept = createResultCache<IndicatorResult[]>(KEPT_RESULTS);

  /** The results for a data version, period and scope: computed once, in the queue, then kept. */
  async function computeKept(options: ComputeOptions, filter: ScopeFilter): Promise<IndicatorResult[]> {
    const version = await dataVersion(db, SOURCE_OF[options.framework]);
    const key = JSON.stringify([
      version,
      options.framework,
      periodsFor(options.framework, options.periodEnd, options.period),
      filter.allProviders,
      filter.providers === null ? null : [...filter.providers].sort(),
    ]);
    return kept.get(key, () => queue.run(() => computeScoped(db, options, filter)));
  }

  /** null: every provider (staff); else the provider codes of the person's organisation. */
  async function ownProviderCodes(actor: Actor): Promise<string[] | null> {
    if (isStaff(actor.roles)) return null;
    if (!actor.organisationId) return [];
    return providerCodesOf(db, actor.organisationId);
  }

  /** The computed values `actor` may see (indicators:read is checked by the caller's guard). */
  async function values(actor: Actor, query: ValuesQuery): Promise<IndicatorValue[]> {
    // A period still to come has no performance to report (§3.3 h; domain/sensible-dates.ts).
    const future = periodEndProblem(query.periodEnd, clock.today(), "Period end");
    if (future) throw new ValidationError([{ path: "periodEnd", message: future }], future);
    const own = await ownProviderCodes(actor);
    if (own !== null && query.providerCode && !own.includes(query.providerCode))
      throw new ForbiddenError(
        `You may see only your own organisation's provider code's values${own.length ? ` (${own.join(", ")})` : ""}`,
      );
    const filter: ScopeFilter = query.providerCode
      ? { allProviders: false, providers: [query.providerCode] }
      : { allProviders: true, providers: own };
    const results = await computeKept(computeOptionsOf(query), filter);
    return own === null ? results.map((r) => ({ ...r, suppressed: false })) : providerView(results, own);
  }

  return {
    definitions: (): readonly IndicatorDefinition[] => INDICATOR_DEFINITIONS,
    values,
    /** Each provider code's organisation name (pages show "Name (P001)", not the code alone). */
    providerNames: () => providerNamesByCode(db),
    /** Computations run and results reused, and the queue now (for tests and monitoring). */
    stats: () => ({ ...kept.stats(), ...queue.stats() }),
  };
}
