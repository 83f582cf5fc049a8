import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { configFromEnvironment } from "../../src/config.js";
import { isMigrated, openDatabase } from "../../src/db/client.js";
import { governanceMembers, organisations, users } from "../../src/db/schema/index.js";
import { DEMO_USERS, ensureDemoData } from "../../src/modules/demo/demo.js";
import { verifyAuditChain } from "../../src/modules/audit/service.js";
import { createServices } from "../../src/services.js";
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

      // A second start prints the same sign-ins and adds nothing.
      const again = await ensureDemoData(services, config);
      expect(again).toEqual(signIns);
      const [count] = await database.db.select({ n: sql<number>`count(*)::int` }).from(users);
      expect(count?.n).toBe(DEMO_USERS.length);
    } finally {
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
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
