import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
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
import { ConflictError, ForbiddenError, ProblemError } from "../../errors.js";
import { recordAudit } from "../audit/service.js";
import {
  FileTooLargeError,
  FileWriter,
  MAX_REPORTED_ERRORS,
  ROW_TABLES,
  createPseudonymiser,
  scanFile,
  storedColumns,
  withCopyTransaction,
  type CopyTransaction,
  type ScanOptions,
  type ScanResult,
} from "./import.js";
import type { ImportWorkspace } from "./workspace.js";

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
  /** Replace earlier rows of the same provider that have the same ids (docs/indicators.md: explicit). */
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

/** Thrown inside the streaming import's transaction to roll it back; the problems are found after. */
class ImportRefused extends Error {}

/** Copies an upload to `file` (up to `maxBytes`), and returns the file as a stream to import. */
async function spool(input: Readable, file: string, maxBytes: number): Promise<Readable> {
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(bytes > maxBytes ? new FileTooLargeError(maxBytes) : null, chunk);
    },
  });
  await pipeline(input, limit, fs.createWriteStream(file));
  return fs.createReadStream(file);
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
 * Client-level data imports. One use case, `importFile`: read and check the whole
 * file as a stream, then in one transaction check ids against the file itself and the stored data,
 * replace superseded rows when asked, COPY the rows in, and write the audit record.
 *
 * Replacement, when asked for (`replace`), is by id: each stored row of the same kind, with the same id
 * and the same provider code as a row of the new file, is deleted and the new row takes its place. Rows
 * of the earlier file that the new one does not mention stay. An earlier dataset all of whose rows have
 * been replaced is marked `replaced`. Without `replace`, an id that is already stored is an error.
 */
export function createDatasetsService(
  database: Database,
  installationSecret: string,
  workspace: ImportWorkspace,
) {
  const db = database.db;
  const pseudonymiser = createPseudonymiser(installationSecret);
  // At start: what imports killed mid-way left behind goes before any new import begins.
  workspace.clean();

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

  /**
   * Ids repeated in the file, and ids already stored, as row problems (the file's ids are in `import_ids`).
   * Only staff, who see every provider's data, are told that an id belongs to another provider; a
   * provider's users hear "already imported" only of their own provider code's rows, and of another
   * provider's id only that it cannot be used, so that the report is no way to look up which ids
   * (treatment episodes, stays, referrals) other providers hold (docs/security.md).
   */
  async function idProblems(tx: Executor, kind: DatasetKind, replace: boolean, seesAllProviders: boolean) {
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
        : seesAllProviders
          ? `${name} ${quote(r.id)} is already used by another provider's ${format.rowName}: ids must be unique across providers`
          : `${name} ${quote(r.id)} cannot be used: choose another id. Ids must be unique across every provider's data; starting each with your provider code keeps them apart`,
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

  async function lockKind(tx: CopyTransaction, kind: DatasetKind) {
    await tx.db.execute(
      sql`SELECT pg_advisory_xact_lock(${IMPORT_LOCK_KEY_BASE + DATASET_KINDS.indexOf(kind)})`,
    );
  }

  /**
   * Checks the file's ids (in `idsFile`) against each other and the stored rows, and refuses the file
   * with every problem, the row problems of the scan included (docs/indicators.md: every bad row, line and
   * column). Leaves the ids in `import_ids` for `replaceRows`.
   */
  async function checkIds(
    tx: CopyTransaction,
    kind: DatasetKind,
    replace: boolean,
    scan: ScanResult,
    idsFile: string,
    seesAllProviders: boolean,
  ) {
    // PGlite runs one statement per call: each of these is its own.
    await tx.db.execute(
      sql`CREATE TEMP TABLE import_ids (line integer NOT NULL, id text NOT NULL, provider_code text NOT NULL) ON COMMIT DROP`,
    );
    await tx.copyFile("import_ids", ["line", "id", "provider_code"], idsFile);
    await tx.db.execute(sql`CREATE INDEX ON import_ids (id)`);
    await tx.db.execute(sql`ANALYZE import_ids`);
    const ids = await idProblems(tx.db, kind, replace, seesAllProviders);
    const totalErrors = scan.totalErrors + ids.total;
    if (totalErrors > 0) throw new DatasetRefusedError(mergeReports(scan.errors, ids.rows), totalErrors);
  }

  /** Refuses a file that could not be read as rows, or that has rows the importer may not import. */
  function refuseUnreadableOrForeign(scan: ScanResult, allowedCodes: ReadonlySet<string> | null) {
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
  }

  /** The dataset row's figures from the file, once it has been read. */
  function figures(scan: ScanResult) {
    const { periodStart, periodEnd } = scan;
    if (periodStart === null || periodEnd === null) throw new Error("a file without errors has dates");
    return {
      providerCodes: scan.providerCodes,
      sha256: scan.sha256,
      bytes: scan.bytes,
      rows: scan.rows,
      activeRows: scan.rows,
      periodStart,
      periodEnd,
    };
  }

  /** The audit records of an import (and of the datasets whose rows it replaced); returns its outcome. */
  async function finish(
    tx: CopyTransaction,
    actor: Actor,
    request: ImportRequest,
    scan: ScanResult,
    datasetId: string,
    replaced: { dataset_id: string; n: number }[],
  ): Promise<ImportOutcome> {
    const { kind, replace } = request;
    const replacedRows = replaced.reduce((sum, r) => sum + r.n, 0);
    const replacedDatasetIds = replaced.map((r) => r.dataset_id);
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

  /** The file's rows, already read into `rowsFile`, loaded in one transaction after the checks. */
  async function load(
    tx: CopyTransaction,
    actor: Actor,
    request: ImportRequest,
    scan: ScanResult,
    datasetId: string,
    files: { rowsFile: string; idsFile: string },
  ): Promise<ImportOutcome> {
    const { kind, replace } = request;
    await lockKind(tx, kind);
    await checkIds(tx, kind, replace, scan, files.idsFile, isStaff(actor.roles));
    request.onProgress?.({ phase: "loading", rows: scan.rows });
    const replaced = replace ? await replaceRows(tx.db, kind) : [];
    await tx.db.insert(datasets).values({
      id: datasetId,
      kind,
      fileName: request.fileName,
      ...figures(scan),
      replacedRows: replaced.reduce((sum, r) => sum + r.n, 0),
      replacesDatasetIds: replaced.map((r) => r.dataset_id),
      keyId: pseudonymiser.keyId,
      uploadedBy: actor.id,
      uploadedByLabel: actor.label,
    });
    await tx.copyFile(ROW_TABLES[kind], storedColumns(kind), files.rowsFile);
    return finish(tx, actor, request, scan, datasetId, replaced);
  }

  /**
   * The file read twice over: checked to temporary files with no transaction open, then loaded. For
   * PGlite (which runs in this thread: nothing to overlap, and its transaction holds the whole engine,
   * so it is kept short) and for replacements (the rows they replace are deleted before the new ones go
   * in, and which those are is known only once the whole file has been read).
   */
  async function importInTwoPasses(
    actor: Actor,
    request: ImportRequest,
    scanOptions: Omit<ScanOptions, "rows">,
    allowedCodes: ReadonlySet<string> | null,
    work: string,
  ): Promise<ImportOutcome> {
    const rowsFile = path.join(work, "rows.copy");
    const rows = new FileWriter(rowsFile);
    let scan: ScanResult;
    try {
      scan = await scanFile(request.input, { ...scanOptions, rows });
    } finally {
      await rows.close();
    }
    refuseUnreadableOrForeign(scan, allowedCodes);
    request.onProgress?.({ phase: "checking", rows: scan.rows });
    return withCopyTransaction(database, (tx) =>
      load(tx, actor, request, scan, scanOptions.datasetId, { rowsFile, idsFile: scanOptions.idsFile }),
    );
  }

  /**
   * The file read once, its rows going straight into COPY inside the import's transaction (PostgreSQL):
   * the server loads and indexes one batch while the next is read and checked. The unique index on the
   * ids stands in for the duplicate checks: a file it refuses, or one with any other problem, is rolled
   * back whole, and its problems are then found as in two passes, from the ids written on the way.
   */
  async function importStreaming(
    actor: Actor,
    request: ImportRequest,
    scanOptions: Omit<ScanOptions, "rows">,
    allowedCodes: ReadonlySet<string> | null,
  ): Promise<ImportOutcome> {
    const { kind, datasetId } = scanOptions;
    // Set inside the transaction's callback when it rolls back to refuse the file (an object, so that
    // the checks after it see the callback's assignment).
    const outcome: { refused: { scan: ScanResult; failure: Error | null } | null } = { refused: null };
    try {
      return await withCopyTransaction(database, async (tx) => {
        await lockKind(tx, kind);
        // The rows' foreign key needs their dataset before COPY ends; its figures come from the file, so
        // it goes in now with none and gets them once the file has been read.
        await tx.db.insert(datasets).values({
          id: datasetId,
          kind,
          fileName: request.fileName,
          sha256: "",
          bytes: 0,
          rows: 0,
          activeRows: 0,
          periodStart: "1970-01-01",
          periodEnd: "1970-01-01",
          keyId: pseudonymiser.keyId,
          uploadedBy: actor.id,
          uploadedByLabel: actor.label,
        });
        const copy = tx.copyIn(ROW_TABLES[kind], storedColumns(kind));
        if (!copy) throw new Error("streaming COPY needs PostgreSQL");
        let scan: ScanResult;
        try {
          scan = await scanFile(request.input, { ...scanOptions, rows: copy });
        } catch (error) {
          await copy.abort();
          throw error;
        }
        if (scan.unreadable || scan.foreignCodes.length > 0 || scan.totalErrors > 0 || copy.failure) {
          outcome.refused = { scan, failure: copy.failure };
          await copy.abort();
          throw new ImportRefused();
        }
        request.onProgress?.({ phase: "checking", rows: scan.rows });
        request.onProgress?.({ phase: "loading", rows: scan.rows });
        try {
          await copy.end();
        } catch (error) {
          outcome.refused = { scan, failure: error instanceof Error ? error : new Error(String(error)) };
          throw new ImportRefused();
        }
        await tx.db.update(datasets).set(figures(scan)).where(eq(datasets.id, datasetId));
        return finish(tx, actor, request, scan, datasetId, []);
      });
    } catch (error) {
      if (!(error instanceof ImportRefused) || outcome.refused === null) throw error;
    }
    // Rolled back: now say why, as the two passes would have.
    const { scan, failure } = outcome.refused;
    refuseUnreadableOrForeign(scan, allowedCodes);
    request.onProgress?.({ phase: "checking", rows: scan.rows });
    await withCopyTransaction(database, async (tx) => {
      await lockKind(tx, kind);
      await checkIds(tx, kind, false, scan, scanOptions.idsFile, isStaff(actor.roles));
    });
    // No problem in the file, nor among its ids: the database refused the COPY for another reason.
    throw failure ?? new Error("the import was refused without a reason");
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

    const work = workspace.create();
    const maxBytes = request.maxBytes ?? DATASET_MAX_BYTES;
    try {
      const scanOptions: Omit<ScanOptions, "rows"> = {
        kind: request.kind,
        datasetId: randomUUID(),
        context: { isProviderCode: (code) => known.has(code) },
        allowedCodes,
        pseudonymiser,
        idsFile: path.join(work, "ids.copy"),
        maxBytes,
        onProgress: (p) => request.onProgress?.({ phase: "reading", ...p }),
      };
      if (request.replace || database.kind === "pglite")
        return await importInTwoPasses(actor, request, scanOptions, allowedCodes, work);
      // An upload arrives at the sender's pace: it is kept on disk first, so that the transaction (a
      // pooled connection, and the lock on imports of its kind) is held only while the rows are read.
      const input =
        request.input instanceof fs.ReadStream
          ? request.input
          : await spool(request.input, path.join(work, "upload.csv"), maxBytes);
      return await importStreaming(actor, { ...request, input }, scanOptions, allowedCodes);
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
