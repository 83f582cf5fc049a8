import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { PGlite } from "@electric-sql/pglite";
import { eq, sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { executeRows, type Database, type Db, type Executor } from "../../db/client.js";
import * as schema from "../../db/schema/index.js";
import { datasets } from "../../db/schema/index.js";
import { DATASET_KINDS, FORMATS, type DatasetKind } from "../../domain/indicators/formats.js";
import type { Clock } from "../../domain/clock.js";
import { can, isStaff, type Actor } from "../../domain/policy.js";
import { ConflictError, ForbiddenError } from "../../errors.js";
import { recordAudit } from "../audit/service.js";
import { ROW_TABLES, copyIntoPglite, copyStatement, storedColumns, type CopyTransaction } from "./copy.js";
import { checkIds, lockKind } from "./id-checks.js";
import { presentDataset } from "./presenter.js";
import { DatasetRefusedError, refuseUnreadableOrForeign } from "./problems.js";
import { createPseudonymiser, type Pseudonymiser } from "./pseudonymiser.js";
import { activeUnderOtherKey, allowedCodesFor, listDatasets, namesByCode, providerCodes } from "./queries.js";
import { CopyIn, FileWriter } from "./row-sinks.js";
import { datasetFigures, scanFile, type ScanOptions, type ScanResult } from "./scan.js";
import { spool, type ImportWorkspace } from "./workspace.js";

export { DATASET_KINDS, DatasetRefusedError, type DatasetKind };

/** Largest data file accepted (a million treatment episodes is about 120 MB). */
export const DATASET_MAX_BYTES = 1024 * 1024 * 1024;

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

/** One import under way: who asked for what, and how its file is read. */
interface ImportRun {
  database: Database;
  pseudonymiser: Pseudonymiser;
  actor: Actor;
  request: ImportRequest;
  scanOptions: Omit<ScanOptions, "rows">;
}

/** Thrown inside the streaming import's transaction to roll it back; the problems are found after. */
class ImportRefused extends Error {
  constructor(
    readonly scan: ScanResult,
    readonly failure: Error | null,
  ) {
    super("the import was refused");
  }
}

/** drizzle's node-postgres database keeps its pool as `$client`. */
function poolOf(db: Db): pg.Pool {
  const client: unknown = "$client" in db ? db.$client : undefined;
  if (!(client instanceof pg.Pool)) throw new Error("a PostgreSQL database without its pool");
  return client;
}

/**
 * Runs `work` in one transaction on a connection of its own that can also COPY: PGlite's transaction
 * (COPY from /dev/blob), or a pooled pg client (COPY FROM STDIN with pg-copy-streams). Throwing rolls
 * everything back, the COPY included.
 */
async function withCopyTransaction<T>(
  database: Database,
  work: (tx: CopyTransaction) => Promise<T>,
): Promise<T> {
  if (database.kind === "pglite") {
    const engine = database.pglite;
    if (!engine) throw new Error("embedded database without its engine");
    return engine.transaction(async (tx) => {
      // Drizzle on the transaction: its queries run inside it (PGlite's transaction holds the engine).
      // drizzle's driver runs on a transaction as on the engine, but is typed for the engine alone: no
      // runtime check can make a Transaction a PGlite, so this stays a cast.
      const db: Db = drizzlePglite(tx as unknown as PGlite, { schema });
      return work({
        db,
        copyFile: (table, columns, file) => copyIntoPglite(tx, table, columns, file),
        copyIn: () => null,
      });
    });
  }
  const client = await poolOf(database.db).connect();
  const copyFromStdin = (table: string, columns: readonly string[]) =>
    client.query(copyFrom(copyStatement(table, columns, "STDIN")));
  try {
    await client.query("BEGIN");
    const result = await work({
      db: drizzlePg(client, { schema }),
      copyFile: (table, columns, file) => pipeline(fs.createReadStream(file), copyFromStdin(table, columns)),
      copyIn: (table, columns) => new CopyIn(copyFromStdin(table, columns)),
    });
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (error) {
    const rolledBack = await client.query("ROLLBACK").then(
      () => true,
      () => false,
    );
    // A connection that cannot even roll back is closed rather than handed to the next query.
    client.release(!rolledBack);
    throw error;
  }
}

/** Client hashes under one key only: a changed PSEUDONYMISATION_SECRET would split every client in two. */
async function checkKey(db: Executor, keyId: string) {
  if (await activeUnderOtherKey(db, keyId))
    throw new ConflictError(
      "Earlier imports were pseudonymised with a different key: PSEUDONYMISATION_SECRET has changed since they were imported. " +
        "Client identifiers hashed under two keys cannot be matched, so nothing can be imported until the earlier PSEUDONYMISATION_SECRET is restored.",
    );
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

/** The audit records of an import (and of the datasets whose rows it replaced); returns its outcome. */
async function finish(
  tx: CopyTransaction,
  run: ImportRun,
  scan: ScanResult,
  replaced: { dataset_id: string; n: number }[],
): Promise<ImportOutcome> {
  const { actor, request } = run;
  const { datasetId } = run.scanOptions;
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
    action: request.replace ? "imported-as-replacement" : "imported",
    summary: {
      kind: request.kind,
      fileName: request.fileName,
      sha256: scan.sha256,
      bytes: scan.bytes,
      rows: scan.rows,
      providerCodes: scan.providerCodes,
      periodStart: scan.periodStart,
      periodEnd: scan.periodEnd,
      replace: request.replace,
      replacedRows,
      replacedDatasetIds,
    },
  });
  return { datasetId, rows: scan.rows, replacedRows, replacedDatasetIds };
}

/** The dataset row's own columns: which import, of what file, by whom, under which key. */
function datasetIdentity(run: ImportRun) {
  return {
    id: run.scanOptions.datasetId,
    kind: run.request.kind,
    fileName: run.request.fileName,
    keyId: run.pseudonymiser.keyId,
    uploadedBy: run.actor.id,
    uploadedByLabel: run.actor.label,
  };
}

/** The file's rows, already read into `rowsFile`, loaded in one transaction after the checks. */
async function load(tx: CopyTransaction, run: ImportRun, scan: ScanResult, rowsFile: string) {
  const { kind, replace } = run.request;
  await lockKind(tx, kind);
  await checkIds(tx, kind, replace, scan, run.scanOptions.idsFile, isStaff(run.actor.roles));
  run.request.onProgress?.({ phase: "loading", rows: scan.rows });
  const replaced = replace ? await replaceRows(tx.db, kind) : [];
  await tx.db.insert(datasets).values({
    ...datasetIdentity(run),
    ...datasetFigures(scan),
    replacedRows: replaced.reduce((sum, r) => sum + r.n, 0),
    replacesDatasetIds: replaced.map((r) => r.dataset_id),
  });
  await tx.copyFile(ROW_TABLES[kind], storedColumns(kind), rowsFile);
  return finish(tx, run, scan, replaced);
}

/**
 * The file read twice over: checked to temporary files with no transaction open, then loaded. For
 * PGlite (which runs in this thread: nothing to overlap, and its transaction holds the whole engine,
 * so it is kept short) and for replacements (the rows they replace are deleted before the new ones go
 * in, and which those are is known only once the whole file has been read).
 */
async function importInTwoPasses(run: ImportRun, work: string): Promise<ImportOutcome> {
  const rowsFile = path.join(work, "rows.copy");
  const rows = new FileWriter(rowsFile);
  let scan: ScanResult;
  try {
    scan = await scanFile(run.request.input, { ...run.scanOptions, rows });
  } finally {
    await rows.close();
  }
  refuseUnreadableOrForeign(scan, run.scanOptions.allowedCodes);
  run.request.onProgress?.({ phase: "checking", rows: scan.rows });
  return withCopyTransaction(run.database, (tx) => load(tx, run, scan, rowsFile));
}

/**
 * The streaming import's transaction: the dataset's row, then the rows through COPY as the file is
 * read. Throws ImportRefused, to roll it back, when the file or the COPY is refused.
 */
async function streamRows(tx: CopyTransaction, run: ImportRun): Promise<ImportOutcome> {
  const { kind, datasetId } = run.scanOptions;
  const { request } = run;
  await lockKind(tx, kind);
  // The rows' foreign key needs their dataset before COPY ends; its figures come from the file, so
  // it goes in now with none and gets them once the file has been read.
  await tx.db.insert(datasets).values({
    ...datasetIdentity(run),
    sha256: "",
    bytes: 0,
    rows: 0,
    activeRows: 0,
    periodStart: "1970-01-01",
    periodEnd: "1970-01-01",
  });
  const copy = tx.copyIn(ROW_TABLES[kind], storedColumns(kind));
  if (!copy) throw new Error("streaming COPY needs PostgreSQL");
  let scan: ScanResult;
  try {
    scan = await scanFile(request.input, { ...run.scanOptions, rows: copy });
  } catch (error) {
    await copy.abort();
    throw error;
  }
  if (scan.unreadable || scan.foreignCodes.length > 0 || scan.totalErrors > 0 || copy.failure) {
    const failure = copy.failure;
    await copy.abort();
    throw new ImportRefused(scan, failure);
  }
  request.onProgress?.({ phase: "checking", rows: scan.rows });
  request.onProgress?.({ phase: "loading", rows: scan.rows });
  try {
    await copy.end();
  } catch (error) {
    throw new ImportRefused(scan, error instanceof Error ? error : new Error(String(error)));
  }
  await tx.db.update(datasets).set(datasetFigures(scan)).where(eq(datasets.id, datasetId));
  return finish(tx, run, scan, []);
}

/**
 * The file read once, its rows going straight into COPY inside the import's transaction (PostgreSQL):
 * the server loads and indexes one batch while the next is read and checked. The unique index on the
 * ids stands in for the duplicate checks: a file it refuses, or one with any other problem, is rolled
 * back whole, and its problems are then found as in two passes, from the ids written on the way.
 */
async function importStreaming(run: ImportRun): Promise<ImportOutcome> {
  let refused: ImportRefused;
  try {
    return await withCopyTransaction(run.database, (tx) => streamRows(tx, run));
  } catch (error) {
    if (!(error instanceof ImportRefused)) throw error;
    refused = error;
  }
  // Rolled back: now say why, as the two passes would have.
  const { scan, failure } = refused;
  refuseUnreadableOrForeign(scan, run.scanOptions.allowedCodes);
  run.request.onProgress?.({ phase: "checking", rows: scan.rows });
  await withCopyTransaction(run.database, async (tx) => {
    await lockKind(tx, run.scanOptions.kind);
    await checkIds(tx, run.scanOptions.kind, false, scan, run.scanOptions.idsFile, isStaff(run.actor.roles));
  });
  // No problem in the file, nor among its ids: the database refused the COPY for another reason.
  throw failure ?? new Error("the import was refused without a reason");
}

/**
 * Imports one file, all or nothing. Throws DatasetRefusedError (422) with the problems, ForbiddenError
 * (403) when a provider's file has rows of other providers, ConflictError (409) when the key changed.
 */
async function importFile(
  importer: { database: Database; pseudonymiser: Pseudonymiser; workspace: ImportWorkspace; clock: Clock },
  actor: Actor,
  request: ImportRequest,
): Promise<ImportOutcome> {
  if (!can(actor, "datasets:import")) throw new ForbiddenError("Your roles do not allow importing data");
  if (request.replace && !can(actor, "datasets:replace"))
    throw new ForbiddenError("Your roles do not allow replacing imported data");
  const { database, pseudonymiser, workspace } = importer;
  const allowedCodes = await allowedCodesFor(database.db, actor);
  const known = await providerCodes(database.db);
  await checkKey(database.db, pseudonymiser.keyId);

  const work = workspace.create();
  const maxBytes = request.maxBytes ?? DATASET_MAX_BYTES;
  try {
    const scanOptions: Omit<ScanOptions, "rows"> = {
      kind: request.kind,
      datasetId: randomUUID(),
      context: { isProviderCode: (code) => known.has(code), today: importer.clock.today() },
      allowedCodes,
      pseudonymiser,
      idsFile: path.join(work, "ids.copy"),
      maxBytes,
      onProgress: (p) => request.onProgress?.({ phase: "reading", ...p }),
    };
    const run: ImportRun = { database, pseudonymiser, actor, request, scanOptions };
    if (request.replace || database.kind === "pglite") return await importInTwoPasses(run, work);
    // An upload arrives at the sender's pace: it is kept on disk first, so that the transaction (a
    // pooled connection, and the lock on imports of its kind) is held only while the rows are read.
    const input =
      request.input instanceof fs.ReadStream
        ? request.input
        : await spool(request.input, path.join(work, "upload.csv"), maxBytes);
    return await importStreaming({ ...run, request: { ...request, input } });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
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
  clock: Clock,
) {
  const pseudonymiser = createPseudonymiser(installationSecret);
  // At start: what imports killed mid-way left behind goes before any new import begins.
  workspace.clean();
  const importer = { database, pseudonymiser, workspace, clock };
  return {
    importFile: (actor: Actor, request: ImportRequest) => importFile(importer, actor, request),
    /** Datasets, newest first; a provider's users see those holding only their own provider codes. */
    async list(actor: Actor, options: { kind?: DatasetKind | undefined; limit: number; offset: number }) {
      const page = await listDatasets(database.db, actor, options);
      return { items: page.rows.map(presentDataset), more: page.more };
    },
    providerNames: () => namesByCode(database.db),
    keyId: pseudonymiser.keyId,
    hashClientRef: pseudonymiser.hash,
  };
}
