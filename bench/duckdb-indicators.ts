/**
 * The reference for what the hardware can do: DuckDB computing every Appendix A
 * indicator (SM01–SM14R), for all providers together and per provider, from the same CSV the import
 * reads, with the definitions of docs/indicators.md written again in DuckDB's SQL (nothing of our SQL is
 * reused; only the code lists come from the domain). Used by bench/indicators.ts only;
 * @duckdb/node-api is a dev dependency.
 *
 * What ours sees differently from the CSV, and how it is made equivalent here:
 *  - ours groups by the pseudonymised client hash, this by the raw `client_ref`: one-to-one, the
 *    same groups;
 *  - ours keeps only the age in whole years at triage, computed on import; this computes the same
 *    from `date_of_birth` and `triage_date` (a year older on the birthday; born 29 February, a year
 *    older on 1 March in other years), and only "18 or over" is used.
 */
import { performance } from "node:perf_hooks";
import { DuckDBInstance } from "@duckdb/node-api";
import { definitionsOf } from "../src/domain/indicators/definitions.js";
import { DRUGS, DISCHARGE_REASONS, SUCCESSFUL_REASONS } from "../src/domain/indicators/terms.js";

/** The indicators DuckDB computes here, from the same CSV: all of Appendix A, in the catalogue's order. */
export const DUCKDB_CODES: readonly string[] = definitionsOf("A").map((d) => d.code);

const sqlList = (values: readonly string[]) => `[${values.map((v) => `'${v}'`).join(", ")}]`;

export interface DuckFigure {
  scope: string;
  code: string;
  numerator: number;
  denominator: number | null;
}

/** The dates the definitions need, from E, in DuckDB's date arithmetic (month steps clamp to the month's end). */
const PERIOD_DATES = (E: string) => `
  SELECT CAST(DATE '${E}' - INTERVAL 12 MONTH + INTERVAL 1 DAY AS DATE) AS s,
         make_date(CASE WHEN month(DATE '${E}') >= 4 THEN year(DATE '${E}') ELSE year(DATE '${E}') - 1 END, 4, 1) AS fy,
         CAST(CAST(DATE '${E}' - INTERVAL 12 MONTH + INTERVAL 1 DAY AS DATE) + INTERVAL 6 MONTH - INTERVAL 1 DAY AS DATE) AS h1`;

/** SM01–SM14R as (scope, 16 counts), scope '' for all providers together. */
function appendixA(dates: { E: string; S: string; FY: string; H1: string }): string {
  const E = `DATE '${dates.E}'`;
  const S = `DATE '${dates.S}'`;
  const FY = `DATE '${dates.FY}'`;
  const H1 = `DATE '${dates.H1}'`;
  const planned = [...SUCCESSFUL_REASONS, "transferred-not-in-custody", "transferred-to-adult-services"];
  return `
    WITH in_period AS (
      -- "in the period": triage ≤ E and discharge empty or ≥ S
      SELECT * FROM e WHERE t <= ${E} AND (d IS NULL OR d >= ${S})
    ),
    ep AS (
      -- each episode counts for all providers ('') and for its own provider
      SELECT '' AS scope, * FROM in_period
      UNION ALL
      SELECT provider_code AS scope, * FROM in_period
    ),
    members AS (
      SELECT scope, client_ref,
             bool_or(adult) AS adult_member,
             -- substance group from the union over the adult episodes: any drug → a drug user, else alcohol only
             bool_or(adult AND list_has_any(subs, ${sqlList(DRUGS)})) AS drug,
             bool_or(adult AND referral_source = 'criminal-justice') AS cj,
             bool_or(adult AND injecting_status IN ('previously', 'currently')) AS sm08_eligible,
             bool_or(adult AND hepc <= ${E}) AS sm08_tested,
             bool_or(NOT adult) AS young_member
      FROM ep GROUP BY scope, client_ref
    ),
    exits AS (
      -- the latest discharge in [S, E] per client, scope and age group; a tie goes to the reason listed first
      SELECT scope, client_ref, adult, episode_id, d AS exit_date, r AS reason
      FROM ep WHERE d <= ${E}
      QUALIFY row_number() OVER (PARTITION BY scope, client_ref, adult
        ORDER BY d DESC, list_position(${sqlList(DISCHARGE_REASONS)}, r), episode_id) = 1
    ),
    adult_exits AS (
      -- successful: a successful reason and no other episode of the client (anywhere, any age) open on d;
      -- re-presented: an episode of the client triaged in (d, d + 6 months]
      SELECT x.scope, x.client_ref, x.exit_date,
             list_contains(${sqlList(SUCCESSFUL_REASONS)}, x.reason)
               AND NOT EXISTS (SELECT 1 FROM e o
                               WHERE o.client_ref = x.client_ref AND o.episode_id <> x.episode_id
                                 AND o.t <= x.exit_date AND (o.d IS NULL OR o.d > x.exit_date)) AS successful,
             EXISTS (SELECT 1 FROM e o
                     WHERE o.client_ref = x.client_ref AND o.t > x.exit_date
                       AND o.t <= CAST(x.exit_date + INTERVAL 6 MONTH AS DATE)) AS represented
      FROM exits x WHERE x.adult
    ),
    young_exits AS (SELECT scope, client_ref, reason FROM exits WHERE NOT adult),
    first_presentations AS (
      -- adult new presentations triaged from 1 April to E (no earlier episode of the client, anywhere,
      -- open in the 12 months before), the first per client and scope by triage date, then episode_id
      SELECT p.scope, p.client_ref, p.hepb_status
      FROM ep p
      WHERE p.adult AND p.t >= ${FY} AND p.t <= ${E}
        AND NOT EXISTS (SELECT 1 FROM e o
                        WHERE o.client_ref = p.client_ref AND o.t < p.t
                          AND (o.d IS NULL OR o.d >= CAST(p.t - INTERVAL 12 MONTH AS DATE)))
      QUALIFY row_number() OVER (PARTITION BY p.scope, p.client_ref ORDER BY p.t, p.episode_id) = 1
    ),
    clients AS (
      SELECT m.*, coalesce(x.successful, false) AS successful, x.represented, x.exit_date,
             y.reason AS young_reason, f.client_ref IS NOT NULL AS presented, f.hepb_status
      FROM members m
      LEFT JOIN adult_exits x ON x.scope = m.scope AND x.client_ref = m.client_ref
      LEFT JOIN young_exits y ON y.scope = m.scope AND y.client_ref = m.client_ref
      LEFT JOIN first_presentations f ON f.scope = m.scope AND f.client_ref = m.client_ref
    )
    SELECT scope,
      count(*) FILTER (WHERE adult_member AND drug) AS sm01,
      count(*) FILTER (WHERE adult_member AND drug AND successful) AS sm02,
      count(*) FILTER (WHERE adult_member AND NOT drug) AS sm04,
      count(*) FILTER (WHERE adult_member AND NOT drug AND successful) AS sm05,
      count(*) FILTER (WHERE presented AND hepb_status = 'offered-accepted') AS sm07_num,
      count(*) FILTER (WHERE presented
        AND coalesce(hepb_status, '') NOT IN ('already-immunised', 'acquired-immunity')) AS sm07_den,
      count(*) FILTER (WHERE sm08_eligible AND sm08_tested) AS sm08_num,
      count(*) FILTER (WHERE sm08_eligible) AS sm08_den,
      count(*) FILTER (WHERE adult_member AND cj AND successful) AS sm09_num,
      count(*) FILTER (WHERE adult_member AND cj) AS sm09_den,
      count(*) FILTER (WHERE adult_member AND cj AND successful AND exit_date <= ${H1} AND represented) AS sm10_num,
      count(*) FILTER (WHERE adult_member AND cj AND successful AND exit_date <= ${H1}) AS sm10_den,
      count(*) FILTER (WHERE young_member) AS sm11,
      count(*) FILTER (WHERE list_contains(${sqlList(planned)}, young_reason)) AS sm12_num,
      count(*) FILTER (WHERE young_reason IS NOT NULL AND young_reason <> 'died') AS sm12_den,
      count(*) FILTER (WHERE adult_member AND drug AND successful AND NOT represented) AS sm13,
      count(*) FILTER (WHERE adult_member AND NOT drug AND successful AND NOT represented) AS sm14
    FROM clients GROUP BY scope ORDER BY scope`;
}

export async function duckdbIndicators(file: string, periodEnd: string) {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const loadStarted = performance.now();
    await connection.run(
      `CREATE TABLE e AS
       SELECT episode_id, client_ref, provider_code,
              CAST(triage_date AS DATE) AS t,
              CAST(NULLIF(discharge_date, '') AS DATE) AS d,
              NULLIF(discharge_reason, '') AS r,
              string_split(substances, ';') AS subs,
              referral_source,
              NULLIF(injecting_status, '') AS injecting_status,
              NULLIF(hepb_status, '') AS hepb_status,
              CAST(NULLIF(hepc_tested_on, '') AS DATE) AS hepc,
              (year(CAST(triage_date AS DATE)) - year(CAST(date_of_birth AS DATE))
                - CASE WHEN substr(triage_date, 6) < substr(date_of_birth, 6) THEN 1 ELSE 0 END) >= 18 AS adult
       FROM read_csv('${file.replace(/'/g, "''")}', header = true, all_varchar = true)`,
    );
    const loadMs = performance.now() - loadStarted;
    const started = performance.now();
    const [dates] = (await connection.runAndReadAll(PERIOD_DATES(periodEnd))).getRowObjectsJS();
    const iso = (value: unknown) =>
      value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
    const reader = await connection.runAndReadAll(
      appendixA({ E: periodEnd, S: iso(dates?.s), FY: iso(dates?.fy), H1: iso(dates?.h1) }),
    );
    const queryMs = performance.now() - started;
    const figures: DuckFigure[] = [];
    for (const row of reader.getRowObjectsJS()) {
      const scope = typeof row.scope === "string" ? row.scope : "";
      const n = (key: string) => Number(row[key]);
      const count = (code: string, key: string): DuckFigure => ({
        scope,
        code,
        numerator: n(key),
        denominator: null,
      });
      const ratio = (code: string, numerator: string, denominator: string): DuckFigure => ({
        scope,
        code,
        numerator: n(numerator),
        denominator: n(denominator),
      });
      figures.push(
        count("SM01", "sm01"),
        count("SM02", "sm02"),
        ratio("SM03", "sm02", "sm01"),
        count("SM04", "sm04"),
        count("SM05", "sm05"),
        ratio("SM06", "sm05", "sm04"),
        ratio("SM07", "sm07_num", "sm07_den"),
        ratio("SM08", "sm08_num", "sm08_den"),
        ratio("SM09", "sm09_num", "sm09_den"),
        ratio("SM10", "sm10_num", "sm10_den"),
        count("SM11", "sm11"),
        ratio("SM12", "sm12_num", "sm12_den"),
        count("SM13", "sm13"),
        ratio("SM13R", "sm13", "sm01"),
        count("SM14", "sm14"),
        ratio("SM14R", "sm14", "sm04"),
      );
    }
    return { loadMs, queryMs, figures };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
