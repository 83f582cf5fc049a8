/**
 * The reference for what the hardware can do (issue 4, "Benchmarks"): DuckDB computing Appendix A
 * indicators from the same CSV the import reads, with the definitions of INDICATORS.md written again
 * in DuckDB's SQL. Used by bench/indicators.ts only; @duckdb/node-api is a dev dependency.
 */
import { performance } from "node:perf_hooks";
import { DuckDBInstance } from "@duckdb/node-api";
import { DRUGS, DISCHARGE_REASONS, SUCCESSFUL_REASONS } from "../src/domain/indicators/terms.js";

/** The indicators DuckDB computes here, from the same CSV. */
export const DUCKDB_CODES = ["SM01", "SM02", "SM03", "SM04", "SM05", "SM06"];

const sqlList = (values: readonly string[]) => `[${values.map((v) => `'${v}'`).join(", ")}]`;

/** Period S..E: the 12 months ending on E. */
function twelveMonthsStart(end: string): string {
  const d = new Date(`${end}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  d.setUTCFullYear(d.getUTCFullYear() - 1);
  return d.toISOString().slice(0, 10);
}

export interface DuckFigure {
  scope: string;
  code: string;
  numerator: number;
  denominator: number | null;
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
              (year(CAST(triage_date AS DATE)) - year(CAST(date_of_birth AS DATE))
                - CASE WHEN substr(triage_date, 6) < substr(date_of_birth, 6) THEN 1 ELSE 0 END) >= 18 AS adult
       FROM read_csv('${file.replace(/'/g, "''")}', header = true, all_varchar = true)`,
    );
    const loadMs = performance.now() - loadStarted;
    const S = `DATE '${twelveMonthsStart(periodEnd)}'`;
    const E = `DATE '${periodEnd}'`;
    const query = `
      WITH ep AS (
        SELECT '' AS scope, * FROM e WHERE t <= ${E} AND (d IS NULL OR d >= ${S})
        UNION ALL
        SELECT provider_code AS scope, * FROM e WHERE t <= ${E} AND (d IS NULL OR d >= ${S})
      ),
      members AS (
        SELECT scope, client_ref,
               bool_or(adult) AS adult_member,
               bool_or(adult AND list_has_any(subs, ${sqlList(DRUGS)})) AS drug
        FROM ep GROUP BY scope, client_ref
      ),
      exits AS (
        SELECT scope, client_ref, episode_id, d AS exit_date, r AS reason
        FROM ep WHERE adult AND d <= ${E}
        QUALIFY row_number() OVER (PARTITION BY scope, client_ref
          ORDER BY d DESC, list_position(${sqlList(DISCHARGE_REASONS)}, r), episode_id) = 1
      ),
      successes AS (
        SELECT x.scope, x.client_ref FROM exits x
        WHERE list_contains(${sqlList(SUCCESSFUL_REASONS)}, x.reason)
          AND NOT EXISTS (SELECT 1 FROM e o WHERE o.client_ref = x.client_ref AND o.episode_id <> x.episode_id
                          AND o.t <= x.exit_date AND (o.d IS NULL OR o.d > x.exit_date))
      ),
      m AS (
        SELECT scope, count(*) FILTER (WHERE adult_member AND drug) AS sm01,
               count(*) FILTER (WHERE adult_member AND NOT drug) AS sm04
        FROM members GROUP BY scope
      ),
      s AS (
        SELECT s.scope, count(*) FILTER (WHERE m.drug) AS sm02, count(*) FILTER (WHERE NOT m.drug) AS sm05
        FROM successes s JOIN members m ON m.scope = s.scope AND m.client_ref = s.client_ref AND m.adult_member
        GROUP BY s.scope
      )
      SELECT m.scope, m.sm01::INTEGER AS sm01, coalesce(s.sm02, 0)::INTEGER AS sm02,
             m.sm04::INTEGER AS sm04, coalesce(s.sm05, 0)::INTEGER AS sm05
      FROM m LEFT JOIN s USING (scope) ORDER BY m.scope`;
    const started = performance.now();
    const reader = await connection.runAndReadAll(query);
    const queryMs = performance.now() - started;
    const figures: DuckFigure[] = [];
    for (const row of reader.getRowObjectsJS()) {
      const scope = typeof row.scope === "string" ? row.scope : "";
      const n = (key: string) => Number(row[key]);
      figures.push(
        { scope, code: "SM01", numerator: n("sm01"), denominator: null },
        { scope, code: "SM02", numerator: n("sm02"), denominator: null },
        { scope, code: "SM03", numerator: n("sm02"), denominator: n("sm01") },
        { scope, code: "SM04", numerator: n("sm04"), denominator: null },
        { scope, code: "SM05", numerator: n("sm05"), denominator: null },
        { scope, code: "SM06", numerator: n("sm05"), denominator: n("sm04") },
      );
    }
    return { loadMs, queryMs, figures };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

