import os from "node:os";
import { sql } from "drizzle-orm";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { openDatabase } from "../../src/db/client.js";

describe.runIf(process.env.TEST_DATABASE_URL)("the PostgreSQL connection pool", () => {
  it("survives the server ending an idle connection, and answers the next query", async () => {
    const url = process.env.TEST_DATABASE_URL ?? "";
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const database = await openDatabase({ databaseUrl: url, dataDir: os.tmpdir(), poolSize: 1 });
    try {
      const [me] = await database.rows<{ pid: number }>(sql`SELECT pg_backend_pid() AS pid`);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query("SELECT pg_terminate_backend($1)", [me?.pid]);
      await admin.end();
      await expect.poll(() => logged.mock.calls.length, { timeout: 5_000 }).toBeGreaterThan(0);
      expect(String(logged.mock.calls[0]?.[0])).toContain("PostgreSQL connection lost");
      const [again] = await database.rows<{ ok: number }>(sql`SELECT 1 AS ok`);
      expect(again?.ok).toBe(1);
    } finally {
      logged.mockRestore();
      await database.close();
    }
  });
});
