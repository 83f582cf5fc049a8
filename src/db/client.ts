import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import lockfile from "proper-lockfile";
import * as schema from "./schema/index.js";
import { errorCode } from "../errors.js";
import { z } from "zod";

export type Schema = typeof schema;
/** One type for both drivers: the app never needs to know which database it runs on. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema>;
/** A database handle or an open transaction: queries take either. */
export type Executor = Db | Tx;

export const migrationsFolder = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../migrations",
);

export interface Database {
  db: Db;
  kind: "pglite" | "postgres";
  /** The embedded engine, when there is one (backup, tests). */
  pglite: PGlite | undefined;
  migrate(): Promise<void>;
  /** Rows of a raw query, whichever driver answered it. */
  rows<T extends Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]>;
  close(): Promise<void>;
}

export class DataDirectoryLockedError extends Error {
  constructor(dir: string, holder?: LockHolder) {
    const who = holder ? ` (process ${holder.pid} on ${holder.host})` : "";
    super(
      `The data directory ${dir} is in use by another Commissioner process${who} (is the server running?).\n` +
        "Two processes on one embedded database lose data, so this one will not start.\n" +
        "Stop the other process first, or use the API with a token while the server runs.",
    );
  }
}

/** Key for pg_advisory_lock: any constant shared by every instance of Commissioner. */
const MIGRATION_LOCK_KEY = 741_852_963;

export async function executeRows<T extends Record<string, unknown>>(
  executor: Executor,
  query: ReturnType<typeof sql>,
): Promise<T[]> {
  // Both drivers answer with an object whose `rows` holds the records.
  const result: unknown = await executor.execute(query);
  return (result as { rows: T[] }).rows;
}

export interface OpenOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Tests pass an already-open engine (a clone of a migrated template). */
  pglite?: PGlite;
  poolSize?: number;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  if (options.pglite) return wrapPglite(options.pglite, async () => options.pglite?.close());
  return openEmbedded(options.dataDir);
}

async function openEmbedded(dataDir: string): Promise<Database> {
  fs.mkdirSync(dataDir, { recursive: true });
  const release = await lockDataDirectory(dataDir);
  try {
    const engine = await PGlite.create(path.join(dataDir, "pg"));
    return wrapPglite(engine, async () => {
      await engine.close();
      await release();
    });
  } catch (error) {
    await release();
    throw error;
  }
}

/** Who holds a data directory: kept beside the lock, so a holder killed with SIGKILL can be recognised. */
export interface LockHolder {
  pid: number;
  host: string;
}

const lockPath = (dataDir: string) => path.join(dataDir, "commissioner.lock");
/** Beside the lock, not in it: proper-lockfile removes its lock with rmdir, which needs it empty. */
export const lockHolderPath = (dataDir: string) => path.join(dataDir, "commissioner.lock.holder");

/**
 * One process per data directory: a second one on the same PGlite files silently loses data (ADR 0001).
 * The lock is proper-lockfile's, which takes over a lock left by a dead process only once it has gone
 * 15 s without being touched. The holder's pid is recorded beside it, so that a lock whose holder was
 * killed (kill -9, a crash) is taken over at once when that pid is no longer running on this host.
 */
export async function lockDataDirectory(dataDir: string): Promise<() => Promise<void>> {
  let release: () => Promise<void>;
  try {
    release = await takeLock(dataDir);
  } catch (error) {
    if (errorCode(error) !== "ELOCKED") throw error;
    const holder = readLockHolder(dataDir);
    if (!holder || !claimFromDeadHolder(dataDir, holder)) throw new DataDirectoryLockedError(dataDir, holder);
    try {
      release = await takeLock(dataDir);
    } catch (again) {
      if (errorCode(again) === "ELOCKED") throw new DataDirectoryLockedError(dataDir);
      throw again;
    }
  }
  writeLockHolder(dataDir);
  return async () => {
    fs.rmSync(lockHolderPath(dataDir), { force: true });
    await release();
  };
}

function takeLock(dataDir: string): Promise<() => Promise<void>> {
  return lockfile.lock(dataDir, {
    lockfilePath: lockPath(dataDir),
    stale: 15_000,
    update: 5_000,
    realpath: false,
    onCompromised: (error) => {
      // The lock was taken from under us: going on risks the data, so stop.
      console.error(`Lost the lock on ${dataDir}: ${error.message}`);
      process.exit(70);
    },
  });
}

function writeLockHolder(dataDir: string): void {
  const holder: LockHolder = { pid: process.pid, host: os.hostname() };
  const temporary = `${lockHolderPath(dataDir)}.${randomBytes(4).toString("hex")}`;
  fs.writeFileSync(temporary, JSON.stringify(holder));
  fs.renameSync(temporary, lockHolderPath(dataDir));
}

const lockHolderFile = z.object({ pid: z.number().int(), host: z.string() });

export function readLockHolder(dataDir: string, file = lockHolderPath(dataDir)): LockHolder | undefined {
  try {
    const holder = lockHolderFile.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    if (holder.success) return holder.data;
  } catch {
    // Missing or half-written: the holder is unknown, and the lock is left to proper-lockfile.
  }
  return undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return errorCode(error) !== "ESRCH";
  }
}

/**
 * Removes the lock of a holder that is gone. Only a holder on this host can be checked. Two processes
 * starting at once must not both take over, so the holder's record is first renamed away (only one
 * rename of a file succeeds) and read again: if it names someone else by then, it is put back.
 * A pid the system has since given to another process only means waiting out the 15 s, as before.
 */
function claimFromDeadHolder(dataDir: string, holder: LockHolder): boolean {
  if (holder.host !== os.hostname() || isRunning(holder.pid)) return false;
  const claim = `${lockHolderPath(dataDir)}.claim-${randomBytes(4).toString("hex")}`;
  try {
    fs.renameSync(lockHolderPath(dataDir), claim);
  } catch {
    return false;
  }
  const claimed = readLockHolder(dataDir, claim);
  if (claimed?.pid !== holder.pid || claimed.host !== holder.host) {
    fs.renameSync(claim, lockHolderPath(dataDir));
    return false;
  }
  fs.rmSync(lockPath(dataDir), { recursive: true, force: true });
  fs.rmSync(claim, { force: true });
  return true;
}

function wrapPglite(engine: PGlite, close: () => Promise<void>): Database {
  const db = drizzlePglite(engine, { schema }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    pglite: engine,
    migrate: async () => {
      await migratePglite(drizzlePglite(engine, { schema }), { migrationsFolder });
    },
    rows: (query) => executeRows(db, query),
    close,
  };
}

function openPostgres(url: string, poolSize: number): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection the server ends (a restart, a failover, an administrator) is reported here;
  // without a listener it would crash the process. The pool makes a new connection when next needed.
  pool.on("error", (error) => {
    // Once the pool is closing, its connections ending is what was asked for.
    if ("ending" in pool && pool.ending) return;
    console.error(`PostgreSQL connection lost: ${error.message}`);
  });
  // pg returns bigint (int8) as string; counts come back as numbers where we cast them in SQL.
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  return {
    db,
    kind: "postgres",
    pglite: undefined,
    migrate: async () => {
      // A session-level advisory lock on one connection: instances starting together migrate one at a time.
      const client = await pool.connect();
      try {
        await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
        await migratePg(drizzlePg(client, { schema }), { migrationsFolder });
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
        client.release();
      }
    },
    rows: (query) => executeRows(db, query),
    close: () => pool.end(),
  };
}

/** drizzle-kit's list of the migrations in the folder. */
const migrationJournal = z.object({ entries: z.array(z.unknown()) });

/** True when every migration in the folder has been applied (for /readyz). */
export async function isMigrated(database: Database): Promise<boolean> {
  const journal = migrationJournal.parse(
    JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta/_journal.json"), "utf8")),
  );
  try {
    const rows = await database.rows<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`,
    );
    return (rows[0]?.n ?? 0) >= journal.entries.length;
  } catch {
    return false;
  }
}
