import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import * as tar from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asFixture, createTestDatabase, testConfig } from "../../../test/helpers.js";
import { configFromEnvironment, type Config } from "../../config.js";
import { openDatabase, type Database } from "../../db/client.js";
import { readOrCreateSecret } from "../../startup.js";
import { SYSTEM_ACTOR } from "../../domain/policy.js";
import { createServices, type Services } from "../../services.js";
import { verifyAuditChain } from "../audit/service.js";
import { DEMO_USERS, startDemoData } from "../demo/demo.js";
import { loadReferenceData } from "../programmes/service.js";
import { BackupRefusedError, createBackup, restoreBackup, type RestoreOptions } from "./service.js";
import { backedUpTables, readExpression, type TableSpec } from "./tables.js";

interface World {
  database: Database;
  config: Config;
  services: Services;
  close(): Promise<void>;
}

/** The secrets of the installation the tests back up: a restore needs the same ones. */
const INSTALLATION = {
  SESSION_SECRET: randomBytes(32).toString("hex"),
  PSEUDONYMISATION_SECRET: randomBytes(32).toString("hex"),
  SEALING_SECRET: randomBytes(32).toString("hex"),
};

async function world(database: Database, secrets: Record<string, string> = INSTALLATION): Promise<World> {
  const config = testConfig(secrets);
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

function backupOf(w: World, file: string) {
  return createBackup({
    database: w.database,
    storage: w.services.documents.storage,
    file,
    sessionSecret: w.config.sessionSecret,
    pseudonymisationKeyId: w.services.datasets.keyId,
  });
}

/** Restores into `w` with its own installation's secrets, as `commissioner restore` does. */
function restoreInto(w: World, file: string, flags: Partial<RestoreOptions> = {}) {
  return restoreBackup({
    database: w.database,
    storage: w.services.documents.storage,
    file,
    workDir: w.config.dataDir,
    sessionSecret: w.config.sessionSecret,
    pseudonymisationKeyId: w.services.datasets.keyId,
    ...flags,
  });
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

const TRICKY_EMAIL = "zoe@commissioner.example";
const TRICKY_NAME = "Zoë O'Brien — “quoted”, new\nline";

/** Data in every kind of column: text[] arrays, jsonb, exact instants, unicode, a blob, an edited reference row. */
async function makeData(w: World): Promise<{ sha256: string }> {
  // The demo's people and memberships; its projects and client data would only make the copy slower.
  await startDemoData(w.services, w.config);
  // A user's name is checked against the audit trail on restore, so the awkward one is made the audited way.
  await w.services.users.create(SYSTEM_ACTOR, {
    email: TRICKY_EMAIL,
    name: TRICKY_NAME,
    roles: ["board-member"],
    organisationCode: undefined,
    password: "correct horse battery staple",
  });
  await w.services.projects.create(SYSTEM_ACTOR, {
    title: "Supported housing — Lot 2",
    programmeCode: "SP",
    estimatedValuePence: 125_000_000,
    startedOn: "2026-04-01",
  });
  await w.database.rows(
    sql`UPDATE users SET locked_until = '2025-01-02 03:04:05.123456+00' WHERE email = 'board@commissioner.example'`,
  );
  await asFixture(w.database.db, (tx) =>
    tx.execute(
      sql`UPDATE governance_bodies SET description = 'Edited after start: kept by a restore' WHERE code = 'JCG'`,
    ),
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
  const [board] = await target.database.rows<{ locked: string; roles: string[] }>(
    sql`SELECT to_char(locked_until AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS locked, roles FROM users WHERE email = 'board@commissioner.example'`,
  );
  expect(board).toEqual({ locked: "2025-01-02 03:04:05.123456", roles: ["board-member"] });
  const [tricky] = await target.database.rows<{ name: string }>(
    sql`SELECT name FROM users WHERE email = ${TRICKY_EMAIL}`,
  );
  expect(tricky?.name).toBe(TRICKY_NAME);
  const [job] = await target.database.rows<{ payload: unknown }>(
    sql`SELECT payload FROM jobs WHERE kind = 'reminder'`,
  );
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
  await backupOf(source, archive);
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
    await expect(backupOf(source, archive)).rejects.toThrow(/already exists/);
  });
});

describe("restore", () => {
  it("restores every table, the documents and an intact audit chain into a new database", async () => {
    const target = await world(await createTestDatabase());
    try {
      const summary = await restoreInto(target, archive);
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
    const error = await restoreInto(source, archive).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupRefusedError);
    expect((error as Error).message).toMatch(
      // The demo's users and the one with the tricky name.
      new RegExp(
        `database is not empty \\(.*users: ${String(DEMO_USERS.length + 1)}.*\\).*Nothing was changed`,
      ),
    );
    expect(await counts(source.database)).toEqual(before);
  });

  it("refuses a damaged archive (a part that does not match its SHA-256) before changing anything", async () => {
    const unpacked = fs.mkdtempSync(path.join(scratch, "damaged-"));
    await tar.extract({ file: archive, cwd: unpacked });
    // A part damaged in storage: its manifest (and signature) unchanged.
    fs.appendFileSync(path.join(unpacked, "tables/users.jsonl"), "\n");
    const damaged = path.join(scratch, "damaged.tar.gz");
    await tar.create({ file: damaged, cwd: unpacked, gzip: true }, fs.readdirSync(unpacked));

    const target = await world(await createTestDatabase());
    try {
      const before = await counts(target.database);
      await expect(restoreInto(target, damaged)).rejects.toThrow(
        /damaged: tables\/users\.jsonl does not match/,
      );
      expect(await counts(target.database)).toEqual(before);
      expect(await target.services.documents.storage.exists(sha256)).toBe(false);

      fs.writeFileSync(path.join(scratch, "not-a-backup.tar.gz"), "hello");
      await expect(restoreInto(target, path.join(scratch, "not-a-backup.tar.gz"))).rejects.toThrow(
        /could not be read as a backup/,
      );
    } finally {
      await target.close();
    }
  });
});

/** Unpacks the archive, lets `edit` change its files, recomputes the manifest's hashes, packs it again. */
async function tampered(name: string, edit: (dir: string) => void): Promise<string> {
  const dir = fs.mkdtempSync(path.join(scratch, `${name}-`));
  await tar.extract({ file: archive, cwd: dir });
  edit(dir);
  const manifestFile = path.join(dir, "manifest.json");
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as {
    tables: { file: string; rows: number; bytes: number; sha256: string }[];
  };
  for (const part of manifest.tables) {
    const bytes = fs.readFileSync(path.join(dir, part.file));
    part.sha256 = createHash("sha256").update(bytes).digest("hex");
    part.bytes = bytes.length;
    part.rows = bytes.toString("utf8").split("\n").filter(Boolean).length;
  }
  fs.writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  const file = path.join(scratch, `${name}.tar.gz`);
  await tar.create({ file, cwd: dir, gzip: true }, fs.readdirSync(dir));
  return file;
}

/** Rewrites one table's JSON lines. */
function editRows(
  dir: string,
  table: string,
  edit: (rows: Record<string, unknown>[]) => Record<string, unknown>[],
) {
  const file = path.join(dir, `tables/${table}.jsonl`);
  const rows = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  fs.writeFileSync(
    file,
    edit(rows)
      .map((row) => `${JSON.stringify(row)}\n`)
      .join(""),
  );
}

const renameProvider = (dir: string) => {
  editRows(dir, "organisations", (rows) =>
    rows.map((r) => (r.code === "P001" ? { ...r, name: "Weald Recovery Partnership (edited)" } : r)),
  );
};

describe("restore of an archive changed after it was made", () => {
  it("refuses rows edited with the manifest's hashes recomputed: the signature no longer verifies", async () => {
    const edited = await tampered("edited", renameProvider);
    const target = await world(await createTestDatabase());
    try {
      const before = await counts(target.database);
      await expect(restoreInto(target, edited)).rejects.toThrow(
        /The backup's signature does not verify: its manifest was changed after the backup was made.*SESSION_SECRET.*Nothing was changed/,
      );
      expect(await counts(target.database)).toEqual(before);
    } finally {
      await target.close();
    }
  });

  it.each([
    [
      "an edited organisation",
      renameProvider,
      /organisations row [0-9a-f-]{36} name is not what the audit trail last recorded/,
    ],
    [
      "an edited email",
      (dir: string) => {
        editRows(dir, "users", (rows) =>
          rows.map((r) =>
            r.email === "admin@commissioner.example" ? { ...r, email: "intruder@evil.example" } : r,
          ),
        );
      },
      /users row [0-9a-f-]{36} email is not what the audit trail last recorded/,
    ],
    [
      "an edited project value",
      (dir: string) => {
        editRows(dir, "projects", (rows) => rows.map((r) => ({ ...r, estimated_value_pence: "100" })));
      },
      /projects row [0-9a-f-]{36} estimated_value_pence is not what the audit trail last recorded/,
    ],
    [
      "an added administrator",
      (dir: string) => {
        editRows(dir, "users", (rows) => {
          const admin = rows.find((r) => r.email === "admin@commissioner.example");
          return [
            ...rows,
            { ...admin, id: "00000000-0000-4000-8000-000000000001", email: "second@evil.example" },
          ];
        });
      },
      /users row 00000000-0000-4000-8000-000000000001 has no audit record of its creation/,
    ],
    [
      "a removed user",
      (dir: string) => {
        editRows(dir, "api_tokens", () => []);
        editRows(dir, "users", (rows) => rows.filter((r) => r.email !== "admin@commissioner.example"));
      },
      /users row [0-9a-f-]{36} is recorded as created in the audit trail but is missing/,
    ],
  ])(
    "with --skip-signature-check, still refuses %s: the rows do not match the audit trail",
    async (_what, edit, message) => {
      const edited = await tampered("unsigned", edit);
      const target = await world(await createTestDatabase());
      try {
        const before = await counts(target.database);
        const error = await restoreInto(target, edited, { skipSignatureCheck: true }).catch(
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(BackupRefusedError);
        expect((error as Error).message).toMatch(message);
        expect((error as Error).message).toContain("Nothing was restored");
        expect(await counts(target.database)).toEqual(before);
      } finally {
        await target.close();
      }
    },
  );

  it("restores an archive it cannot verify when told to, if its rows match the audit trail, and says so", async () => {
    const target = await world(await createTestDatabase(), {
      ...INSTALLATION,
      SESSION_SECRET: randomBytes(32).toString("hex"),
    });
    try {
      await expect(restoreInto(target, archive)).rejects.toThrow(
        /signature does not verify: .*or it was made by an installation with another SESSION_SECRET/,
      );
      const summary = await restoreInto(target, archive, { skipSignatureCheck: true });
      expect(summary.signatureVerified).toBe(false);
      expect(summary.rowProblems).toEqual([]);
      expect(summary.rowsChecked.map((t) => t.name)).toEqual(["organisations", "users", "projects"]);
      const [record] = await target.database.rows<{ summary: Record<string, unknown> }>(
        sql`SELECT summary FROM audit_events WHERE action = 'restored'`,
      );
      expect(record?.summary).toMatchObject({ signatureVerified: false, rowsMatchingAuditTrail: true });
    } finally {
      await target.close();
    }
  });
});

describe("the pseudonymisation key of a backup", () => {
  it("is named in the manifest by its fingerprint", async () => {
    const dir = fs.mkdtempSync(path.join(scratch, "manifest-"));
    await tar.extract({ file: archive, cwd: dir });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(manifest.pseudonymisationKeyId).toBe(source.services.datasets.keyId);
  });

  it("must be this installation's: a fresh embedded directory makes a new one, and the restore is refused until the old one is set or a new one is asked for", async () => {
    const dataDir = fs.mkdtempSync(path.join(scratch, "fresh-data-"));
    // What `commissioner restore` does in a fresh DATA_DIR: a pseudonymisation-secret is generated.
    const config = configFromEnvironment(
      { DATA_DIR: dataDir, SESSION_SECRET: INSTALLATION.SESSION_SECRET, LOG_LEVEL: "silent" },
      readOrCreateSecret,
    );
    const fresh = await freshPglite();
    const target: World = {
      database: fresh,
      config,
      services: createServices(fresh, config),
      close: () => fresh.close(),
    };
    try {
      const before = await counts(target.database);
      await expect(restoreInto(target, archive)).rejects.toThrow(
        new RegExp(
          `made under the pseudonymisation key ${source.services.datasets.keyId}, and this installation's PSEUDONYMISATION_SECRET is ${target.services.datasets.keyId}\\. Set PSEUDONYMISATION_SECRET .*--new-pseudonymisation-key.*Nothing was changed`,
        ),
      );
      expect(await counts(target.database)).toEqual(before);

      const summary = await restoreInto(target, archive, { newPseudonymisationKey: true });
      expect(summary.pseudonymisationKey).toBe("new");
    } finally {
      await target.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("restores when PSEUDONYMISATION_SECRET is the backup's", async () => {
    const target = await world(await createTestDatabase());
    try {
      expect(target.services.datasets.keyId).toBe(source.services.datasets.keyId);
      expect((await restoreInto(target, archive)).pseudonymisationKey).toBe("same");
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
      await backupOf(embedded, fromPglite);
      await restoreInto(onServer, fromPglite);
      expect(onServer.database.kind).toBe("postgres");
      await expectSameData(embedded, onServer, made.sha256);

      // source (this suite's own database) is on PostgreSQL: its backup goes onto PGlite.
      await restoreInto(back, archive);
      expect(back.database.kind).toBe("pglite");
      await expectSameData(source, back, sha256);
    } finally {
      await embedded.close();
      await onServer.close();
      await back.close();
    }
  }, 120_000);
});
