import { eq, isNotNull, sql, type SQL } from "drizzle-orm";
import { executeRows, type Executor } from "../../db/client.js";
import { organisations } from "../../db/schema/index.js";
import { hiaReferrals, spStays } from "../../db/schema/indicators.js";
import {
  INDEPENDENT_LIVING,
  OUTCOME_CODES,
  type DatasetKind,
  type IsoDate,
  type Period,
} from "../../domain/indicators/terms.js";
import { date, dates, scoped, scopesCte, texts, VALUE, type ScopeFilter } from "./sql-parts.js";

export { substanceMisuseQuery } from "./substance-misuse-query.js";
export type { ScopeFilter } from "./sql-parts.js";

/**
 * The indicators of docs/indicators.md in SQL: one query per family (Appendix A from treatment_episodes,
 * in substance-misuse-query.ts; Appendix B from sp_stays, the HIA list from hia_referrals, here; the
 * pieces they share in sql-parts.ts), each one statement (PGlite runs one per
 * call) in the PostgreSQL dialect that PostgreSQL 15 and PGlite (PostgreSQL 18) share: CTEs, FILTER,
 * DISTINCT ON, LATERAL, GROUPING SETS, a recursive CTE, window sums; no functions of our own.
 *
 * Every value comes in as a parameter (drizzle's `sql` template), cast in SQL: period ends and starts
 * as `date`, code lists as `text[]` literals, bank holidays as `date[]`. The periods themselves are
 * computed once, by the domain (terms.ts), and passed in; the dates that depend on a row (d + 6
 * months, triage − 12 months, the 10th working day) are computed here, with PostgreSQL's month
 * arithmetic, which clamps to the month's last day as docs/indicators.md asks (31 August + 6 months =
 * 28/29 February).
 *
 * Per provider and for all providers together in one pass: Appendix B and the HIA list take each row
 * once for the all-providers scope (`scope = ''`) and once for its own provider's (`scope =
 * provider_code`; provider codes are required and never empty); Appendix A groups its clients by
 * provider and by client alone in one aggregate (GROUPING SETS). Membership, substance group and exit
 * are decided within a scope, while the checks that look outside an exit (another episode open on the
 * exit date, re-presentation, new presentation) look at all of the client's episodes: every provider,
 * any age.
 *
 * Each query answers one row per (scope, code): numerator, denominator (null for a count) and value.
 * Percentages are rounded in numeric, half-up to 1 dp (`round(n * 100.0 / d, 1)`); a zero
 * denominator gives null. Every scope asked for gets every code, zeros included.
 */

/** One computed figure. `scope` is '' for all providers together. */
export interface FigureRow extends Record<string, unknown> {
  readonly scope: string;
  readonly code: string;
  readonly numerator: number;
  readonly denominator: number | null;
  readonly value: number | null;
  /** Appendix A only: the latest triage_date in the data is at least E + 6 months. */
  readonly follow_up_complete?: boolean;
}

// ---------------------------------------------------------------------------------------------------
// Appendix B: housing-related support (stays, not people)
// ---------------------------------------------------------------------------------------------------

/** KPI1, KPI2 and OUT-<outcome> per scope, for the period (a quarter unless asked for another). */
export function housingSupportQuery(period: Period, filter: ScopeFilter): SQL {
  const S = date(period.start);
  const E = date(period.end);
  const outcomes = texts(OUTCOME_CODES);
  return sql`WITH ${scopesCte(sql`${spStays}`, filter)},
  -- Stays in the period (start ≤ E, end empty or ≥ S): a stay that ended in [S, E] is one of them.
  st AS (
    SELECT s.scope, t.service_type, t.end_date, t.departure, t.accommodation, t.needs, t.achieved
    FROM ${spStays} t
    ${scoped(sql`t.provider_code`)}
    WHERE t.start_date <= ${E} AND (t.end_date IS NULL OR t.end_date >= ${S})
  ),
  kpis AS (
    SELECT scope,
      count(*) FILTER (WHERE service_type = 'long-term'
        AND accommodation = ANY(${texts(INDEPENDENT_LIVING)})) AS kpi1_num,
      count(*) FILTER (WHERE service_type = 'long-term') AS kpi1_den,
      count(*) FILTER (WHERE service_type = 'short-term' AND end_date <= ${E}
        AND departure = 'planned') AS kpi2_num,
      count(*) FILTER (WHERE service_type = 'short-term' AND end_date <= ${E}
        AND coalesce(departure, '') NOT IN ('transferred', 'died')) AS kpi2_den
    FROM st
    GROUP BY scope
  ),
  -- Short-term stays ended in [S, E]: achieved / identified as a need, outcome by outcome.
  achievements AS (
    SELECT st.scope, o.code,
      count(*) FILTER (WHERE o.code = ANY(st.achieved)) AS numerator,
      count(*) FILTER (WHERE o.code = ANY(st.needs)) AS denominator
    FROM st CROSS JOIN unnest(${outcomes}) AS o(code)
    WHERE st.service_type = 'short-term' AND st.end_date <= ${E}
    GROUP BY st.scope, o.code
  ),
  figures AS (
    SELECT sc.scope, 'KPI1' AS code, coalesce(k.kpi1_num, 0) AS numerator, coalesce(k.kpi1_den, 0) AS denominator
    FROM scopes sc LEFT JOIN kpis k ON k.scope = sc.scope
    UNION ALL
    SELECT sc.scope, 'KPI2', coalesce(k.kpi2_num, 0), coalesce(k.kpi2_den, 0)
    FROM scopes sc LEFT JOIN kpis k ON k.scope = sc.scope
    UNION ALL
    SELECT sc.scope, 'OUT-' || o.code, coalesce(a.numerator, 0), coalesce(a.denominator, 0)
    FROM scopes sc
    CROSS JOIN unnest(${outcomes}) AS o(code)
    LEFT JOIN achievements a ON a.scope = sc.scope AND a.code = o.code
  )
  SELECT f.scope, f.code, f.numerator::int AS numerator, f.denominator::int AS denominator, ${VALUE} AS value
  FROM figures f`;
}

// ---------------------------------------------------------------------------------------------------
// Home improvement agencies (referrals)
// ---------------------------------------------------------------------------------------------------

export interface HomeImprovementParameters {
  /** The 12 months ending on E unless asked for another. */
  readonly period: Period;
  /** England and Wales bank holidays of every year the period touches. */
  readonly bankHolidays: readonly IsoDate[];
}

/**
 * G1/G2 (hia) and H1/H2 (handyperson) per scope. The 10th working day after a referral comes from a
 * calendar of the period's days, numbered by how many working days (not Saturday, Sunday or a bank
 * holiday) there are up to each: it is the working day whose number is the referral date's + 10. A
 * referral whose 10th working day falls after E has none in the calendar, and so is not yet due.
 */
export function homeImprovementQuery(p: HomeImprovementParameters, filter: ScopeFilter): SQL {
  const S = date(p.period.start);
  const E = date(p.period.end);
  return sql`WITH ${scopesCte(sql`${hiaReferrals}`, filter)},
  days AS (
    SELECT ${S} + g.i AS day
    FROM generate_series(0, ${E} - ${S}) AS g(i)
  ),
  calendar AS (
    SELECT d.day, w.working,
      sum(CASE WHEN w.working THEN 1 ELSE 0 END) OVER (ORDER BY d.day) AS n
    FROM days d
    CROSS JOIN LATERAL (
      SELECT extract(isodow FROM d.day) < 6 AND NOT (d.day = ANY(${dates(p.bankHolidays)})) AS working
    ) AS w
  ),
  referrals AS (
    SELECT s.scope, r.service, r.referral_date, r.contacted_on, r.visited_on, c10.day AS visit_due
    FROM ${hiaReferrals} r
    ${scoped(sql`r.provider_code`)}
    JOIN calendar c0 ON c0.day = r.referral_date
    LEFT JOIN calendar c10 ON c10.working AND c10.n = c0.n + 10
    WHERE r.referral_date >= ${S} AND r.referral_date <= ${E}
  ),
  totals AS (
    SELECT scope, service,
      count(*) FILTER (WHERE referral_date + 2 <= ${E} AND contacted_on <= referral_date + 2) AS contact_num,
      count(*) FILTER (WHERE referral_date + 2 <= ${E}) AS contact_den,
      count(*) FILTER (WHERE visit_due IS NOT NULL AND visited_on <= visit_due) AS visit_num,
      count(*) FILTER (WHERE visit_due IS NOT NULL) AS visit_den
    FROM referrals
    GROUP BY scope, service
  ),
  figures AS (
    SELECT sc.scope, r.code, r.numerator, r.denominator
    FROM scopes sc
    LEFT JOIN totals g ON g.scope = sc.scope AND g.service = 'hia'
    LEFT JOIN totals h ON h.scope = sc.scope AND h.service = 'handyperson'
    CROSS JOIN LATERAL (VALUES
      ('G1', coalesce(g.contact_num, 0), coalesce(g.contact_den, 0)),
      ('G2', coalesce(g.visit_num, 0), coalesce(g.visit_den, 0)),
      ('H1', coalesce(h.contact_num, 0), coalesce(h.contact_den, 0)),
      ('H2', coalesce(h.visit_num, 0), coalesce(h.visit_den, 0))
    ) AS r(code, numerator, denominator)
  )
  SELECT f.scope, f.code, f.numerator::int AS numerator, f.denominator::int AS denominator, ${VALUE} AS value
  FROM figures f`;
}

/** Runs one of the queries above. */
export function figureRows(executor: Executor, query: SQL): Promise<FigureRow[]> {
  return executeRows<FigureRow>(executor, query);
}

/**
 * What the data of one kind is now: every dataset of the kind with its row count, status and last
 * change, in one string (the service hashes it into the data version).
 */
export async function datasetsState(ex: Executor, kind: DatasetKind): Promise<string> {
  const [row] = await executeRows<{ version: string | null }>(
    ex,
    sql`SELECT string_agg(id::text || '/' || active_rows || '/' || status || '/' ||
                          (extract(epoch FROM updated_at) * 1000000)::bigint, ',' ORDER BY id) AS version
        FROM datasets WHERE kind = ${kind}`,
  );
  return row?.version ?? "";
}

/** The provider code of an organisation, as a list: empty when it has none. */
export async function providerCodesOf(ex: Executor, organisationId: string): Promise<string[]> {
  const [row] = await ex
    .select({ code: organisations.code })
    .from(organisations)
    .where(eq(organisations.id, organisationId));
  return row?.code ? [row.code] : [];
}

/** Each provider code's organisation name, so that pages name providers rather than show their codes. */
export async function providerNamesByCode(ex: Executor): Promise<Map<string, string>> {
  const rows = await ex
    .select({ code: organisations.code, name: organisations.name })
    .from(organisations)
    .where(isNotNull(organisations.code));
  const names = new Map<string, string>();
  for (const row of rows) if (row.code) names.set(row.code, row.name);
  return names;
}
