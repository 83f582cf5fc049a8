import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/helpers.js";
import type { Database } from "../db/client.js";
import { jobs } from "../db/schema/index.js";
import { createJobQueue, type JobQueue } from "./queue.js";

let database: Database;
let queue: JobQueue;

beforeAll(async () => {
  database = await createTestDatabase();
  queue = createJobQueue(database.db);
});
afterAll(async () => database.close());
beforeEach(async () => {
  await database.db.delete(jobs);
});

const past = (ms: number) => new Date(Date.now() - ms);

function deferred() {
  let resolve = () => {
    /* replaced below */
  };
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return {
    promise,
    resolve: () => {
      resolve();
    },
  };
}

/** Moves a job's times back, as if that much time had passed. */
async function ageJob(id: string, set: { runAt?: Date; lockedAt?: Date }) {
  await database.db.update(jobs).set(set).where(eq(jobs.id, id));
}

describe("job queue", () => {
  it("enqueues, claims and completes a job", async () => {
    const id = await queue.enqueue("reminders:send", { contractId: "c-1" });
    expect(await queue.get(id)).toMatchObject({ status: "queued", attempts: 0, maxAttempts: 5 });

    const [claimed, ...more] = await queue.claim("worker-a");
    expect(more).toEqual([]);
    expect(claimed).toEqual({
      id,
      kind: "reminders:send",
      payload: { contractId: "c-1" },
      attempts: 1,
      maxAttempts: 5,
    });
    expect(await queue.get(id)).toMatchObject({ status: "running", lockedBy: "worker-a" });
    // A running job is not claimed again.
    expect(await queue.claim("worker-b")).toEqual([]);

    await queue.complete(id);
    const done = await queue.get(id);
    expect(done).toMatchObject({ status: "done", lockedBy: null });
    expect(done?.finishedAt).toBeInstanceOf(Date);
    expect(await queue.claim("worker-a")).toEqual([]);
  });

  it("claims due jobs oldest first, up to the limit", async () => {
    const late = await queue.enqueue("k", { n: 1 }, past(1_000));
    const early = await queue.enqueue("k", { n: 2 }, past(60_000));
    await queue.enqueue("k", { n: 3 }, past(500));
    const claimed = await queue.claim("w", 2);
    expect(claimed.map((j) => j.id)).toEqual([early, late]);
  });

  it("does not claim a job that is not yet due", async () => {
    const later = await queue.enqueue("standstill:end", {}, new Date(Date.now() + 3_600_000));
    expect(await queue.claim("w")).toEqual([]);
    expect(await queue.get(later)).toMatchObject({ status: "queued", attempts: 0 });
    await ageJob(later, { runAt: past(1_000) });
    expect((await queue.claim("w")).map((j) => j.id)).toEqual([later]);
  });

  it("never gives two claimers at once the same job (FOR UPDATE SKIP LOCKED)", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10; i++) ids.add(await queue.enqueue("k", { i }, past(1_000)));
    const [a, b] = await Promise.all([queue.claim("worker-a", 5), queue.claim("worker-b", 5)]);
    const claimedA = a.map((j) => j.id);
    const claimedB = b.map((j) => j.id);
    expect(claimedA.filter((id) => claimedB.includes(id))).toEqual([]);
    // Neither waited for the other's rows and came back short: between them they took all ten.
    expect(new Set([...claimedA, ...claimedB])).toEqual(ids);
    const owners = await database.db.select({ id: jobs.id, lockedBy: jobs.lockedBy }).from(jobs);
    for (const row of owners) {
      expect(row.lockedBy).toBe(claimedA.includes(row.id) ? "worker-a" : "worker-b");
    }
  });

  it("hands every job to exactly one of several claimers racing until the queue is empty", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) ids.add(await queue.enqueue("k", { i }, past(1_000)));
    const seen: string[] = [];
    async function claimer(name: string) {
      for (;;) {
        const claimed = await queue.claim(name, 3);
        if (claimed.length === 0) return;
        for (const job of claimed) {
          seen.push(job.id);
          await queue.complete(job.id);
        }
      }
    }
    await Promise.all(["w1", "w2", "w3", "w4"].map(claimer));
    expect(seen).toHaveLength(ids.size);
    expect(new Set(seen)).toEqual(ids);
    const [row] = await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(jobs)
      .where(eq(jobs.status, "done"));
    expect(row?.n).toBe(30);
  });

  it.runIf(process.env.TEST_DATABASE_URL)(
    "on PostgreSQL, skips a row another transaction holds instead of waiting for it",
    async () => {
      const held = await queue.enqueue("k", { held: true }, past(2_000));
      const free = await queue.enqueue("k", { held: false }, past(1_000));
      const release = deferred();
      const lockTaken = deferred();
      const holder = database.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT id FROM jobs WHERE id = ${held} FOR UPDATE`);
        lockTaken.resolve();
        await release.promise;
      });
      await lockTaken.promise;
      // Without SKIP LOCKED the claim would wait for the holder, which waits for us: give it 3 s.
      const claiming = queue.claim("worker-b").then((claimed) => claimed.map((j) => j.id));
      const outcome = await Promise.race([
        claiming,
        new Promise((resolve) => setTimeout(resolve, 3_000, "blocked by the held row")),
      ]);
      release.resolve();
      await holder;
      await claiming;
      expect(outcome).toEqual([free]);
      expect((await queue.claim("worker-b")).map((j) => j.id)).toEqual([held]);
    },
  );

  it("retries a failed job with growing back-off, then marks it failed after its last attempt", async () => {
    const id = await queue.enqueue("k", {}, past(1_000), 3);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      const [job] = await queue.claim("w");
      expect(job?.attempts).toBe(attempt);
      if (!job) return;
      const before = Date.now();
      await queue.fail(job, `attempt ${attempt} broke`);
      const row = await queue.get(id);
      expect(row).toMatchObject({ status: "queued", lastError: `attempt ${attempt} broke`, lockedBy: null });
      delays.push((row?.runAt.getTime() ?? 0) - before);
      // Not due again until the back-off has passed.
      expect(await queue.claim("w")).toEqual([]);
      await ageJob(id, { runAt: past(1_000) });
    }
    expect(delays[0]).toBeGreaterThanOrEqual(9_000);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? Infinity);

    const [last] = await queue.claim("w");
    expect(last?.attempts).toBe(3);
    if (!last) return;
    await queue.fail(last, "still broken");
    const failed = await queue.get(id);
    expect(failed).toMatchObject({ status: "failed", attempts: 3, lastError: "still broken" });
    expect(failed?.finishedAt).toBeInstanceOf(Date);
    await ageJob(id, { runAt: past(1_000) });
    expect(await queue.claim("w")).toEqual([]);
  });

  it("keeps only the start of a very long error message", async () => {
    const id = await queue.enqueue("k", {}, past(1_000));
    const [job] = await queue.claim("w");
    if (!job) throw new Error("not claimed");
    await queue.fail(job, "x".repeat(10_000));
    expect((await queue.get(id))?.lastError).toHaveLength(2000);
  });

  it("puts jobs stuck in 'running' back in the queue, leaving recent ones alone", async () => {
    const stuck = await queue.enqueue("k", { stuck: true }, past(2_000));
    const recent = await queue.enqueue("k", { stuck: false }, past(1_000));
    expect(await queue.claim("dead-worker")).toHaveLength(2);
    await ageJob(stuck, { lockedAt: past(20 * 60_000) });

    expect(await queue.requeueStale()).toBe(1);
    expect(await queue.get(stuck)).toMatchObject({ status: "queued", lockedBy: null, lockedAt: null });
    expect(await queue.get(recent)).toMatchObject({ status: "running", lockedBy: "dead-worker" });

    const [again] = await queue.claim("live-worker");
    expect(again).toMatchObject({ id: stuck, attempts: 2 });
  });

  it("marks a stuck job that has used all its attempts failed rather than requeueing it", async () => {
    const id = await queue.enqueue("k", {}, past(1_000), 1);
    await queue.claim("dead-worker");
    await ageJob(id, { lockedAt: past(20 * 60_000) });
    expect(await queue.requeueStale()).toBe(0);
    expect(await queue.get(id)).toMatchObject({ status: "failed", lockedBy: null });
    expect(await queue.claim("w")).toEqual([]);
  });

  it("releases a claimed job that was not started without counting an attempt", async () => {
    const id = await queue.enqueue("k", {}, past(1_000));
    const [job] = await queue.claim("stopping-worker");
    if (!job) throw new Error("not claimed");
    await queue.release(job);
    expect(await queue.get(id)).toMatchObject({ status: "queued", attempts: 0, lockedBy: null });
    expect((await queue.claim("w")).map((j) => j.attempts)).toEqual([1]);
  });
});
