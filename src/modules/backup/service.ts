import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { sql } from "drizzle-orm";
import * as tar from "tar";
import type { ChainVerdict } from "../../domain/audit-chain.js";
import {
  CHAIN_RECORDED_TABLES,
  rowsAgainstChain,
  type AuditFact,
  type RowMismatch,
  type RowValues,
} from "../../domain/audit-rows.js";
import { SYSTEM_ACTOR } from "../../domain/policy.js";
import { executeRows, type Database, type Executor } from "../../db/client.js";
import { markUnaudited, recordAudit, verifyAuditChain } from "../audit/service.js";
import type { BlobStorage } from "../documents/store.js";
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  documentFile,
  manifestSchema,
  SIGNATURE_FILE,
  tableFile,
  type Manifest,
} from "./manifest.js";
import { manifestSignatureValid, signManifest } from "./signature.js";
import {
  backedUpTables,
  isBackupValue,
  readExpression,
  REFERENCE_TABLES,
  schemaTables,
  SKIPPED_TABLES,
  writeExpression,
  type BackupValue,
  type TableSpec,
} from "./tables.js";

/**
 * Backup and restore (docs/architecture.md: "a consistent copy of the database and documents").
 *
 * The archive is engine-neutral, so a backup of the embedded database restores onto PostgreSQL and back:
 * a .tar.gz holding manifest.json, one JSON-lines file per table (tables/<name>.jsonl) and the stored
 * documents (documents/<sha256>). The manifest records the migrations, each table's columns and row
 * count, and the SHA-256 of every part, so a damaged archive is refused before anything is changed.
 */

/** A backup or restore that was refused; nothing was changed. */
export class BackupRefusedError extends Error {}

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

export async function createBackup(options: BackupOptions): Promise<BackupSummary> {
  const { database, storage, log = () => undefined, pageSize = 1_000 } = options;
  const file = path.resolve(options.file);
  if (fs.existsSync(file) && !options.overwrite)
    throw new BackupRefusedError(`${file} already exists: choose another name, or add --force to replace it`);
  if (!fs.existsSync(path.dirname(file)))
    throw new BackupRefusedError(`The folder ${path.dirname(file)} does not exist`);

  // Parts are written beside the archive (the disk that will hold it), then packed and renamed into place,
  // so an interrupted backup never leaves a half-written file under the final name.
  const staging = `${file}.partial-${randomBytes(4).toString("hex")}`;
  const partial = `${staging}.tar.gz`;
  fs.mkdirSync(path.join(staging, "tables"), { recursive: true });
  fs.mkdirSync(path.join(staging, "documents"));
  try {
    const tables = backedUpTables();
    // One REPEATABLE READ transaction: every table is read from the same snapshot.
    const snapshot = await database.db.transaction(
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

    // The documents are those the snapshot's `blobs` table lists: content-addressed and never changed,
    // so copying them after the snapshot still gives a consistent set.
    const documents: Manifest["documents"] = [];
    for await (const hash of blobHashes(path.join(staging, tableFile("blobs")))) {
      const target = path.join(staging, documentFile(hash));
      let copied: { sha256: string; bytes: number };
      try {
        copied = await copyHashing(storage.read(hash), target);
      } catch (error) {
        throw new BackupRefusedError(
          `Document ${hash} is listed in the database but could not be read from ${storage.root}: ${(error as Error).message}`,
        );
      }
      if (copied.sha256 !== hash)
        throw new BackupRefusedError(
          `Document ${hash} in ${storage.root} is damaged: its bytes hash to ${copied.sha256}`,
        );
      documents.push({ file: documentFile(hash), bytes: copied.bytes, sha256: hash });
    }
    if (documents.length > 0)
      log(`  ${"documents".padEnd(24)} ${String(documents.length).padStart(8)} files`);

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
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, "utf8");
    fs.writeFileSync(path.join(staging, "manifest.json"), manifestBytes);
    fs.writeFileSync(
      path.join(staging, SIGNATURE_FILE),
      `${signManifest(manifestBytes, options.sessionSecret)}\n`,
    );

    // The backup holds personal data and sealed tenders: readable by its owner only.
    fs.writeFileSync(partial, "", { mode: 0o600 });
    await tar.create({ file: partial, cwd: staging, gzip: true, portable: true }, [
      "manifest.json",
      SIGNATURE_FILE,
      "tables",
      "documents",
    ]);
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

async function migrationState(executor: Executor): Promise<Manifest["migrations"]> {
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

/** Streams one table to a JSON-lines file in pages of `pageSize` rows, ordered by id. */
async function writeTable(
  executor: Executor,
  table: TableSpec,
  target: string,
  pageSize: number,
): Promise<Manifest["tables"][number]> {
  if (!table.columns.some((c) => c.name === "id"))
    throw new Error(`table ${table.name} has no id column (docs/architecture.md: every table has one)`);
  const out = hashingWriter(target);
  const select = sql.join(
    table.columns.map((c) => sql`${readExpression(c)} AS ${sql.identifier(c.name)}`),
    sql`, `,
  );
  let rows = 0;
  let last: string | null = null;
  try {
    for (;;) {
      const after: ReturnType<typeof sql> = last === null ? sql`` : sql`WHERE "id" > ${last}::uuid`;
      const page = await executeRows<Record<string, unknown>>(
        executor,
        sql`SELECT ${select} FROM ${sql.identifier(table.name)} ${after} ORDER BY "id" LIMIT ${pageSize}`,
      );
      for (const row of page) {
        const record: Record<string, BackupValue> = {};
        for (const c of table.columns) {
          const value = row[c.name] ?? null;
          if (!isBackupValue(value))
            throw new Error(`${table.name}.${c.name} was read as ${typeof value}, not as JSON text`);
          record[c.name] = value;
        }
        await out.write(`${JSON.stringify(record)}\n`);
        rows++;
      }
      const tail = page.at(-1);
      if (page.length < pageSize || !tail) break;
      last = String(tail.id);
    }
  } finally {
    await out.close();
  }
  return {
    name: table.name,
    file: tableFile(table.name),
    rows,
    bytes: out.bytes(),
    sha256: out.sha256(),
    columns: table.columns,
  };
}

function hashingWriter(target: string) {
  const stream = fs.createWriteStream(target);
  const hash = createHash("sha256");
  let bytes = 0;
  let failure: Error | undefined;
  stream.on("error", (error) => (failure = error));
  return {
    async write(text: string) {
      if (failure) throw failure;
      const chunk = Buffer.from(text, "utf8");
      hash.update(chunk);
      bytes += chunk.length;
      if (!stream.write(chunk))
        await new Promise<void>((resolve, reject) => {
          stream.once("drain", resolve);
          stream.once("error", reject);
        });
    },
    async close() {
      await new Promise<void>((resolve, reject) => {
        stream.end(() => {
          if (failure) reject(failure);
          else resolve();
        });
      });
    },
    bytes: () => bytes,
    sha256: () => hash.digest("hex"),
  };
}

async function* blobHashes(blobsFile: string): AsyncIterable<string> {
  for await (const record of readJsonLines(blobsFile)) {
    const hash = record.value.sha256;
    if (typeof hash !== "string" || !/^[0-9a-f]{64}$/.test(hash))
      throw new Error(`blobs row on line ${record.line} has no SHA-256`);
    yield hash;
  }
}

async function* readJsonLines(file: string): AsyncIterable<{ line: number; value: Record<string, unknown> }> {
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new BackupRefusedError(`Line ${line} of ${path.basename(file)} is not JSON`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new BackupRefusedError(`Line ${line} of ${path.basename(file)} is not a JSON object`);
    yield { line, value: value as Record<string, unknown> };
  }
}

/** Copies a stream to a file, returning the SHA-256 and size of the bytes copied. */
async function copyHashing(
  source: NodeJS.ReadableStream,
  target: string,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  await pipeline(
    source,
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    }),
    fs.createWriteStream(target),
  );
  return { sha256: hash.digest("hex"), bytes };
}

async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

// ---------------------------------------------------------------------------------------------------------

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
    const manifest = await unpack(file, staging);
    const signatureVerified = checkSignature(staging, options);
    if (!signatureVerified) log("  The manifest's signature was not checked (--skip-signature-check).");
    const pseudonymisationKey = checkPseudonymisationKey(manifest, options);
    await checkParts(manifest, staging);
    const order = checkCompatible(manifest, await appliedMigrationHashes(database.db));

    for (const doc of manifest.documents) {
      if (await storage.exists(doc.sha256)) continue;
      const stored = await storage.put(
        fs.createReadStream(path.join(staging, doc.file)),
        Number.MAX_SAFE_INTEGER,
      );
      if (stored.sha256 !== doc.sha256)
        throw new BackupRefusedError(
          `Document ${doc.sha256} changed while it was copied into ${storage.root}`,
        );
    }
    if (manifest.documents.length > 0)
      log(`  ${"documents".padEnd(24)} ${String(manifest.documents.length).padStart(8)} files`);

    const result = await database.db.transaction(async (tx) => {
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
      if (!audit.ok && !options.allowBrokenAuditChain)
        throw new BackupRefusedError(
          `The restored audit chain does not verify: record ${audit.brokenAt.seq} (${audit.brokenAt.id}) ${audit.brokenAt.reason}. ` +
            "Nothing was restored. Add --allow-broken-audit-chain to restore it anyway.",
        );
      const checked = await checkRowsAgainstChain(tx);
      if (checked.problems.length > 0 && !options.allowBrokenAuditChain) {
        const shown = checked.problems.slice(0, 5).map((p) => `${p.table} row ${p.id} ${p.problem}`);
        const more = checked.problems.length - shown.length;
        throw new BackupRefusedError(
          `The backup's rows do not match what the audit trail records: ${shown.join("; ")}${more > 0 ? ` (and ${more} more)` : ""}. ` +
            "The rows were changed outside the application. Nothing was restored. Add --allow-broken-audit-chain to restore it anyway.",
        );
      }
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
          signatureVerified,
          rowsMatchingAuditTrail: checked.problems.length === 0,
          pseudonymisationKey,
        },
      });
      return { tables, audit, checked };
    });
    return {
      createdAt: manifest.createdAt,
      sourceEngine: manifest.source.engine,
      tables: result.tables,
      documents: manifest.documents.length,
      audit: result.audit,
      signatureVerified,
      rowsChecked: result.checked.tables,
      rowProblems: result.checked.problems,
      pseudonymisationKey,
    };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Tables whose rows make a database "not empty": all but reference data and skipped sign-in state. */
async function refuseUnlessEmpty(executor: Executor): Promise<void> {
  const busy: TableCount[] = [];
  for (const table of schemaTables()) {
    if (SKIPPED_TABLES.includes(table.name) || REFERENCE_TABLES.includes(table.name)) continue;
    const [row] = await executeRows<{ n: number }>(
      executor,
      sql`SELECT count(*)::int AS n FROM ${sql.identifier(table.name)}`,
    );
    if ((row?.n ?? 0) > 0) busy.push({ name: table.name, rows: row?.n ?? 0 });
  }
  if (busy.length > 0)
    throw new BackupRefusedError(
      `The database is not empty (${busy.map((b) => `${b.name}: ${b.rows}`).join(", ")}): ` +
        "a backup is restored only into a new, empty database. Nothing was changed.",
    );
}

const ARCHIVE_ENTRY =
  /^(manifest\.json|manifest\.sig|tables\/[a-z_][a-z0-9_]*\.jsonl|documents\/[0-9a-f]{64})$/;

async function unpack(file: string, staging: string): Promise<Manifest> {
  try {
    await tar.extract({
      file,
      cwd: staging,
      strict: true,
      // Only the parts a backup has, and only plain files: nothing can land outside the folder.
      filter: (entryPath, entry) =>
        ARCHIVE_ENTRY.test(entryPath.replace(/^\.\//, "")) && "type" in entry && entry.type === "File",
    });
  } catch (error) {
    throw new BackupRefusedError(
      `${file} could not be read as a backup (.tar.gz): ${(error as Error).message}`,
    );
  }
  const manifestPath = path.join(staging, "manifest.json");
  if (!fs.existsSync(manifestPath))
    throw new BackupRefusedError(`${file} is not a Commissioner backup: it has no manifest.json`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  } catch {
    throw new BackupRefusedError(`The manifest.json in ${file} is not JSON`);
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new BackupRefusedError(
      `The manifest.json in ${file} is not a Commissioner backup manifest (format ${BACKUP_FORMAT_VERSION}): ` +
        (issue ? `${issue.path.join(".")}: ${issue.message}` : "not valid"),
    );
  }
  return result.data;
}

/** The manifest was signed with this installation's SESSION_SECRET; false when told not to check. */
function checkSignature(staging: string, options: RestoreOptions): boolean {
  if (options.skipSignatureCheck) return false;
  const signatureFile = path.join(staging, SIGNATURE_FILE);
  const advice =
    "Restore it with the SESSION_SECRET of the installation that made it (DATA_DIR/session-secret there, " +
    "or the SESSION_SECRET setting), or add --skip-signature-check if you trust the file: its rows are then " +
    "still checked against the audit trail. Nothing was changed.";
  if (!fs.existsSync(signatureFile))
    throw new BackupRefusedError(
      `The backup is not signed (it has no ${SIGNATURE_FILE}: made by an older version, or not by Commissioner). ${advice}`,
    );
  const manifest = fs.readFileSync(path.join(staging, "manifest.json"));
  const signature = fs.readFileSync(signatureFile, "utf8").trim();
  if (!manifestSignatureValid(manifest, signature, options.sessionSecret))
    throw new BackupRefusedError(
      "The backup's signature does not verify: its manifest was changed after the backup was made, " +
        `or it was made by an installation with another SESSION_SECRET. ${advice}`,
    );
  return true;
}

/**
 * The datasets' client hashes are keyed by PSEUDONYMISATION_SECRET: restored under another key, the next
 * import would be refused (the datasets module never mixes keys). So a restore under another key is
 * refused before anything changes, unless asked for.
 */
function checkPseudonymisationKey(
  manifest: Manifest,
  options: RestoreOptions,
): RestoreSummary["pseudonymisationKey"] {
  const named = manifest.pseudonymisationKeyId;
  if (named === undefined) return "unnamed";
  if (named === options.pseudonymisationKeyId) return "same";
  if (options.newPseudonymisationKey) return "new";
  throw new BackupRefusedError(
    `The backup was made under the pseudonymisation key ${named}, and this installation's PSEUDONYMISATION_SECRET is ${options.pseudonymisationKeyId}. ` +
      "Set PSEUDONYMISATION_SECRET to the key of the installation that made the backup (DATA_DIR/pseudonymisation-secret there) and run the restore again. " +
      "Or add --new-pseudonymisation-key to keep this installation's key: client identifiers imported from then on cannot be matched with the restored ones, " +
      "and imports are refused while datasets hashed under the old key are active. Nothing was changed.",
  );
}

/** The rows of the tables the chain records (domain/audit-rows.ts), checked against its records. */
async function checkRowsAgainstChain(
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
      summary:
        typeof f.summary === "object" && f.summary !== null ? (f.summary as Record<string, unknown>) : {},
    }));
    problems.push(...rowsAgainstChain(spec, recorded, rows));
    tables.push({ name: spec.table, rows: rows.length });
  }
  return { tables, problems };
}

/** Every part is present and has the SHA-256 and size the manifest gives it. */
async function checkParts(manifest: Manifest, staging: string): Promise<void> {
  const parts = [
    ...manifest.tables.map((t) => ({ expected: tableFile(t.name), ...t })),
    ...manifest.documents.map((d) => ({ expected: documentFile(d.sha256), ...d })),
  ];
  for (const part of parts) {
    if (part.file !== part.expected)
      throw new BackupRefusedError(`The manifest names ${part.file} where ${part.expected} was expected`);
    const full = path.join(staging, part.file);
    if (!fs.existsSync(full))
      throw new BackupRefusedError(`The backup is incomplete: ${part.file} is missing`);
    const actual = await hashFile(full);
    if (actual.sha256 !== part.sha256 || actual.bytes !== part.bytes)
      throw new BackupRefusedError(
        `The backup is damaged: ${part.file} does not match the SHA-256 and size in its manifest. Nothing was changed.`,
      );
  }
}

interface PlannedTable {
  table: TableSpec;
  part: Manifest["tables"][number];
}

/** The backup's tables in foreign-key order, once its migrations and columns are known to this version. */
function checkCompatible(manifest: Manifest, targetMigrations: string[]): PlannedTable[] {
  const { count, lastHash } = manifest.migrations;
  if (count > targetMigrations.length)
    throw new BackupRefusedError(
      `The backup was made by a newer version of Commissioner (${count} migrations; this one has ${targetMigrations.length}). Restore it with that version or a later one.`,
    );
  if (count > 0 && targetMigrations[count - 1] !== lastHash)
    throw new BackupRefusedError(
      `The backup's migrations (${count}, last ${String(lastHash).slice(0, 12)}) are not this version's: it was made by a different Commissioner.`,
    );
  const known = new Map(schemaTables().map((t) => [t.name, t]));
  const parts = new Map(manifest.tables.map((p) => [p.name, p]));
  for (const part of manifest.tables) {
    const table = known.get(part.name);
    if (!table || SKIPPED_TABLES.includes(part.name))
      throw new BackupRefusedError(
        `The backup holds a table "${part.name}" that this version does not restore`,
      );
    const missing = part.columns.filter((c) => !table.columns.some((t) => t.name === c.name));
    if (missing.length > 0)
      throw new BackupRefusedError(
        `The backup's table ${part.name} has columns this version does not have: ${missing.map((c) => c.name).join(", ")}`,
      );
  }
  return schemaTables().flatMap((table) => {
    const part = parts.get(table.name);
    return part ? [{ table, part }] : [];
  });
}

/** Inserts one table's rows from its JSON-lines file, in multi-row statements (one statement per call). */
async function insertTable(
  executor: Executor,
  table: TableSpec,
  part: Manifest["tables"][number],
  file: string,
): Promise<number> {
  const columns = part.columns.map((c) => {
    const target = table.columns.find((t) => t.name === c.name);
    if (!target) throw new Error(`column ${table.name}.${c.name} is not in the schema`);
    return target;
  });
  const batchSize = Math.max(1, Math.min(500, Math.floor(20_000 / Math.max(1, columns.length))));
  const columnList = sql.join(
    columns.map((c) => sql.identifier(c.name)),
    sql`, `,
  );
  let batch: BackupValue[][] = [];
  let rows = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const values = sql.join(
      batch.map(
        (row) =>
          sql`(${sql.join(
            row.map((v, i) => writeExpression(columns[i]?.type ?? "text", v)),
            sql`, `,
          )})`,
      ),
      sql`, `,
    );
    await executor.execute(sql`INSERT INTO ${sql.identifier(table.name)} (${columnList}) VALUES ${values}`);
    batch = [];
  };
  for await (const { line, value } of readJsonLines(file)) {
    const row = columns.map((c) => {
      const v = value[c.name];
      if (!isBackupValue(v))
        throw new BackupRefusedError(`Line ${line} of ${part.file} has no valid value for ${c.name}`);
      return v;
    });
    batch.push(row);
    rows++;
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  if (rows !== part.rows)
    throw new BackupRefusedError(`${part.file} holds ${rows} rows where its manifest says ${part.rows}`);
  return rows;
}
