import { is, sql, type SQL } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import * as schema from "../../db/schema/index.js";

/**
 * The catalogue a backup works from: every table in src/db/schema, read from the Drizzle definitions,
 * so a table added by a new module is backed up and restored without touching this module.
 */
export interface ColumnSpec {
  name: string;
  /** The SQL type as the schema declares it ("timestamp with time zone", "text[]", "jsonb", ...). */
  type: string;
}

export interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  /** Tables this one refers to by foreign key (restored before it). */
  dependsOn: string[];
}

/**
 * Short-lived sign-in state, not worth restoring: after a restore everyone signs in again.
 * (Sessions of a restored database would also carry the old server's cookie secret.)
 */
export const SKIPPED_TABLES: readonly string[] = ["sessions", "sign_in_attempts"];

/**
 * Tables the app fills itself at every start (loadReferenceData). A new database already holds these
 * rows, so they do not make it "not empty"; a restore replaces them with the backup's rows, which keep
 * their ids (governance members point at them) and any edits made since.
 * A module that adds reference data to loadReferenceData adds its table here.
 */
export const REFERENCE_TABLES: readonly string[] = ["programmes", "governance_bodies"];

/** Every table of the schema, parents before children (foreign-key order). */
export function schemaTables(): TableSpec[] {
  const specs: TableSpec[] = [];
  for (const value of Object.values(schema)) {
    if (!is(value, PgTable)) continue;
    const config = getTableConfig(value);
    specs.push({
      name: config.name,
      columns: config.columns.map((c) => ({ name: c.name, type: c.getSQLType() })),
      dependsOn: [
        ...new Set(
          config.foreignKeys
            .map((fk) => getTableConfig(fk.reference().foreignTable).name)
            .filter((name) => name !== config.name),
        ),
      ],
    });
  }
  return foreignKeyOrder(specs);
}

/** Orders tables so that each comes after the tables it refers to; keeps schema order otherwise. */
export function foreignKeyOrder(specs: TableSpec[]): TableSpec[] {
  const ordered: TableSpec[] = [];
  const placed = new Set<string>();
  const known = new Set(specs.map((s) => s.name));
  let remaining = specs;
  while (remaining.length > 0) {
    const ready = remaining.filter((s) => s.dependsOn.every((d) => placed.has(d) || !known.has(d)));
    if (ready.length === 0)
      throw new Error(`foreign keys form a cycle among: ${remaining.map((s) => s.name).join(", ")}`);
    for (const s of ready) {
      ordered.push(s);
      placed.add(s.name);
    }
    remaining = remaining.filter((s) => !placed.has(s.name));
  }
  return ordered;
}

/** The tables a backup holds: all but the skipped ones. */
export function backedUpTables(): TableSpec[] {
  return schemaTables().filter((t) => !SKIPPED_TABLES.includes(t.name));
}

/**
 * How a value travels, engine-neutrally. Integers, booleans, text and uuids are JSON values as they are.
 * Instants are ISO strings in UTC with microseconds (exact, whatever the server's TimeZone or DateStyle);
 * dates are YYYY-MM-DD; everything else (jsonb, bigint, numeric, arrays) is PostgreSQL's own text form,
 * which casts back to the same value on PGlite and on PostgreSQL 15+.
 */
type Codec = "native" | "timestamptz" | "timestamp" | "date" | "text";

const NATIVE = /^(integer|smallint|boolean|text|uuid)$/;

function codecFor(type: string): Codec {
  if (NATIVE.test(type)) return "native";
  if (/^timestamp(\s*\(\d+\))? with time zone$/.test(type)) return "timestamptz";
  if (/^timestamp(\s*\(\d+\))?( without time zone)?$/.test(type)) return "timestamp";
  if (type === "date") return "date";
  return "text";
}

/** The SELECT expression that reads a column in its backup form. */
export function readExpression(column: ColumnSpec): SQL {
  const c = sql.identifier(column.name);
  switch (codecFor(column.type)) {
    case "native":
      return sql`${c}`;
    case "timestamptz":
      return sql`CASE WHEN isfinite(${c}) THEN to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') ELSE ${c}::text END`;
    case "timestamp":
      return sql`CASE WHEN isfinite(${c}) THEN to_char(${c}, 'YYYY-MM-DD"T"HH24:MI:SS.US') ELSE ${c}::text END`;
    case "date":
      return sql`CASE WHEN isfinite(${c}) THEN to_char(${c}, 'YYYY-MM-DD') ELSE ${c}::text END`;
    case "text":
      return sql`${c}::text`;
  }
}

/**
 * The expression that writes a backup value into a column of `type` (the target's own type). Strings go
 * through text first, so neither driver guesses at a parameter's type.
 */
export function writeExpression(type: string, value: BackupValue): SQL {
  const cast = sql.raw(type);
  if (typeof value === "string") return sql`${value}::text::${cast}`;
  return sql`${value}::${cast}`;
}

export type BackupValue = string | number | boolean | null;

export function isBackupValue(value: unknown): value is BackupValue {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

/** A JSON object as read back: a row of a table's part, or an audit record's summary. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
