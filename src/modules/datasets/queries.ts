import { and, arrayContained, desc, eq, isNotNull, ne, sql, type SQL } from "drizzle-orm";
import { executeRows, type Executor } from "../../db/client.js";
import { datasets, organisations } from "../../db/schema/index.js";
import { FORMATS, type DatasetKind } from "../../domain/indicators/formats.js";
import { isStaff, type Actor } from "../../domain/policy.js";
import { ROW_TABLES } from "./copy.js";
import { MAX_REPORTED_ERRORS } from "./problems.js";

/** The reads of client-level data imports. */

/** The provider codes a person may import: null for staff (any provider's), else their organisation's. */
export async function allowedCodesFor(db: Executor, actor: Actor): Promise<Set<string> | null> {
  if (isStaff(actor.roles)) return null;
  if (!actor.organisationId) return new Set();
  const [row] = await db
    .select({ code: organisations.code })
    .from(organisations)
    .where(eq(organisations.id, actor.organisationId));
  return new Set(row?.code ? [row.code] : []);
}

/** Every provider organisation's code: a row's provider_code must be one of them. */
export async function providerCodes(db: Executor): Promise<Set<string>> {
  const rows = await db
    .select({ code: organisations.code })
    .from(organisations)
    .where(and(eq(organisations.kind, "provider"), isNotNull(organisations.code)));
  return new Set(rows.map((r) => r.code).filter((c): c is string => c !== null));
}

/** Each provider organisation's name by its code, so that pages name providers rather than show codes. */
export async function namesByCode(db: Executor): Promise<Map<string, string>> {
  const rows = await db
    .select({ code: organisations.code, name: organisations.name })
    .from(organisations)
    .where(isNotNull(organisations.code));
  const names = new Map<string, string>();
  for (const row of rows) if (row.code) names.set(row.code, row.name);
  return names;
}

/** Whether an active dataset was pseudonymised under a key other than `keyId`. */
export async function activeUnderOtherKey(db: Executor, keyId: string): Promise<boolean> {
  const [other] = await db
    .select({ id: datasets.id })
    .from(datasets)
    .where(and(ne(datasets.keyId, keyId), eq(datasets.status, "active")))
    .limit(1);
  return other !== undefined;
}

export interface IdClashes {
  /** Ids on more than one line of the file: each line after the first, with the first. */
  repeated: { line: number; id: string; first_line: number; total: number }[];
  /** Ids already stored (but those a replacement replaces), with the file they came in. */
  stored: {
    line: number;
    id: string;
    same_provider: boolean;
    file_name: string;
    imported_at: unknown;
    total: number;
  }[];
}

/**
 * The file's ids (in the import's temporary table `import_ids`) that clash with each other or with the
 * stored rows of their kind, the first `MAX_REPORTED_ERRORS` of each in line order, with their totals.
 */
export async function idClashes(tx: Executor, kind: DatasetKind, replace: boolean): Promise<IdClashes> {
  const table = sql.identifier(ROW_TABLES[kind]);
  const idColumn = sql.identifier(FORMATS[kind].idColumn);
  const repeated = await executeRows<IdClashes["repeated"][number]>(
    tx,
    sql`SELECT line, id, first_line, count(*) OVER ()::int AS total
        FROM (SELECT line, id, min(line) OVER (PARTITION BY id) AS first_line FROM import_ids) d
        WHERE line > first_line ORDER BY line LIMIT ${MAX_REPORTED_ERRORS}`,
  );
  const stored = await executeRows<IdClashes["stored"][number]>(
    tx,
    sql`SELECT i.line, i.id, (t.provider_code = i.provider_code) AS same_provider,
               d.file_name, d.created_at AS imported_at, count(*) OVER ()::int AS total
        FROM import_ids i
        JOIN ${table} t ON t.${idColumn} = i.id
        JOIN datasets d ON d.id = t.dataset_id
        WHERE NOT (${replace} AND t.provider_code = i.provider_code)
        ORDER BY i.line LIMIT ${MAX_REPORTED_ERRORS}`,
  );
  return { repeated, stored };
}

/** Datasets, newest first; a provider's users see those holding only their own provider codes. */
export async function listDatasets(
  db: Executor,
  actor: Actor,
  options: { kind?: DatasetKind | undefined; limit: number; offset: number },
) {
  const conditions: SQL[] = [];
  if (options.kind) conditions.push(eq(datasets.kind, options.kind));
  const allowed = await allowedCodesFor(db, actor);
  if (allowed) conditions.push(arrayContained(datasets.providerCodes, [...allowed]));
  const rows = await db
    .select()
    .from(datasets)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(datasets.createdAt), desc(datasets.id))
    .limit(options.limit + 1)
    .offset(options.offset);
  return { rows: rows.slice(0, options.limit), more: rows.length > options.limit };
}
