import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { and, arrayContained, desc, eq, isNotNull, ne, sql, type SQL } from "drizzle-orm";
import { executeRows, type Database, type Executor } from "../../db/client.js";
import { datasets, organisations } from "../../db/schema/index.js";
import {
  DATASET_KINDS,
  FORMATS,
  quote,
  type DatasetKind,
  type RowError,
} from "../../domain/indicators/formats.js";
import { can, isStaff, type Actor } from "../../domain/policy.js";
import { ConflictError, ForbiddenError, ProblemError } from "../../web/problems.js";
import { recordAudit } from "../audit/service.js";
import {
  MAX_REPORTED_ERRORS,
  ROW_TABLES,
  createPseudonymiser,
  scanFile,
  storedColumns,
  withCopyTransaction,
  type CopyTransaction,
  type ScanResult,
} from "./import.js";

export { DATASET_KINDS, type DatasetKind };

/** Largest data file accepted (a million treatment episodes is about 120 MB). */
export const DATASET_MAX_BYTES = 1024 * 1024 * 1024;

/** The file was refused (422): every problem's line, column and reason (the first 1,000) and the total. */
export class DatasetRefusedError extends ProblemError {
  constructor(
    readonly rows: RowError[],
    readonly totalErrors: number,
  ) {
    super(
      422,
      "Data file refused",
      `The file was refused and nothing was stored: ${totalErrors.toLocaleString("en-GB")} problem${totalErrors === 1 ? "" : "s"}` +
        (totalErrors > rows.length ? ` (the first ${rows.length.toLocaleString("en-GB")} are listed)` : ""),
      [],
      { rows, totalErrors },
    );
  }
}

export type ImportProgress =
  | { phase: "reading"; bytes: number; rows: number }
  | { phase: "checking"; rows: number }
  | { phase: "loading"; rows: number };

export interface ImportRequest {
  kind: DatasetKind;
  fileName: string;
  input: Readable;
  /** Replace earlier rows of the same provider that have the same ids (INDICATORS.md: explicit). */
  replace: boolean;
  onProgress?: ((progress: ImportProgress) => void) | undefined;
  maxBytes?: number | undefined;
}

export interface ImportOutcome {
  datasetId: string;
  rows: number;
  replacedRows: number;
  replacedDatasetIds: string[];
}

/** One lock key per kind: imports of one kind run one at a time, so their duplicate checks hold. */
const IMPORT_LOCK_KEY_BASE = 741_852_970;

export function presentDataset(row: typeof datasets.$inferSelect) {
  return {
    id: row.id,
    kind: row.kind,
    providerCodes: row.providerCodes,
    fileName: row.fileName,
    sha256: row.sha256,
    bytes: row.bytes,
    rows: row.rows,
    activeRows: row.activeRows,
    replacedRows: row.replacedRows,
    replacesDatasetIds: row.replacesDatasetIds,
    status: row.status,
    periodStart: row.periodStart,
    periodEnd: row.periodEnd,
    uploadedBy: row.uploadedByLabel,
    uploadedAt: row.createdAt.toISOString(),
  };
}
export type PresentedDataset = ReturnType<typeof presentDataset>;

/** Sorted merge of two line-ordered reports, keeping the first `MAX_REPORTED_ERRORS`. */
function mergeReports(a: RowError[], b: RowError[]): RowError[] {
  const out: RowError[] = [];
  let i = 0;
  let j = 0;
  while (out.length < MAX_REPORTED_ERRORS && (i < a.length || j < b.length)) {
    const x = a[i];
    const y = b[j];
    if (x && (!y || x.line <= y.line)) {
      out.push(x);
      i++;
    } else if (y) {
      out.push(y);
      j++;
    }
  }
  return out;
}

function dateOf(value: unknown): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);
}

/**
 * Client-level data imports (issue 4, item 1). One use case, `importFile`: read and check the whole
 * file as a stream, then in one transaction check ids against the file itself and the stored data,
 * replace superseded rows when asked, COPY the rows in, and write the audit record.
 *
 * Replacement, when asked for (`replace`), is by id: each stored row of the same kind, with the same id
 * and the same provider code as a row of the new file, is deleted and the new row takes its place. Rows
 * of the earlier file that the new one does not mention stay. An earlier dataset all of whose rows have
 * been replaced is marked `replaced`. Without `replace`, an id that is already stored is an error.
 */
export function createDatasetsService(database: Database, installationSecret: string) {
  const db = database.db;
  const pseudonymiser = createPseudonymiser(installationSecret);

  /** The provider codes a person may import: null for staff (any provider's), else their organisation's. */
  async function allowedCodesFor(actor: Actor): Promise<Set<string> | null> {
    if (isStaff(actor.roles)) return null;
    if (!actor.organisationId) return new Set();
    const [row] = await db
      .select({ code: organisations.code })
      .from(organisations)
      .where(eq(organisations.id, actor.organisationId));
    return new Set(row?.code ? [row.code] : []);
  }

  async function providerCodes(): Promise<Set<string>> {
    const rows = await db
      .select({ code: organisations.code })
      .from(organisations)
      .where(and(eq(organisations.kind, "provider"), isNotNull(organisations.code)));
    return new Set(rows.map((r) => r.code).filter((c): c is string => c !== null));
  }

  /** Client hashes under one key only: a changed PSEUDONYMISATION_SECRET would split every client in two. */
  async function checkKey() {
    const [other] = await db
      .select({ id: datasets.id })
      .from(datasets)
      .where(and(ne(datasets.keyId, pseudonymiser.keyId), eq(datasets.status, "active")))
      .limit(1);
    if (other)
      throw new ConflictError(
        "Earlier imports were pseudonymised with a different key: PSEUDONYMISATION_SECRET has changed since they were imported. " +
          "Client identifiers hashed under two keys cannot be matched, so nothing can be imported until the earlier PSEUDONYMISATION_SECRET is restored.",
      );
  }

  /** Ids repeated in the file, and ids already stored, as row problems (the file's ids are in `import_ids`). */
  async function idProblems(tx: Executor, kind: DatasetKind, replace: boolean) {
    const format = FORMATS[kind];
    const table = sql.identifier(ROW_TABLES[kind]);
    const idColumn = sql.identifier(format.idColumn);
    const repeated = await executeRows<{ line: number; id: string; first_line: number; total: number }>(
      tx,
      sql`SELECT line, id, first_line, count(*) OVER ()::int AS total
          FROM (SELECT line, id, min(line) OVER (PARTITION BY id) AS first_line FROM import_ids) d
          WHERE line > first_line ORDER BY line LIMIT ${MAX_REPORTED_ERRORS}`,
    );
    const stored = await executeRows<{
      line: number;
      id: string;
      same_provider: boolean;
      file_name: string;
      imported_at: unknown;
      total: number;
    }>(
      tx,
      sql`SELECT i.line, i.id, (t.provider_code = i.provider_code) AS same_provider,
                 d.file_name, d.created_at AS imported_at, count(*) OVER ()::int AS total
          FROM import_ids i
          JOIN ${table} t ON t.${idColumn} = i.id
          JOIN datasets d ON d.id = t.dataset_id
          WHERE NOT (${replace} AND t.provider_code = i.provider_code)
          ORDER BY i.line LIMIT ${MAX_REPORTED_ERRORS}`,
    );
    const name = format.idColumn;
    const fromRepeated: RowError[] = repeated.map((r) => ({
      line: r.line,
      column: name,
      message: `${name} ${quote(r.id)} is also on line ${r.first_line}: each ${format.rowName} needs an id of its own`,
    }));
    const fromStored: RowError[] = stored.map((r) => ({
      line: r.line,
      column: name,
      message: r.same_provider
        ? `${name} ${quote(r.id)} was imported before (file ${quote(r.file_name)}, ${dateOf(r.imported_at)}): to replace those rows, import this file as a replacement`
        : `${name} ${quote(r.id)} is already used by another provider's ${format.rowName}: ids must be unique across providers`,
    }));
    return {
      rows: mergeReports(fromRepeated, fromStored),
      total: (repeated[0]?.total ?? 0) + (stored[0]?.total ?? 0),
    };
  }

  /** Deletes the stored rows the file replaces; returns how many went from each earlier dataset. */
  async function replaceRows(tx: Executor, kind: DatasetKind) {
    const table = sql.identifier(ROW_TABLES[kind]);
    const idColumn = sql.identifier(FORMATS[kind].idColumn);
    return executeRows<{ dataset_id: string; n: number }>(
      tx,
      sql`WITH gone AS (
            DELETE FROM ${table} t USING import_ids i
            WHERE t.${idColumn} = i.id AND t.provider_code = i.provider_code
            RETURNING t.dataset_id
          )
          SELECT dataset_id, count(*)::int AS n FROM gone GROUP BY dataset_id ORDER BY dataset_id`,
    );
  }

  async function load(
    tx: CopyTransaction,
    actor: Actor,
    request: ImportRequest,
    scan: ScanResult,
    datasetId: string,
    files: { rowsFile: string; idsFile: string },
  ): Promise<ImportOutcome> {
    const { kind, replace } = request;
    await tx.db.execute(
      sql`SELECT pg_advisory_xact_lock(${IMPORT_LOCK_KEY_BASE + DATASET_KINDS.indexOf(kind)})`,
    );
    // PGlite runs one statement per call: each of these is its own.
    await tx.db.execute(
      sql`CREATE TEMP TABLE import_ids (line integer NOT NULL, id text NOT NULL, provider_code text NOT NULL) ON COMMIT DROP`,
    );
    await tx.copyFile("import_ids", ["line", "id", "provider_code"], files.idsFile);
    await tx.db.execute(sql`CREATE INDEX ON import_ids (id)`);
    await tx.db.execute(sql`ANALYZE import_ids`);
    const ids = await idProblems(tx.db, kind, replace);
    const totalErrors = scan.totalErrors + ids.total;
    if (totalErrors > 0) throw new DatasetRefusedError(mergeReports(scan.errors, ids.rows), totalErrors);

    const { periodStart, periodEnd } = scan;
    if (periodStart === null || periodEnd === null) throw new Error("a file without errors has dates");
    request.onProgress?.({ phase: "loading", rows: scan.rows });
    const replaced = replace ? await replaceRows(tx.db, kind) : [];
    const replacedRows = replaced.reduce((sum, r) => sum + r.n, 0);
    const replacedDatasetIds = replaced.map((r) => r.dataset_id);
    await tx.db.insert(datasets).values({
      id: datasetId,
      kind,
      providerCodes: scan.providerCodes,
      fileName: request.fileName,
      sha256: scan.sha256,
      bytes: scan.bytes,
      rows: scan.rows,
      activeRows: scan.rows,
      replacedRows,
      replacesDatasetIds: replacedDatasetIds,
      periodStart,
      periodEnd,
      keyId: pseudonymiser.keyId,
      uploadedBy: actor.id,
      uploadedByLabel: actor.label,
    });
    await tx.copyFile(ROW_TABLES[kind], storedColumns(kind), files.rowsFile);

    for (const r of replaced) {
      const [after] = await tx.db
        .update(datasets)
        .set({
          activeRows: sql`${datasets.activeRows} - ${r.n}`,
          status: sql`CASE WHEN ${datasets.activeRows} - ${r.n} <= 0 THEN 'replaced' ELSE ${datasets.status} END`,
          updatedAt: new Date(),
        })
        .where(eq(datasets.id, r.dataset_id))
        .returning({ activeRows: datasets.activeRows, status: datasets.status });
      await recordAudit(tx.db, actor, {
        entityType: "dataset",
        entityId: r.dataset_id,
        action: "rows-replaced",
        summary: { replacedBy: datasetId, rows: r.n, activeRows: after?.activeRows, status: after?.status },
      });
    }
    await recordAudit(tx.db, actor, {
      entityType: "dataset",
      entityId: datasetId,
      action: replace ? "imported-as-replacement" : "imported",
      summary: {
        kind,
        fileName: request.fileName,
        sha256: scan.sha256,
        bytes: scan.bytes,
        rows: scan.rows,
        providerCodes: scan.providerCodes,
        periodStart: scan.periodStart,
        periodEnd: scan.periodEnd,
        replace,
        replacedRows,
        replacedDatasetIds,
      },
    });
    return { datasetId, rows: scan.rows, replacedRows, replacedDatasetIds };
  }

  /**
   * Imports one file, all or nothing. Throws DatasetRefusedError (422) with the problems, ForbiddenError
   * (403) when a provider's file has rows of other providers, ConflictError (409) when the key changed.
   */
  async function importFile(actor: Actor, request: ImportRequest): Promise<ImportOutcome> {
    if (!can(actor, "datasets:import")) throw new ForbiddenError("Your roles do not allow importing data");
    if (request.replace && !can(actor, "datasets:replace"))
      throw new ForbiddenError("Your roles do not allow replacing imported data");
    const allowedCodes = await allowedCodesFor(actor);
    const known = await providerCodes();
    await checkKey();

    const work = fs.mkdtempSync(path.join(os.tmpdir(), "commissioner-import-"));
    const files = { rowsFile: path.join(work, "rows.copy"), idsFile: path.join(work, "ids.copy") };
    const datasetId = randomUUID();
    try {
      const scan = await scanFile(request.input, {
        kind: request.kind,
        datasetId,
        context: { isProviderCode: (code) => known.has(code) },
        allowedCodes,
        pseudonymiser,
        ...files,
        maxBytes: request.maxBytes ?? DATASET_MAX_BYTES,
        onProgress: (p) => request.onProgress?.({ phase: "reading", ...p }),
      });
      if (scan.unreadable) throw new DatasetRefusedError(scan.errors, scan.totalErrors);
      if (scan.foreignCodes.length > 0) {
        const own = [...(allowedCodes ?? [])];
        throw new ProblemError(
          403,
          "Forbidden",
          `You may import only rows of your own organisation's provider code${own.length ? ` (${own.join(", ")})` : " (your organisation has none)"}; ` +
            `the file has rows for ${scan.foreignCodes.join(", ")}. Nothing was stored.`,
          [],
          { providerCodes: scan.foreignCodes },
        );
      }
      request.onProgress?.({ phase: "checking", rows: scan.rows });
      return await withCopyTransaction(database, (tx) => load(tx, actor, request, scan, datasetId, files));
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  /** Datasets, newest first; a provider's users see those holding only their own provider codes. */
  async function list(
    actor: Actor,
    options: { kind?: DatasetKind | undefined; limit: number; offset: number },
  ) {
    const conditions: SQL[] = [];
    if (options.kind) conditions.push(eq(datasets.kind, options.kind));
    const allowed = await allowedCodesFor(actor);
    if (allowed) conditions.push(arrayContained(datasets.providerCodes, [...allowed]));
    const rows = await db
      .select()
      .from(datasets)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(datasets.createdAt), desc(datasets.id))
      .limit(options.limit + 1)
      .offset(options.offset);
    return { items: rows.slice(0, options.limit).map(presentDataset), more: rows.length > options.limit };
  }

  return { importFile, list, keyId: pseudonymiser.keyId, hashClientRef: pseudonymiser.hash };
}

export type DatasetsService = ReturnType<typeof createDatasetsService>;
