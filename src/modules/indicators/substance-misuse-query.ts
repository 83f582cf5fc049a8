import { sql, type SQL } from "drizzle-orm";
import { treatmentEpisodes } from "../../db/schema/indicators.js";
import {
  DISCHARGE_REASONS,
  DRUGS,
  SUCCESSFUL_REASONS,
  type DischargeReason,
  type IsoDate,
  type Period,
} from "../../domain/indicators/terms.js";
import { bool, date, texts, VALUE, type ScopeFilter } from "./sql-parts.js";

/** Appendix A (treatment journeys) in SQL: see queries.ts for what every indicator query shares. */

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

/**
 * The providers of `treatment_episodes` and the latest triage date, from the (provider_code,
 * triage_date) index: a skip scan, one index probe per provider, instead of reading the table.
 */
function treatmentProvidersCte(): SQL {
  return sql`providers(code) AS (
    SELECT min(provider_code) FROM ${treatmentEpisodes}
    UNION ALL
    SELECT (SELECT min(t.provider_code) FROM ${treatmentEpisodes} t WHERE t.provider_code > p.code)
    FROM providers p WHERE p.code IS NOT NULL
  ),
  latest AS (
    SELECT max(l.triage_date) AS triage_date
    FROM providers p
    CROSS JOIN LATERAL (
      SELECT max(t.triage_date) AS triage_date FROM ${treatmentEpisodes} t WHERE t.provider_code = p.code
    ) AS l
    WHERE p.code IS NOT NULL
  )`;
}

/**
 * An exit as one sortable number: the discharge date in days, then the reason's place in the
 * tie-break order (docs/indicators.md lists `completed-drug-free` first, `died` last), so that the
 * greatest is the client's exit: the latest date, and on that date the reason listed first. Two
 * episodes ending on the same date with the same reason are the same exit: the episode itself does not
 * matter, since an episode ending on d is not open on d ("discharge_date empty or > d").
 */
const EXIT_EPOCH = sql`DATE '4714-11-24 BC'`; // PostgreSQL's first date: every key is positive
const REASON_SLOTS = 16; // > DISCHARGE_REASONS.length
function exitKey(dischargeDate: SQL, reason: SQL): SQL {
  return sql`(${dischargeDate} - ${EXIT_EPOCH})::bigint * ${sql.raw(String(REASON_SLOTS))}
    + (${sql.raw(String(REASON_SLOTS - 1))} - array_position(${texts(DISCHARGE_REASONS)}, ${reason}))`;
}
const exitDate = (key: SQL): SQL => sql`(${EXIT_EPOCH} + (${key} / ${sql.raw(String(REASON_SLOTS))})::int)`;
/** The exit's reason as its place in DISCHARGE_REASONS (1 = `completed-drug-free`). */
const exitPlace = (key: SQL): SQL =>
  sql`(${sql.raw(String(REASON_SLOTS - 1))} - (${key} % ${sql.raw(String(REASON_SLOTS))})::int)`;
/** `place IN (…)`: the places of `reasons` in DISCHARGE_REASONS, compared as numbers. */
function placeIn(place: SQL, reasons: readonly DischargeReason[]): SQL {
  const places = reasons.map((r) => DISCHARGE_REASONS.indexOf(r) + 1);
  return sql`${place} IN (${sql.raw(places.join(", "))})`;
}
const PLANNED_YOUNG_EXITS: readonly DischargeReason[] = [
  ...SUCCESSFUL_REASONS,
  "transferred-not-in-custody",
  "transferred-to-adult-services",
];

/**
 * `scopes`, and `w`: every treatment episode a definition looks at, read once (only the clients of the
 * providers asked for, when the all-providers figure is not).
 */
function episodesCtes(p: SubstanceMisuseParameters, filter: ScopeFilter): SQL {
  const S = date(p.period.start);
  const E = date(p.period.end);
  const FY = date(p.financialYearStart);
  const followUp = date(p.followUpDate);
  const providers = filter.providers === null ? sql`true` : sql`code = ANY(${texts(filter.providers)})`;
  // Some providers only (no all-providers figure): only their clients count, so only those clients'
  // episodes are read, found by the provider's episodes in the period and then by client.
  const someProviders = !filter.allProviders && filter.providers !== null;
  const clients = !someProviders
    ? sql`true`
    : sql`e.client_hash IN (
          SELECT m.client_hash FROM ${treatmentEpisodes} m
          WHERE m.provider_code = ANY(${texts(filter.providers)})
            AND m.triage_date <= ${E} AND (m.discharge_date IS NULL OR m.discharge_date >= ${S})
        )`;
  return sql`scopes AS (
    SELECT '' AS scope WHERE ${bool(filter.allProviders)}
    UNION ALL
    SELECT code FROM providers WHERE code IS NOT NULL AND ${providers}
  ),
  -- Every episode a definition looks at, read once. Besides the episodes in the period (triage ≤ E,
  -- discharge empty or ≥ S), the checks that look outside an exit or a presentation need: an episode
  -- open on an exit date d in [S, E] (it is in the period); a re-presentation, triaged in
  -- (d, d + 6 months], so up to E + 6 months; and an earlier episode open in the 12 months before a
  -- presentation triaged from 1 April (FY) to E, so with discharge empty or ≥ FY − 12 months.
  w AS ${someProviders ? sql`MATERIALIZED` : sql`NOT MATERIALIZED`} (
    SELECT e.client_hash, e.provider_code, e.episode_id, e.age_at_triage >= 18 AS adult,
      e.triage_date, coalesce(e.discharge_date, 'infinity'::date) AS open_until,
      e.triage_date <= ${E} AND (e.discharge_date IS NULL OR e.discharge_date >= ${S}) AS in_period,
      CASE WHEN e.discharge_date >= ${S} AND e.discharge_date <= ${E}
        THEN ${exitKey(sql`e.discharge_date`, sql`e.discharge_reason`)} END AS exit_key,
      e.substances && ${texts(DRUGS)} AS drug,
      e.referral_source = 'criminal-justice' AS cj,
      e.injecting_status IN ('previously', 'currently') AS injecting,
      e.hepc_tested_on <= ${E} AS tested,
      e.hepb_status
    FROM ${treatmentEpisodes} e
    WHERE e.triage_date <= ${followUp}
      AND (e.discharge_date IS NULL OR e.discharge_date >= CAST(${FY} - interval '12 months' AS date))
      AND ${clients}
  )`;
}

/** `members` (each client's membership and exits, per scope) and `checks` (what lies outside an exit). */
function exitCtes(): SQL {
  return sql`-- Per client, in one pass for both kinds of scope: at each provider (membership, substance group
  -- and exits from that provider's episodes) and at all providers together (grouping by client only).
  -- Adult and young-person exits apart, each the greatest exit key.
  members AS (
    SELECT CASE WHEN grouping(provider_code) = 1 THEN '' ELSE provider_code END AS scope, client_hash,
      bool_or(adult) AS adult_member,
      bool_or(adult AND drug) AS drug,
      bool_or(adult AND cj) AS cj,
      coalesce(bool_or(adult AND injecting), false) AS sm08_eligible,
      coalesce(bool_or(adult AND tested), false) AS sm08_tested,
      bool_or(NOT adult) AS young_member,
      max(exit_key) FILTER (WHERE adult) AS adult_exit,
      max(exit_key) FILTER (WHERE NOT adult) AS young_exit
    FROM w
    WHERE in_period
    GROUP BY GROUPING SETS ((client_hash, provider_code), (client_hash))
  ),
  -- The checks that look outside an exit, once per client and exit date with a successful reason,
  -- over all of the client's episodes (every provider, any age): another episode open on d
  -- (triage ≤ d, discharge empty or > d; the exit's own episode ends on d, so is not), and a
  -- re-presentation (d < triage ≤ d + 6 months).
  checks AS (
    SELECT x.client_hash, x.exit_date,
      bool_or(o.triage_date <= x.exit_date AND o.open_until > x.exit_date) AS open_on_exit,
      bool_or(o.triage_date > x.exit_date
        AND o.triage_date <= CAST(x.exit_date + interval '6 months' AS date)) AS represented
    FROM (
      SELECT DISTINCT client_hash, ${exitDate(sql`adult_exit`)} AS exit_date
      FROM members
      WHERE ${placeIn(exitPlace(sql`adult_exit`), SUCCESSFUL_REASONS)}
    ) AS x
    JOIN w o ON o.client_hash = x.client_hash
    GROUP BY x.client_hash, x.exit_date
  )`;
}

/** The new presentations SM07 counts, and what each client counts for (`facts`). */
function presentationCtes(p: SubstanceMisuseParameters): SQL {
  const E = date(p.period.end);
  const FY = date(p.financialYearStart);
  return sql`-- New presentations from 1 April to E (adult episodes): no other episode of the client, at any
  -- provider, triaged before it and open at some time in the 12 months before its triage date.
  presentations AS (
    SELECT n.client_hash, n.provider_code, n.triage_date, n.episode_id, n.hepb_status
    FROM w n
    WHERE n.adult AND n.triage_date >= ${FY} AND n.triage_date <= ${E}
      AND NOT EXISTS (
        SELECT 1 FROM w o
        WHERE o.client_hash = n.client_hash
          AND o.triage_date <= ${E} AND o.triage_date < n.triage_date
          AND o.open_until >= CAST(n.triage_date - interval '12 months' AS date)
      )
  ),
  -- SM07 judges each client by their first such episode in scope (triage date, then episode_id):
  -- at each provider, then the first of those for all providers together.
  first_at_provider AS (
    SELECT DISTINCT ON (client_hash, provider_code) client_hash, provider_code, triage_date, episode_id, hepb_status
    FROM presentations
    ORDER BY client_hash, provider_code, triage_date, episode_id COLLATE "C"
  ),
  first_presentations AS (
    SELECT provider_code AS scope, hepb_status FROM first_at_provider
    UNION ALL
    SELECT * FROM (
      SELECT DISTINCT ON (client_hash) '' AS scope, hepb_status
      FROM first_at_provider
      ORDER BY client_hash, triage_date, episode_id COLLATE "C"
    ) AS f
  ),
  -- What each client counts for in its scope: the exit decoded, and successful when its reason is
  -- and no other episode was open on its date.
  facts AS (
    SELECT m.adult_member, m.drug, m.cj, m.sm08_eligible, m.sm08_tested, m.young_member, m.scope,
      ${placeIn(exitPlace(sql`m.adult_exit`), SUCCESSFUL_REASONS)} AND NOT c.open_on_exit AS successful,
      x.exit_date, c.represented, ${exitPlace(sql`m.young_exit`)} AS young_place
    FROM members m
    CROSS JOIN LATERAL (SELECT ${exitDate(sql`m.adult_exit`)} AS exit_date) AS x
    LEFT JOIN checks c ON c.client_hash = m.client_hash AND c.exit_date = x.exit_date
  )`;
}

/** The counts per scope, from the clients grouped by kind. */
function totalsCtes(p: SubstanceMisuseParameters): SQL {
  return sql`-- How many clients of each kind, then the counts from those (fewer rows to test each condition on).
  kinds AS (
    SELECT scope, adult_member, drug, cj, sm08_eligible, sm08_tested, young_member,
      coalesce(successful, false) AS successful,
      coalesce(exit_date <= ${date(p.firstHalfEnd)}, false) AS first_half,
      coalesce(represented, false) AS represented, young_place, count(*) AS n
    FROM facts
    GROUP BY scope, adult_member, drug, cj, sm08_eligible, sm08_tested, young_member, 8, 9, 10, young_place
  ),
  client_totals AS (
    SELECT scope,
      sum(n) FILTER (WHERE adult_member AND drug) AS sm01,
      sum(n) FILTER (WHERE adult_member AND NOT drug) AS sm04,
      sum(n) FILTER (WHERE sm08_eligible) AS sm08_den,
      sum(n) FILTER (WHERE sm08_eligible AND sm08_tested) AS sm08_num,
      sum(n) FILTER (WHERE adult_member AND cj) AS sm09_den,
      sum(n) FILTER (WHERE young_member) AS sm11,
      sum(n) FILTER (WHERE successful AND drug) AS sm02,
      sum(n) FILTER (WHERE successful AND NOT drug) AS sm05,
      sum(n) FILTER (WHERE successful AND cj) AS sm09_num,
      sum(n) FILTER (WHERE successful AND cj AND first_half) AS sm10_den,
      sum(n) FILTER (WHERE successful AND cj AND first_half AND represented) AS sm10_num,
      sum(n) FILTER (WHERE successful AND drug AND NOT represented) AS sm13,
      sum(n) FILTER (WHERE successful AND NOT drug AND NOT represented) AS sm14,
      sum(n) FILTER (WHERE NOT ${placeIn(sql`young_place`, ["died"])}) AS sm12_den,
      sum(n) FILTER (WHERE ${placeIn(sql`young_place`, PLANNED_YOUNG_EXITS)}) AS sm12_num
    FROM kinds
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
    SELECT sc.scope, ct.sm01, ct.sm04, ct.sm08_den, ct.sm08_num, ct.sm09_den, ct.sm11,
      ct.sm02, ct.sm05, ct.sm09_num, ct.sm10_den, ct.sm10_num, ct.sm13, ct.sm14,
      ct.sm12_den, ct.sm12_num, pt.sm07_den, pt.sm07_num
    FROM scopes sc
    LEFT JOIN client_totals ct ON ct.scope = sc.scope
    LEFT JOIN presentation_totals pt ON pt.scope = sc.scope
  )`;
}

/** `figures(scope, code, numerator, denominator)`: SM01–SM14R from the totals. */
function figuresCte(): SQL {
  return sql`figures AS (
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
  )`;
}

/** SM01–SM14R per scope, with `follow_up_complete`. */
export function substanceMisuseQuery(p: SubstanceMisuseParameters, filter: ScopeFilter): SQL {
  const followUp = date(p.followUpDate);
  return sql`WITH RECURSIVE ${treatmentProvidersCte()},
  ${episodesCtes(p, filter)},
  ${exitCtes()},
  ${presentationCtes(p)},
  ${totalsCtes(p)},
  ${figuresCte()}
  SELECT f.scope, f.code, f.numerator::int AS numerator, f.denominator::int AS denominator,
    ${VALUE} AS value,
    coalesce(latest.triage_date >= ${followUp}, false) AS follow_up_complete
  FROM figures f CROSS JOIN latest`;
}
