import { sql, type SQL } from "drizzle-orm";
import type { IsoDate } from "../../domain/indicators/terms.js";

/**
 * The pieces the indicator queries share (queries.ts, substance-misuse-query.ts): values sent as
 * parameters and cast in SQL, the scopes asked for, and a figure's value from its numerator and
 * denominator.
 */

/** Which scopes to compute: all providers together, and which providers (null: every one in the data). */
export interface ScopeFilter {
  readonly allProviders: boolean;
  readonly providers: readonly string[] | null;
}

/** A PostgreSQL array literal (`{"a","b"}`), sent as one text parameter and cast in SQL. */
export function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(",")}}`;
}

export const date = (value: IsoDate): SQL => sql`CAST(${value} AS date)`;
export const texts = (values: readonly string[]): SQL => sql`CAST(${arrayLiteral(values)} AS text[])`;
export const dates = (values: readonly IsoDate[]): SQL => sql`CAST(${arrayLiteral(values)} AS date[])`;
export const bool = (value: boolean): SQL => sql`CAST(${value ? "true" : "false"} AS boolean)`;

/** `scopes(scope)`: '' when all providers are asked for, and each provider code of `table` asked for. */
export function scopesCte(table: SQL, filter: ScopeFilter): SQL {
  const providers =
    filter.providers === null ? sql`true` : sql`provider_code = ANY(${texts(filter.providers)})`;
  return sql`scopes AS (
    SELECT '' AS scope WHERE ${bool(filter.allProviders)}
    UNION
    SELECT DISTINCT provider_code FROM ${table} WHERE ${providers}
  )`;
}

/** The rows whose provider is `providerCode` once per scope they count in (all providers, their own provider), if asked for. */
export function scoped(providerCode: SQL): SQL {
  return sql`CROSS JOIN LATERAL (VALUES (''), (${providerCode})) AS s(scope)
    JOIN scopes sc ON sc.scope = s.scope`;
}

/**
 * `figures(scope, code, numerator, denominator)` → the result rows, with the value: the count itself,
 * or the percentage rounded half-up to 1 dp in numeric (null for a zero denominator).
 */
export const VALUE = sql`CASE
    WHEN f.denominator IS NULL THEN f.numerator::float8
    WHEN f.denominator = 0 THEN NULL
    ELSE round(f.numerator * 100.0 / f.denominator, 1)::float8
  END`;
