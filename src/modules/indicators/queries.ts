import { sql, type SQL } from "drizzle-orm";
import { executeRows, type Executor } from "../../db/client.js";
import { hiaReferrals, spStays, treatmentEpisodes } from "../../db/schema/indicators.js";
import {
  DISCHARGE_REASONS,
  DRUGS,
  INDEPENDENT_LIVING,
  OUTCOME_CODES,
  SUCCESSFUL_REASONS,
  type IsoDate,
  type Period,
} from "../../domain/indicators/terms.js";

/**
 * The indicators of INDICATORS.md in SQL: one query per family (Appendix A from treatment_episodes,
 * Appendix B from sp_stays, the HIA list from hia_referrals), each one statement (PGlite runs one per
 * call) in the PostgreSQL dialect that PostgreSQL 15 and PGlite (PostgreSQL 18) share: CTEs, FILTER,
 * DISTINCT ON, LATERAL, window sums; no functions of our own.
 *
 * Every value comes in as a parameter (drizzle's `sql` template), cast in SQL: period ends and starts
 * as `date`, code lists as `text[]` literals, bank holidays as `date[]`. The periods themselves are
 * computed once, by the domain (terms.ts), and passed in; the dates that depend on a row (d + 6
 * months, triage − 12 months, the 10th working day) are computed here, with PostgreSQL's month
 * arithmetic, which clamps to the month's last day as INDICATORS.md asks (31 August + 6 months =
 * 28/29 February).
 *
 * Per provider and for all providers together in one pass: each row is taken once for the
 * all-providers scope (`scope = ''`) and once for its own provider's (`scope = provider_code`;
 * provider codes are required and never empty). Membership, substance group and exit are then
 * decided within a scope, while the checks that look outside an exit (another episode open on the
 * exit date, re-presentation, new presentation) read the whole table: every provider, any age.
 *
 * Each query answers one row per (scope, code): numerator, denominator (null for a count) and value.
 * Percentages are rounded in numeric, half-up to 1 dp (`round(n * 100.0 / d, 1)`); a zero
 * denominator gives null. Every scope asked for gets every code, zeros included.
 */

/** Which scopes to compute: all providers together, and which providers (null: every one in the data). */
export interface ScopeFilter {
  readonly allProviders: boolean;
  readonly providers: readonly string[] | null;
}

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
// Parameters
// ---------------------------------------------------------------------------------------------------

/** A PostgreSQL array literal (`{"a","b"}`), sent as one text parameter and cast in SQL. */
export function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(",")}}`;
}

const date = (value: IsoDate): SQL => sql`CAST(${value} AS date)`;
const texts = (values: readonly string[]): SQL => sql`CAST(${arrayLiteral(values)} AS text[])`;
const dates = (values: readonly IsoDate[]): SQL => sql`CAST(${arrayLiteral(values)} AS date[])`;
const bool = (value: boolean): SQL => sql`CAST(${value ? "true" : "false"} AS boolean)`;

/** `scopes(scope)`: '' when all providers are asked for, and each provider code of `table` asked for. */
function scopesCte(table: SQL, filter: ScopeFilter): SQL {
  const providers =
    filter.providers === null ? sql`true` : sql`provider_code = ANY(${texts(filter.providers)})`;
  return sql`scopes AS (
    SELECT '' AS scope WHERE ${bool(filter.allProviders)}
    UNION
    SELECT DISTINCT provider_code FROM ${table} WHERE ${providers}
  )`;
}

/** The rows whose provider is `providerCode` once per scope they count in (all providers, their own provider), if asked for. */
function scoped(providerCode: SQL): SQL {
  return sql`CROSS JOIN LATERAL (VALUES (''), (${providerCode})) AS s(scope)
    JOIN scopes sc ON sc.scope = s.scope`;
}

/**
 * `figures(scope, code, numerator, denominator)` → the result rows, with the value: the count itself,
 * or the percentage rounded half-up to 1 dp in numeric (null for a zero denominator).
 */
const VALUE = sql`CASE
    WHEN f.denominator IS NULL THEN f.numerator::float8
    WHEN f.denominator = 0 THEN NULL
    ELSE round(f.numerator * 100.0 / f.denominator, 1)::float8
  END`;

// ---------------------------------------------------------------------------------------------------
// Appendix A: treatment journeys
// ---------------------------------------------------------------------------------------------------

export interface SubstanceMisuseParameters {
  /** The 12 months ending on E. */
  readonly period: Period;
  /** SM07's window starts here: 1 April of the financial year containing E (never before S). */
  readonly financialYearStart: IsoDate;
  /** SM10's first half-year ends here: S + 6 months − 1 day. */
  readonly firstHalfEnd: IsoDate;
  /** E + 6 months: SM13/SM14(R) are complete once the data reaches it. */
  readonly followUpDate: IsoDate;
}

/** SM01–SM14R per scope, with `follow_up_complete`. */
export function substanceMisuseQuery(p: SubstanceMisuseParameters, filter: ScopeFilter): SQL {
  const S = date(p.period.start);
  const E = date(p.period.end);
  return sql`WITH ${scopesCte(sql`${treatmentEpisodes}`, filter)},
  -- Episodes in the period (triage ≤ E, discharge empty or ≥ S), once per scope. Everything the
  -- client facts need is in here: an exit (discharge in [S, E]) and an SM07 episode (triage in
  -- [1 April, E], and 1 April ≥ S) are episodes in the period.
  ep AS (
    SELECT s.scope, e.id, e.episode_id, e.client_hash, e.age_at_triage >= 18 AS adult,
           e.triage_date, e.discharge_date, e.discharge_reason, e.substances, e.referral_source,
           e.injecting_status, e.hepb_status, e.hepc_tested_on
    FROM ${treatmentEpisodes} e
    ${scoped(sql`e.provider_code`)}
    WHERE e.triage_date <= ${E} AND (e.discharge_date IS NULL OR e.discharge_date >= ${S})
  ),
  -- Membership, substance group (a drug in the union of the adult episodes' substances, or none:
  -- alcohol only), criminal justice, SM08 and young people, per client and scope.
  members AS (
    SELECT scope, client_hash,
      count(*) FILTER (WHERE adult) > 0 AS adult_member,
      count(*) FILTER (WHERE adult AND substances && ${texts(DRUGS)}) > 0 AS drug,
      count(*) FILTER (WHERE adult AND referral_source = 'criminal-justice') > 0 AS cj,
      count(*) FILTER (WHERE adult AND injecting_status IN ('previously', 'currently')) > 0 AS sm08_eligible,
      count(*) FILTER (WHERE adult AND hepc_tested_on <= ${E}) > 0 AS sm08_tested,
      count(*) FILTER (WHERE NOT adult) > 0 AS young_member
    FROM ep
    GROUP BY scope, client_hash
  ),
  -- The exit of each client, scope and age group: the latest discharge in [S, E]; on a tie the reason
  -- listed first in INDICATORS.md wins, then the lowest episode_id (byte order, as in the reference).
  exits AS (
    SELECT DISTINCT ON (scope, client_hash, adult)
      scope, client_hash, adult, id, discharge_date AS exit_date, discharge_reason AS reason
    FROM ep
    WHERE discharge_date <= ${E}
    ORDER BY scope, client_hash, adult, discharge_date DESC,
      array_position(${texts(DISCHARGE_REASONS)}, discharge_reason), episode_id COLLATE "C"
  ),
  -- Successful: a successful reason and no other episode of the client (any provider, any age) open
  -- on that date (triage ≤ d, discharge empty or > d).
  successes AS (
    SELECT x.scope, x.client_hash, x.exit_date
    FROM exits x
    WHERE x.adult AND x.reason = ANY(${texts(SUCCESSFUL_REASONS)})
      AND NOT EXISTS (
        SELECT 1 FROM ${treatmentEpisodes} o
        WHERE o.client_hash = x.client_hash AND o.id <> x.id
          AND o.triage_date <= x.exit_date
          AND (o.discharge_date IS NULL OR o.discharge_date > x.exit_date)
      )
  ),
  -- Followed by re-presentation: any episode of the client with d < triage ≤ d + 6 months.
  outcomes AS (
    SELECT x.scope, x.client_hash, x.exit_date,
      EXISTS (
        SELECT 1 FROM ${treatmentEpisodes} o
        WHERE o.client_hash = x.client_hash
          AND o.triage_date > x.exit_date
          AND o.triage_date <= CAST(x.exit_date + interval '6 months' AS date)
      ) AS represented
    FROM successes x
  ),
  -- New presentations in the financial year to date (adult episodes): no other episode of the client,
  -- at any provider, triaged before it and open at some time in the 12 months before its triage date.
  new_presentations AS (
    SELECT e.id
    FROM ${treatmentEpisodes} e
    WHERE e.age_at_triage >= 18
      AND e.triage_date >= ${date(p.financialYearStart)} AND e.triage_date <= ${E}
      AND NOT EXISTS (
        SELECT 1 FROM ${treatmentEpisodes} o
        WHERE o.client_hash = e.client_hash
          AND o.triage_date < e.triage_date
          AND (o.discharge_date IS NULL
               OR o.discharge_date >= CAST(e.triage_date - interval '12 months' AS date))
      )
  ),
  -- SM07 judges each client by their first such episode in scope (triage date, then episode_id).
  first_presentations AS (
    SELECT DISTINCT ON (ep.scope, ep.client_hash) ep.scope, ep.client_hash, ep.hepb_status
    FROM ep JOIN new_presentations n ON n.id = ep.id
    ORDER BY ep.scope, ep.client_hash, ep.triage_date, ep.episode_id COLLATE "C"
  ),
  -- The counts, each from the smallest set that decides it (joining every member to every fact
  -- would carry all clients through three joins): membership alone, successful exits with their
  -- client's substance group and CJ status, young people's exits, first new presentations.
  member_totals AS (
    SELECT scope,
      count(*) FILTER (WHERE adult_member AND drug) AS sm01,
      count(*) FILTER (WHERE adult_member AND NOT drug) AS sm04,
      count(*) FILTER (WHERE sm08_eligible) AS sm08_den,
      count(*) FILTER (WHERE sm08_eligible AND sm08_tested) AS sm08_num,
      count(*) FILTER (WHERE adult_member AND cj) AS sm09_den,
      count(*) FILTER (WHERE young_member) AS sm11
    FROM members
    GROUP BY scope
  ),
  success_totals AS (
    SELECT o.scope,
      count(*) FILTER (WHERE m.drug) AS sm02,
      count(*) FILTER (WHERE NOT m.drug) AS sm05,
      count(*) FILTER (WHERE m.cj) AS sm09_num,
      count(*) FILTER (WHERE m.cj AND o.exit_date <= ${date(p.firstHalfEnd)}) AS sm10_den,
      count(*) FILTER (WHERE m.cj AND o.exit_date <= ${date(p.firstHalfEnd)} AND o.represented) AS sm10_num,
      count(*) FILTER (WHERE m.drug AND NOT o.represented) AS sm13,
      count(*) FILTER (WHERE NOT m.drug AND NOT o.represented) AS sm14
    FROM outcomes o
    JOIN members m ON m.scope = o.scope AND m.client_hash = o.client_hash AND m.adult_member
    GROUP BY o.scope
  ),
  young_totals AS (
    SELECT scope,
      count(*) FILTER (WHERE reason <> 'died') AS sm12_den,
      count(*) FILTER (WHERE reason = ANY(${texts([
        ...SUCCESSFUL_REASONS,
        "transferred-not-in-custody",
        "transferred-to-adult-services",
      ])})) AS sm12_num
    FROM exits
    WHERE NOT adult
    GROUP BY scope
  ),
  presentation_totals AS (
    SELECT scope,
      count(*) FILTER (WHERE coalesce(hepb_status, '') NOT IN ('already-immunised', 'acquired-immunity')) AS sm07_den,
      count(*) FILTER (WHERE hepb_status = 'offered-accepted') AS sm07_num
    FROM first_presentations
    GROUP BY scope
  ),
  totals AS (
    SELECT sc.scope, mt.sm01, mt.sm04, mt.sm08_den, mt.sm08_num, mt.sm09_den, mt.sm11,
      st.sm02, st.sm05, st.sm09_num, st.sm10_den, st.sm10_num, st.sm13, st.sm14,
      yt.sm12_den, yt.sm12_num, pt.sm07_den, pt.sm07_num
    FROM scopes sc
    LEFT JOIN member_totals mt ON mt.scope = sc.scope
    LEFT JOIN success_totals st ON st.scope = sc.scope
    LEFT JOIN young_totals yt ON yt.scope = sc.scope
    LEFT JOIN presentation_totals pt ON pt.scope = sc.scope
  ),
  figures AS (
    SELECT t.scope, r.code, r.numerator, r.denominator
    FROM totals t
    CROSS JOIN LATERAL (VALUES
      ('SM01', coalesce(t.sm01, 0), NULL::bigint),
      ('SM02', coalesce(t.sm02, 0), NULL),
      ('SM03', coalesce(t.sm02, 0), coalesce(t.sm01, 0)),
      ('SM04', coalesce(t.sm04, 0), NULL),
      ('SM05', coalesce(t.sm05, 0), NULL),
      ('SM06', coalesce(t.sm05, 0), coalesce(t.sm04, 0)),
      ('SM07', coalesce(t.sm07_num, 0), coalesce(t.sm07_den, 0)),
      ('SM08', coalesce(t.sm08_num, 0), coalesce(t.sm08_den, 0)),
      ('SM09', coalesce(t.sm09_num, 0), coalesce(t.sm09_den, 0)),
      ('SM10', coalesce(t.sm10_num, 0), coalesce(t.sm10_den, 0)),
      ('SM11', coalesce(t.sm11, 0), NULL),
      ('SM12', coalesce(t.sm12_num, 0), coalesce(t.sm12_den, 0)),
      ('SM13', coalesce(t.sm13, 0), NULL),
      ('SM13R', coalesce(t.sm13, 0), coalesce(t.sm01, 0)),
      ('SM14', coalesce(t.sm14, 0), NULL),
      ('SM14R', coalesce(t.sm14, 0), coalesce(t.sm04, 0))
    ) AS r(code, numerator, denominator)
  ),
  latest AS (SELECT max(triage_date) AS triage_date FROM ${treatmentEpisodes})
  SELECT f.scope, f.code, f.numerator::int AS numerator, f.denominator::int AS denominator,
    ${VALUE} AS value,
    coalesce(latest.triage_date >= ${date(p.followUpDate)}, false) AS follow_up_complete
  FROM figures f CROSS JOIN latest`;
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
