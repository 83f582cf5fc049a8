/**
 * Rows checked against the audit trail (docs/adr/0003): the chain's hashes prove that its records were not
 * altered, and some records state what a row held. A restore uses that to catch rows edited in a backup
 * whose manifest was rewritten to match (the manifest's signature is the first defence; this is the
 * second, and the only one for an archive restored without a signature check).
 *
 * Only what the chain truly records is checked: for each table below, every row is created by one use
 * case that records "created" with the row's id and the listed fields, and every later change of those
 * fields records `changes: { field: { from, to } }`. Fields that change without such a record (a
 * project's stage, a user's password or lockout) are not listed.
 */
export interface ChainRecordedTable {
  entityType: string;
  table: string;
  /** Summary key in the audit record → column of the table. */
  fields: Record<string, string>;
}

export const CHAIN_RECORDED_TABLES: readonly ChainRecordedTable[] = [
  {
    entityType: "organisation",
    table: "organisations",
    fields: { name: "name", kind: "kind", code: "code" },
  },
  { entityType: "user", table: "users", fields: { email: "email", name: "name" } },
  {
    entityType: "project",
    table: "projects",
    fields: {
      title: "title",
      programmeCode: "programme_code",
      estimatedValuePence: "estimated_value_pence",
      regime: "regime",
      startedOn: "started_on",
    },
  },
];

/** Actions after which an entity is expected to have no row. */
const ENDING_ACTIONS = new Set(["deleted", "removed"]);

export interface AuditFact {
  entityId: string;
  action: string;
  summary: Record<string, unknown>;
}

/** A row in its backup form (src/modules/backup/tables.ts): JSON values and PostgreSQL text. */
export type RowValues = Record<string, string | number | boolean | null>;

export interface RowMismatch {
  table: string;
  id: string;
  problem: string;
}

/** What the chain says each entity's fields last were, from its records in chain order. */
function recordedState(spec: ChainRecordedTable, facts: Iterable<AuditFact>) {
  const recorded = new Map<string, Map<string, unknown>>();
  const ended = new Set<string>();
  for (const fact of facts) {
    if (fact.action === "created") {
      const fields = new Map<string, unknown>();
      for (const key of Object.keys(spec.fields))
        if (fact.summary[key] !== undefined) fields.set(key, fact.summary[key]);
      recorded.set(fact.entityId, fields);
      ended.delete(fact.entityId);
      continue;
    }
    if (ENDING_ACTIONS.has(fact.action)) ended.add(fact.entityId);
    const fields = recorded.get(fact.entityId);
    const changes = fact.summary.changes;
    if (!fields || typeof changes !== "object" || changes === null) continue;
    for (const [key, entry] of Object.entries(changes)) {
      const change: unknown = entry;
      if (key in spec.fields && typeof change === "object" && change !== null && "to" in change)
        fields.set(key, change.to);
    }
  }
  return { recorded, ended };
}

/** A recorded JSON value and a row's backup value are the same when their text is. */
function sameValue(recorded: unknown, stored: RowValues[string] | undefined): boolean {
  if (recorded === null || stored === null || stored === undefined)
    return recorded === null && stored == null;
  const text =
    typeof recorded === "string" || typeof recorded === "number" || typeof recorded === "boolean"
      ? String(recorded)
      : JSON.stringify(recorded);
  return text === String(stored);
}

/**
 * Every row was created through its audited use case, holds the fields the chain last recorded for it,
 * and every entity the chain created (and did not delete) has its row. Values are not repeated in the
 * problems: they may be personal data.
 */
export function rowsAgainstChain(
  spec: ChainRecordedTable,
  facts: Iterable<AuditFact>,
  rows: Iterable<RowValues>,
): RowMismatch[] {
  const { recorded, ended } = recordedState(spec, facts);
  const problems: RowMismatch[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const id = String(row.id);
    seen.add(id);
    const fields = recorded.get(id);
    if (!fields) {
      problems.push({ table: spec.table, id, problem: "has no audit record of its creation" });
      continue;
    }
    for (const [key, value] of fields) {
      const column = spec.fields[key] ?? key;
      if (!sameValue(value, row[column]))
        problems.push({
          table: spec.table,
          id,
          problem: `${column} is not what the audit trail last recorded`,
        });
    }
  }
  for (const id of recorded.keys())
    if (!seen.has(id) && !ended.has(id))
      problems.push({
        table: spec.table,
        id,
        problem: "is recorded as created in the audit trail but is missing",
      });
  return problems;
}
