import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { configFromEnvironment } from "../../src/config.js";
import { isMigrated, openDatabase } from "../../src/db/client.js";
import { governanceMembers, organisations, users } from "../../src/db/schema/index.js";
import { DEMO_USERS, demoSignInsFile, ensureDemoData } from "../../src/modules/demo/demo.js";
import { verifyAuditChain } from "../../src/modules/audit/service.js";
import { startServer } from "../../src/server.js";
import { createServices } from "../../src/services.js";
import { readOrCreateSecret } from "../../src/startup.js";
import { ROLE_CODES } from "../../src/domain/roles.js";
import { createTestDatabase, dropDatabase } from "../helpers.js";
import { withDatabase } from "../global-setup.js";

describe("demo data", () => {
  it("loads one user per role, organisations, board members, all audited; and only once", async () => {
    const database = await createTestDatabase();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "demo-"));
    try {
      const config = configFromEnvironment({ DATA_DIR: dataDir }, () => "s".repeat(32));
      const services = createServices(database, config);
      const signIns = await ensureDemoData(services, config);
      expect(signIns).toHaveLength(DEMO_USERS.length);
      const roles = new Set(
        (await database.db.select({ roles: users.roles }).from(users)).flatMap((u) => u.roles),
      );
      for (const role of ROLE_CODES) expect(roles).toContain(role);
      const orgs = await database.db.select({ kind: organisations.kind }).from(organisations);
      expect(
        orgs.filter((o) => o.kind === "provider").length + orgs.filter((o) => o.kind === "supplier").length,
      ).toBeGreaterThanOrEqual(10);
      expect(orgs.filter((o) => o.kind === "partner").length).toBeGreaterThanOrEqual(5);
      expect((await database.db.select().from(governanceMembers)).length).toBeGreaterThan(5);
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });

      // A second start adds nothing and returns no passwords to print: they stay in the kept file.
      const again = await ensureDemoData(services, config);
      expect(again).toBeNull();
      expect(JSON.parse(fs.readFileSync(demoSignInsFile(config), "utf8"))).toEqual(signIns);
      const [count] = await database.db.select({ n: sql<number>`count(*)::int` }).from(users);
      expect(count?.n).toBe(DEMO_USERS.length);
    } finally {
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("the server's start on the embedded database", () => {
  /** Starts the real server on `dataDir` (no HOST given), returns what it printed and where it listened. */
  async function startAndStop(dataDir: string): Promise<string> {
    const printed: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(" "));
    });
    try {
      const config = configFromEnvironment(
        {
          DATA_DIR: dataDir,
          LOG_LEVEL: "silent",
          JOBS_ENABLED: "false",
        },
        readOrCreateSecret,
      );
      const { app } = await startServer(config, 0);
      const address = app.server.address();
      printed.push(`listening on ${typeof address === "object" && address ? address.address : "?"}`);
      await app.close();
    } finally {
      spy.mockRestore();
    }
    return printed.join("\n");
  }

  it("prints the demo passwords when it loads the demo data, and at later starts only where they are kept", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "demo-start-"));
    try {
      const first = await startAndStop(dataDir);
      const [password] = /demo-[A-Za-z0-9_-]+/.exec(first) ?? [];
      expect(password).toBeTruthy();
      expect(first).toContain("Demo sign-ins");
      // The demo's work follows the people while the server answers; a stop waits for it.
      expect(first).toContain("The demo's projects and client-level data are loaded.");
      // With demo data and no HOST, only this computer can reach it (README, "Quick start").
      expect(first).toContain("listening on 127.0.0.1");
      expect(first).toContain("set HOST=0.0.0.0 to serve your network");

      const second = await startAndStop(dataDir);
      expect(second).not.toContain(password);
      expect(second).toContain(`they are kept in ${path.join(dataDir, "demo-sign-ins.json")}`);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.runIf(process.env.TEST_DATABASE_URL)("migrations on PostgreSQL", () => {
  it("are safe when two instances start at once (advisory lock)", async () => {
    const url = process.env.TEST_DATABASE_URL ?? "";
    const name = `commissioner_mig_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    try {
      const a = await openDatabase({
        databaseUrl: withDatabase(url, name),
        dataDir: os.tmpdir(),
        poolSize: 2,
      });
      const b = await openDatabase({
        databaseUrl: withDatabase(url, name),
        dataDir: os.tmpdir(),
        poolSize: 2,
      });
      expect(await isMigrated(a)).toBe(false);
      await Promise.all([a.migrate(), b.migrate()]);
      expect(await isMigrated(a)).toBe(true);
      const rows = await a.rows<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`,
      );
      const journal = JSON.parse(fs.readFileSync("migrations/meta/_journal.json", "utf8")) as {
        entries: unknown[];
      };
      expect(rows[0]?.n).toBe(journal.entries.length);
      await a.close();
      await b.close();
    } finally {
      await dropDatabase(url, name);
    }
  });
});
