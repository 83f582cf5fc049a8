import { sql } from "drizzle-orm";
import {
  CHAIN_RECORDED_TABLES,
  rowsAgainstChain,
  type AuditFact,
  type RowMismatch,
  type RowValues,
} from "../../domain/audit-rows.js";
import { executeRows, type Executor } from "../../db/client.js";
import type { Manifest } from "./manifest.js";
import type { TableCount } from "./service.js";
import { isJsonObject, readExpression, REFERENCE_TABLES, schemaTables, SKIPPED_TABLES } from "./tables.js";

/** The reads of backup and restore. */

export async function migrationState(executor: Executor): Promise<Manifest["migrations"]> {
  const hashes = await appliedMigrationHashes(executor);
  return { count: hashes.length, lastHash: hashes.at(-1) ?? null };
}

/** Hashes of the applied migrations, oldest first (drizzle orders them by created_at). */
export async function appliedMigrationHashes(executor: Executor): Promise<string[]> {
  const [exists] = await executeRows<{ present: boolean }>(
    executor,
    sql`SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present`,
  );
  if (!exists?.present) return [];
  const rows = await executeRows<{ hash: string }>(
    executor,
    sql`SELECT hash FROM drizzle.__drizzle_migrations ORDER BY created_at, id`,
  );
  return rows.map((r) => r.hash);
}

/** Tables whose rows make a database "not empty": all but reference data and skipped sign-in state. */
export async function tablesWithRows(executor: Executor): Promise<TableCount[]> {
  const busy: TableCount[] = [];
  for (const table of schemaTables()) {
    if (SKIPPED_TABLES.includes(table.name) || REFERENCE_TABLES.includes(table.name)) continue;
    const [row] = await executeRows<{ n: number }>(
      executor,
      sql`SELECT count(*)::int AS n FROM ${sql.identifier(table.name)}`,
    );
    if ((row?.n ?? 0) > 0) busy.push({ name: table.name, rows: row?.n ?? 0 });
  }
  return busy;
}

/** The rows of the tables the chain records (domain/audit-rows.ts), checked against its records. */
export async function checkRowsAgainstChain(
  executor: Executor,
): Promise<{ tables: TableCount[]; problems: RowMismatch[] }> {
  const tables: TableCount[] = [];
  const problems: RowMismatch[] = [];
  const known = new Map(schemaTables().map((t) => [t.name, t]));
  for (const spec of CHAIN_RECORDED_TABLES) {
    const table = known.get(spec.table);
    if (!table) continue;
    const columns = table.columns.filter(
      (c) => c.name === "id" || Object.values(spec.fields).includes(c.name),
    );
    const rows = await executeRows<RowValues>(
      executor,
      sql`SELECT ${sql.join(
        columns.map((c) => sql`${readExpression(c)} AS ${sql.identifier(c.name)}`),
        sql`, `,
      )} FROM ${sql.identifier(spec.table)}`,
    );
    const facts = await executeRows<{ entityId: string; action: string; summary: unknown }>(
      executor,
      sql`SELECT entity_id AS "entityId", action, summary FROM audit_events WHERE entity_type = ${spec.entityType} ORDER BY seq`,
    );
    const recorded: AuditFact[] = facts.map((f) => ({
      entityId: f.entityId,
      action: f.action,
      summary: isJsonObject(f.summary) ? f.summary : {},
    }));
    problems.push(...rowsAgainstChain(spec, recorded, rows));
    tables.push({ name: spec.table, rows: rows.length });
  }
  return { tables, problems };
}
