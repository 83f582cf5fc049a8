import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { ChainVerdict } from "../../domain/audit-chain.js";
import type { RowMismatch } from "../../domain/audit-rows.js";
import { SYSTEM_ACTOR } from "../../domain/policy.js";
import type { Database, Db } from "../../db/client.js";
import { markUnaudited, recordAudit, verifyAuditChain } from "../audit/service.js";
import type { BlobStorage } from "../documents/store.js";
import { checkParts, copyDocuments, pack, restoreDocuments, unpack } from "./archive.js";
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, tableFile, type Manifest } from "./manifest.js";
import { appliedMigrationHashes, checkRowsAgainstChain, migrationState } from "./queries.js";
import { BackupRefusedError } from "./refusal.js";
import {
  checkCompatible,
  checkPseudonymisationKey,
  checkSignature,
  refuseBrokenChain,
  refuseUnlessEmpty,
  refuseUnrecordedRows,
  type PlannedTable,
} from "./restore-checks.js";
import { signManifest } from "./signature.js";
import { insertTable, writeTable } from "./table-files.js";
import { backedUpTables, REFERENCE_TABLES, schemaTables, SKIPPED_TABLES } from "./tables.js";

/**
 * Backup and restore (docs/architecture.md: "a consistent copy of the database and documents").
 *
 * The archive is engine-neutral, so a backup of the embedded database restores onto PostgreSQL and back:
 * a .tar.gz holding manifest.json, one JSON-lines file per table (tables/<name>.jsonl) and the stored
 * documents (documents/<sha256>). The manifest records the migrations, each table's columns and row
 * count, and the SHA-256 of every part, so a damaged archive is refused before anything is changed.
 */

export { BackupRefusedError };

type Log = (line: string) => void;

export interface TableCount {
  name: string;
  rows: number;
}

export interface BackupOptions {
  database: Database;
  storage: BlobStorage;
  /** The archive to write (.tar.gz). */
  file: string;
  /** The installation's SESSION_SECRET: the manifest's signature key is derived from it (signature.ts). */
  sessionSecret: string;
  /** The fingerprint of the installation's PSEUDONYMISATION_SECRET, named in the manifest. */
  pseudonymisationKeyId: string;
  /** Replace the file when it exists (otherwise refused). */
  overwrite?: boolean;
  log?: Log;
  /** Rows read per query: memory stays flat whatever the table's size. */
  pageSize?: number;
}

export interface BackupSummary {
  file: string;
  tables: TableCount[];
  documents: number;
  bytes: number;
}

/** Refuses an archive name that is taken (unless told to replace it) or in a folder that does not exist. */
function refuseTarget(file: string, overwrite: boolean | undefined) {
  if (fs.existsSync(file) && !overwrite)
    throw new BackupRefusedError(`${file} already exists: choose another name, or add --force to replace it`);
  if (!fs.existsSync(path.dirname(file)))
    throw new BackupRefusedError(`The folder ${path.dirname(file)} does not exist`);
}

/** Every table written to its part in `staging`, from one REPEATABLE READ snapshot. */
async function writeSnapshot(database: Database, staging: string, pageSize: number, log: Log) {
  const tables = backedUpTables();
  // One REPEATABLE READ transaction: every table is read from the same snapshot.
  return database.db.transaction(
    async (tx) => {
      const migrations = await migrationState(tx);
      const parts: Manifest["tables"] = [];
      for (const table of tables) {
        const part = await writeTable(tx, table, path.join(staging, tableFile(table.name)), pageSize);
        parts.push(part);
        log(`  ${table.name.padEnd(24)} ${String(part.rows).padStart(8)} rows`);
      }
      return { migrations, parts };
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}

export async function createBackup(options: BackupOptions): Promise<BackupSummary> {
  const { database, storage, log = () => undefined, pageSize = 1_000 } = options;
  const file = path.resolve(options.file);
  refuseTarget(file, options.overwrite);

  // Parts are written beside the archive (the disk that will hold it), then packed and renamed into place,
  // so an interrupted backup never leaves a half-written file under the final name.
  const staging = `${file}.partial-${randomBytes(4).toString("hex")}`;
  const partial = `${staging}.tar.gz`;
  fs.mkdirSync(path.join(staging, "tables"), { recursive: true });
  fs.mkdirSync(path.join(staging, "documents"));
  try {
    const snapshot = await writeSnapshot(database, staging, pageSize, log);
    // The documents are those the snapshot's `blobs` table lists.
    const documents = await copyDocuments(storage, staging, log);
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      source: { engine: database.kind },
      migrations: snapshot.migrations,
      tables: snapshot.parts,
      pseudonymisationKeyId: options.pseudonymisationKeyId,
      skippedTables: [...SKIPPED_TABLES],
      documents,
    };
    await pack(staging, partial, manifest, (bytes) => signManifest(bytes, options.sessionSecret));
    fs.renameSync(partial, file);
    return {
      file,
      tables: snapshot.parts.map((p) => ({ name: p.name, rows: p.rows })),
      documents: documents.length,
      bytes: fs.statSync(file).size,
    };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(partial, { force: true });
  }
}

export interface RestoreOptions {
  database: Database;
  storage: BlobStorage;
  file: string;
  /** A folder for unpacking the archive (DATA_DIR): it needs room for the unpacked backup. */
  workDir: string;
  /** This installation's SESSION_SECRET, which must have signed the manifest (signature.ts). */
  sessionSecret: string;
  /** The fingerprint of this installation's PSEUDONYMISATION_SECRET. */
  pseudonymisationKeyId: string;
  /**
   * Restore an archive whose signature does not verify (made by another installation, or whose
   * SESSION_SECRET is lost). Its rows are still checked against the audit chain.
   */
  skipSignatureCheck?: boolean;
  /** Restore although the backup's datasets were pseudonymised under another key. */
  newPseudonymisationKey?: boolean;
  /**
   * Restore even when the restored audit chain does not verify, or rows do not match what it records
   * (both are still reported).
   */
  allowBrokenAuditChain?: boolean;
  log?: Log;
}

export interface RestoreSummary {
  createdAt: string;
  sourceEngine: "pglite" | "postgres";
  tables: TableCount[];
  documents: number;
  audit: ChainVerdict;
  /** Whether the manifest's signature was checked and held (false only with skipSignatureCheck). */
  signatureVerified: boolean;
  /** Rows checked against the audit chain, per table, and those that did not match. */
  rowsChecked: TableCount[];
  rowProblems: RowMismatch[];
  /** "same": the backup's key is this installation's; "new": restored under another key; "unnamed": an older backup. */
  pseudonymisationKey: "same" | "new" | "unnamed";
}

/** The restore's transaction, as `Db.transaction` hands it over. */
type RestoreTx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/** What a restore checked of the archive before it changed anything. */
interface Checked {
  manifest: Manifest;
  order: PlannedTable[];
  signatureVerified: boolean;
  pseudonymisationKey: RestoreSummary["pseudonymisationKey"];
}

/** The restore's transaction body: the tables filled, parents first, then checked against the audit chain. */
async function restoreTables(
  tx: RestoreTx,
  checked: Checked,
  staging: string,
  options: RestoreOptions,
): Promise<{
  tables: TableCount[];
  audit: ChainVerdict;
  rows: { tables: TableCount[]; problems: RowMismatch[] };
}> {
  const { manifest, order } = checked;
  const log = options.log ?? (() => undefined);
  // The rows come back as they were, with the audit chain that records them (docs/adr/0007).
  await markUnaudited(tx, "restoring a backup");
  // Nothing else writes while the tables fill (PostgreSQL: servers may run beside the CLI).
  const locked = schemaTables().filter((t) => !SKIPPED_TABLES.includes(t.name));
  await tx.execute(
    sql`LOCK TABLE ${sql.join(
      locked.map((t) => sql.identifier(t.name)),
      sql`, `,
    )} IN EXCLUSIVE MODE`,
  );
  await refuseUnlessEmpty(tx);
  for (const { table } of [...order].reverse())
    if (REFERENCE_TABLES.includes(table.name))
      await tx.execute(sql`DELETE FROM ${sql.identifier(table.name)}`);

  const tables: TableCount[] = [];
  for (const { table, part } of order) {
    const rows = await insertTable(tx, table, part, path.join(staging, part.file));
    tables.push({ name: table.name, rows });
    log(`  ${table.name.padEnd(24)} ${String(rows).padStart(8)} rows`);
  }
  const audit = await verifyAuditChain(tx);
  refuseBrokenChain(audit, options.allowBrokenAuditChain);
  const rows = await checkRowsAgainstChain(tx);
  refuseUnrecordedRows(rows.problems, options.allowBrokenAuditChain);
  await recordAudit(tx, SYSTEM_ACTOR, {
    entityType: "system",
    entityId: "database",
    action: "restored",
    summary: {
      backupCreatedAt: manifest.createdAt,
      sourceEngine: manifest.source.engine,
      rows: Object.fromEntries(tables.map((t) => [t.name, t.rows])),
      documents: manifest.documents.length,
      auditChainVerified: audit.ok,
      signatureVerified: checked.signatureVerified,
      rowsMatchingAuditTrail: rows.problems.length === 0,
      pseudonymisationKey: checked.pseudonymisationKey,
    },
  });
  return { tables, audit, rows };
}

/** The archive unpacked into `staging` and checked whole before anything is changed. */
async function checkArchive(file: string, staging: string, options: RestoreOptions): Promise<Checked> {
  const manifest = await unpack(file, staging);
  const signatureVerified = checkSignature(staging, options);
  if (!signatureVerified)
    options.log?.("  The manifest's signature was not checked (--skip-signature-check).");
  const pseudonymisationKey = checkPseudonymisationKey(manifest, options);
  await checkParts(manifest, staging);
  const order = checkCompatible(manifest, await appliedMigrationHashes(options.database.db));
  return { manifest, order, signatureVerified, pseudonymisationKey };
}

/**
 * Restores a backup into a database that holds no application data yet (a new one: migrated, with only
 * the reference data the app loads itself). All tables go in within one transaction, parents first; the
 * documents are copied in first (content-addressed, so a copy that is not used harms nothing).
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreSummary> {
  const { database, storage, log = () => undefined } = options;
  const file = path.resolve(options.file);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile())
    throw new BackupRefusedError(`There is no backup file at ${file}`);
  await refuseUnlessEmpty(database.db);

  fs.mkdirSync(options.workDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(options.workDir, "restore-"));
  try {
    const checked = await checkArchive(file, staging, options);
    const { manifest } = checked;
    await restoreDocuments(storage, manifest, staging, log);
    const result = await database.db.transaction((tx) => restoreTables(tx, checked, staging, options));
    return {
      createdAt: manifest.createdAt,
      sourceEngine: manifest.source.engine,
      tables: result.tables,
      documents: manifest.documents.length,
      audit: result.audit,
      signatureVerified: checked.signatureVerified,
      rowsChecked: result.rows.tables,
      rowProblems: result.rows.problems,
      pseudonymisationKey: checked.pseudonymisationKey,
    };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
