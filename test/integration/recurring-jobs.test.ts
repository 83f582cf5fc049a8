import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { jobs, sessions } from "../../src/db/schema/index.js";
import { PURGE_SESSIONS_JOB } from "../../src/web/app.js";
import { buildTestApp } from "../helpers.js";

describe("recurring work", () => {
  it("purges expired sessions through the job worker and queues the next purge an hour on", async () => {
    const t = await buildTestApp({ JOBS_ENABLED: "true" });
    try {
      const db = t.database.db;
      await db
        .insert(sessions)
        .values({ tokenHash: "expired-session", expiresAt: new Date(Date.now() - 60_000) });
      await db
        .insert(sessions)
        .values({ tokenHash: "live-session", expiresAt: new Date(Date.now() + 60_000) });
      await expect
        .poll(
          async () =>
            (await db.select().from(sessions).where(eq(sessions.tokenHash, "expired-session"))).length,
          {
            timeout: 10_000,
            interval: 200,
          },
        )
        .toBe(0);
      expect(await db.select().from(sessions).where(eq(sessions.tokenHash, "live-session"))).toHaveLength(1);
      await expect
        .poll(
          async () =>
            (
              await db
                .select()
                .from(jobs)
                .where(and(eq(jobs.kind, PURGE_SESSIONS_JOB), eq(jobs.status, "queued")))
            ).map((j) => j.runAt.getTime() - Date.now()),
          { timeout: 5_000, interval: 200 },
        )
        .toEqual([expect.toSatisfy((ms: number) => ms > 3_500_000 && ms <= 3_600_000)]);
    } finally {
      await t.close();
    }
  });
});
