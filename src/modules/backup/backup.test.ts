import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import * as tar from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testConfig } from "../../../test/helpers.js";
import type { Config } from "../../config.js";
import { openDatabase, type Database } from "../../db/client.js";
import { SYSTEM_ACTOR } from "../../domain/policy.js";
import { createServices, type Services } from "../../services.js";
import { verifyAuditChain } from "../audit/service.js";
import { DEMO_USERS, ensureDemoData } from "../demo/demo.js";
import { loadReferenceData } from "../programmes/service.js";
import { BackupRefusedError, createBackup, restoreBackup } from "./service.js";
import { backedUpTables, readExpression, type TableSpec } from "./tables.js";

interface World {
  database: Database;
  config: Config;
  services: Services;
  close(): Promise<void>;
}

async function world(database: Database): Promise<World> {
  const config = testConfig();
  return {
    database,
    config,
    services: createServices(database, config),
    close: async () => {
      await database.close();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh, migrated PGlite in memory (for the cross-engine restores, when the suite runs on PostgreSQL). */
async function freshPglite(): Promise<Database> {
  const database = await openDatabase({ dataDir: os.tmpdir(), pglite: await PGlite.create() });
  await database.migrate();
  await loadReferenceData(database.db);
  return database;
}

const DOCUMENT = Buffer.from(
  "Tender for supported housing — Lot 2\n\u00a3 1,250,000 over three years\n",
  "utf8",
);

/** Data in every kind of column: text[] arrays, jsonb, exact instants, unicode, a blob, an edited reference row. */
async function makeData(w: World): Promise<{ sha256: string }> {
  await ensureDemoData(w.services, w.config);
  await w.database.rows(
    sql`UPDATE users SET locked_until = '2025-01-02 03:04:05.123456+00', name = 'Zoë O''Brien — “quoted”, new\nline' WHERE email = 'board@commissioner.example'`,
  );
  await w.database.rows(
    sql`UPDATE governance_bodies SET description = 'Edited after start: kept by a restore' WHERE code = 'JCG'`,
  );
  const [admin] = await w.database.rows<{ id: string }>(
    sql`SELECT id FROM users WHERE email = 'admin@commissioner.example'`,
  );
  if (!admin) throw new Error("no admin");
  await w.services.accounts.createApiToken(SYSTEM_ACTOR, admin.id, "reporting script");
  await w.services.accounts.startSession({ userId: admin.id });
  await w.services.jobs.enqueue(
    "reminder",
    { nested: { list: [1, 2.5, "three", null], text: "ünïcödé" }, big: 12345678901234 },
    new Date("2031-05-06T07:08:09.010Z"),
  );
  const saved = await w.services.documents.save(Readable.from([DOCUMENT]), "text/plain", 1_000_000);
  return { sha256: saved.sha256 };
}

/** Every row of a table in its backup form, ordered by id: equal dumps mean equal values. */
async function dump(database: Database, table: TableSpec): Promise<Record<string, unknown>[]> {
  const select = sql.join(
    table.columns.map((c) => sql`${readExpression(c)} AS ${sql.identifier(c.name)}`),
    sql`, `,
  );
  return database.rows(sql`SELECT ${select} FROM ${sql.identifier(table.name)} ORDER BY "id"`);
}

async function count(database: Database, table: string): Promise<number> {
  const [row] = await database.rows<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}`,
  );
  return row?.n ?? 0;
}

async function counts(database: Database): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const t of [...backedUpTables().map((t) => t.name), "sessions"]) result[t] = await count(database, t);
  return result;
}

/** The restored database holds the source's rows exactly, plus the restore's own audit record. */
async function expectSameData(source: World, target: World, sha256: string) {
  const sourceAudit = await count(source.database, "audit_events");
  for (const table of backedUpTables()) {
    const before = await dump(source.database, table);
    let after = await dump(target.database, table);
    if (table.name === "audit_events") {
      const restoreRecord = after.filter((r) => Number(r.seq) > sourceAudit);
      expect(restoreRecord).toHaveLength(1);
      expect(restoreRecord[0]).toMatchObject({ entity_type: "system", action: "restored" });
      after = after.filter((r) => Number(r.seq) <= sourceAudit);
    }
    expect(after, table.name).toEqual(before);
  }
  // The sample rows that carry the tricky values.
  const [board] = await target.database.rows<{ name: string; locked: string; roles: string[] }>(
    sql`SELECT name, to_char(locked_until AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS locked, roles FROM users WHERE email = 'board@commissioner.example'`,
  );
  expect(board).toEqual({
    name: "Zoë O'Brien — “quoted”, new\nline",
    locked: "2025-01-02 03:04:05.123456",
    roles: ["board-member"],
  });
  const [job] = await target.database.rows<{ payload: unknown }>(sql`SELECT payload FROM jobs`);
  expect(job?.payload).toEqual({
    nested: { list: [1, 2.5, "three", null], text: "ünïcödé" },
    big: 12345678901234,
  });
  expect(await count(target.database, "sessions")).toBe(0);

  const opened = await target.services.documents.open(sha256);
  if (!opened) throw new Error("document not restored");
  expect(Buffer.from(await text(opened.stream), "utf8")).toEqual(DOCUMENT);

  const verdict = await verifyAuditChain(target.database.db);
  expect(verdict).toEqual({ ok: true, count: sourceAudit + 1 });
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "commissioner-backup-test-"));
let source: World;
let sha256: string;
let archive: string;

beforeAll(async () => {
  source = await world(await createTestDatabase());
  ({ sha256 } = await makeData(source));
  archive = path.join(scratch, "backup.tar.gz");
  await createBackup({
    database: source.database,
    storage: source.services.documents.storage,
    file: archive,
  });
});

afterAll(async () => {
  await source.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe("backup", () => {
  it("writes manifest.json, one JSON-lines file per table and the documents, readable by its owner only", async () => {
    const entries: string[] = [];
    await tar.list({ file: archive, onReadEntry: (e) => entries.push(e.path) });
    expect(entries[0]).toBe("manifest.json");
    expect(entries).toContain("tables/users.jsonl");
    expect(entries).toContain(`documents/${sha256}`);
    expect(entries).not.toContain("tables/sessions.jsonl");
    expect(fs.statSync(archive).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(scratch)).toEqual(["backup.tar.gz"]);
  });

  it("refuses to replace an existing file unless told to", async () => {
    await expect(
      createBackup({ database: source.database, storage: source.services.documents.storage, file: archive }),
    ).rejects.toThrow(/already exists/);
  });
});

describe("restore", () => {
  it("restores every table, the documents and an intact audit chain into a new database", async () => {
    const target = await world(await createTestDatabase());
    try {
      const summary = await restoreBackup({
        database: target.database,
        storage: target.services.documents.storage,
        file: archive,
        workDir: target.config.dataDir,
      });
      expect(summary.audit.ok).toBe(true);
      expect(summary.documents).toBe(1);
      await expectSameData(source, target, sha256);
      const [jcg] = await target.database.rows<{ description: string }>(
        sql`SELECT description FROM governance_bodies WHERE code = 'JCG'`,
      );
      expect(jcg?.description).toBe("Edited after start: kept by a restore");
      // The staging folder is gone.
      expect(fs.readdirSync(target.config.dataDir).filter((f) => f.startsWith("restore-"))).toEqual([]);
    } finally {
      await target.close();
    }
  });

  it("refuses a database that holds data, and changes nothing", async () => {
    const before = await counts(source.database);
    const error = await restoreBackup({
      database: source.database,
      storage: source.services.documents.storage,
      file: archive,
      workDir: source.config.dataDir,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupRefusedError);
    expect((error as Error).message).toMatch(
      new RegExp(`database is not empty \\(.*users: ${String(DEMO_USERS.length)}.*\\).*Nothing was changed`),
    );
    expect(await counts(source.database)).toEqual(before);
  });

  it("refuses a damaged archive (a part that does not match its SHA-256) before changing anything", async () => {
    const unpacked = fs.mkdtempSync(path.join(scratch, "damaged-"));
    await tar.extract({ file: archive, cwd: unpacked });
    const manifestFile = path.join(unpacked, "manifest.json");
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as {
      tables: { name: string; sha256: string }[];
    };
    const users = manifest.tables.find((t) => t.name === "users");
    if (!users) throw new Error("no users table in the manifest");
    users.sha256 = "0".repeat(64);
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    const damaged = path.join(scratch, "damaged.tar.gz");
    await tar.create({ file: damaged, cwd: unpacked, gzip: true }, fs.readdirSync(unpacked));

    const target = await world(await createTestDatabase());
    try {
      const before = await counts(target.database);
      await expect(
        restoreBackup({
          database: target.database,
          storage: target.services.documents.storage,
          file: damaged,
          workDir: target.config.dataDir,
        }),
      ).rejects.toThrow(/damaged: tables\/users\.jsonl does not match/);
      expect(await counts(target.database)).toEqual(before);
      expect(await target.services.documents.storage.exists(sha256)).toBe(false);

      fs.writeFileSync(path.join(scratch, "not-a-backup.tar.gz"), "hello");
      await expect(
        restoreBackup({
          database: target.database,
          storage: target.services.documents.storage,
          file: path.join(scratch, "not-a-backup.tar.gz"),
          workDir: target.config.dataDir,
        }),
      ).rejects.toThrow(/could not be read as a backup/);
    } finally {
      await target.close();
    }
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)("restore across engines", () => {
  it("restores a PGlite backup onto PostgreSQL, and a PostgreSQL backup onto PGlite", async () => {
    const embedded = await world(await freshPglite());
    const onServer = await world(await createTestDatabase());
    const back = await world(await freshPglite());
    try {
      const made = await makeData(embedded);
      const fromPglite = path.join(scratch, "from-pglite.tar.gz");
      await createBackup({
        database: embedded.database,
        storage: embedded.services.documents.storage,
        file: fromPglite,
      });
      await restoreBackup({
        database: onServer.database,
        storage: onServer.services.documents.storage,
        file: fromPglite,
        workDir: onServer.config.dataDir,
      });
      expect(onServer.database.kind).toBe("postgres");
      await expectSameData(embedded, onServer, made.sha256);

      // source (this suite's own database) is on PostgreSQL: its backup goes onto PGlite.
      await restoreBackup({
        database: back.database,
        storage: back.services.documents.storage,
        file: archive,
        workDir: back.config.dataDir,
      });
      expect(back.database.kind).toBe("pglite");
      await expectSameData(source, back, sha256);
    } finally {
      await embedded.close();
      await onServer.close();
      await back.close();
    }
  }, 120_000);
});
