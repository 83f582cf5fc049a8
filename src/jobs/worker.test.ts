import { eq } from "drizzle-orm";
import Fastify from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/helpers.js";
import type { Database } from "../db/client.js";
import { jobs } from "../db/schema/index.js";
import { createJobQueue, type JobQueue } from "./queue.js";
import { createWorker, type JobHandler } from "./worker.js";

let database: Database;
let queue: JobQueue;
const log = Fastify({ logger: false }).log;

beforeAll(async () => {
  database = await createTestDatabase();
  queue = createJobQueue(database.db);
});
afterAll(async () => database.close());
beforeEach(async () => {
  await database.db.delete(jobs);
});

const past = (ms: number) => new Date(Date.now() - ms);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

async function until(check: () => Promise<boolean>, timeoutMs = 5_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(10);
  }
}

describe("job worker", () => {
  it("runs a due job's handler with its payload and marks it done", async () => {
    const seen: unknown[] = [];
    const worker = createWorker(queue, { "k:ok": async (payload) => void seen.push(payload) }, log);
    const id = await queue.enqueue("k:ok", { n: 7 }, past(1_000));
    expect(await worker.runOnce()).toBe(1);
    expect(seen).toEqual([{ n: 7 }]);
    expect(await queue.get(id)).toMatchObject({ status: "done" });
  });

  it("retries a failing handler with back-off and marks the job failed after maxAttempts", async () => {
    let calls = 0;
    const failing: JobHandler = async () => {
      calls++;
      throw new Error(`mail server down (${calls})`);
    };
    const worker = createWorker(queue, { "k:fails": failing }, log);
    const id = await queue.enqueue("k:fails", {}, past(1_000), 3);
    for (let attempt = 1; attempt <= 3; attempt++) {
      await worker.runOnce();
      const row = await queue.get(id);
      expect(row?.attempts).toBe(attempt);
      expect(row?.lastError).toBe(`mail server down (${attempt})`);
      if (attempt < 3) {
        expect(row?.status).toBe("queued");
        expect(row?.runAt.getTime()).toBeGreaterThan(Date.now() + 5_000);
        // Backing off: another poll now does nothing.
        expect(await worker.runOnce()).toBe(0);
        await database.db
          .update(jobs)
          .set({ runAt: past(1_000) })
          .where(eq(jobs.id, id));
      }
    }
    expect(calls).toBe(3);
    expect(await queue.get(id)).toMatchObject({ status: "failed", attempts: 3 });
    await database.db
      .update(jobs)
      .set({ runAt: past(1_000) })
      .where(eq(jobs.id, id));
    expect(await worker.runOnce()).toBe(0);
    expect(calls).toBe(3);
  });

  it("fails a job of a kind it has no handler for", async () => {
    const worker = createWorker(queue, {}, log);
    const id = await queue.enqueue("k:unknown", {}, past(1_000));
    await worker.runOnce();
    expect(await queue.get(id)).toMatchObject({
      status: "queued",
      lastError: 'no handler for job kind "k:unknown"',
    });
  });

  it("puts back jobs abandoned by a dead worker as it polls", async () => {
    const ran: string[] = [];
    const id = await queue.enqueue("k:ok", {}, past(1_000));
    await queue.claim("dead-worker");
    await database.db
      .update(jobs)
      .set({ lockedAt: past(20 * 60_000) })
      .where(eq(jobs.id, id));
    const worker = createWorker(queue, { "k:ok": async (_p, job) => void ran.push(job.id) }, log);
    await worker.runOnce();
    expect(ran).toEqual([id]);
    expect(await queue.get(id)).toMatchObject({ status: "done", attempts: 2 });
  });

  it("polls once started, and stop() waits for the job in hand to finish", async () => {
    const started = deferred();
    const finish = deferred();
    let finished = false;
    const worker = createWorker(
      queue,
      {
        "k:slow": async () => {
          started.resolve();
          await finish.promise;
          await sleep(20);
          finished = true;
        },
      },
      log,
      10,
    );
    const id = await queue.enqueue("k:slow", {}, past(1_000));
    worker.start();
    await started.promise;

    let stopReturned = false;
    const stopping = worker.stop().then(() => {
      stopReturned = true;
    });
    await sleep(50);
    expect(stopReturned).toBe(false);
    finish.resolve();
    await stopping;
    expect(finished).toBe(true);
    expect(await queue.get(id)).toMatchObject({ status: "done" });

    // Stopped: nothing more is picked up.
    const later = await queue.enqueue("k:slow", {}, past(1_000));
    await sleep(60);
    expect(await queue.get(later)).toMatchObject({ status: "queued", attempts: 0 });
  });

  it("on stop, returns the jobs it had claimed but not started to the queue", async () => {
    const started = deferred();
    const finish = deferred();
    const ran: string[] = [];
    const worker = createWorker(
      queue,
      {
        "k:batch": async (_p, job) => {
          ran.push(job.id);
          started.resolve();
          await finish.promise;
        },
      },
      log,
      10,
    );
    const ids = [
      await queue.enqueue("k:batch", { n: 1 }, past(3_000)),
      await queue.enqueue("k:batch", { n: 2 }, past(2_000)),
      await queue.enqueue("k:batch", { n: 3 }, past(1_000)),
    ];
    worker.start();
    await started.promise;
    const stopping = worker.stop();
    finish.resolve();
    await stopping;
    expect(ran).toEqual([ids[0]]);
    const rows = await Promise.all(ids.map((id) => queue.get(id)));
    expect(rows.map((r) => [r?.status, r?.attempts, r?.lockedBy])).toEqual([
      ["done", 1, null],
      ["queued", 0, null],
      ["queued", 0, null],
    ]);
  });

  it("keeps polling after a poll fails, and starting twice runs one loop", async () => {
    let polls = 0;
    const flaky: JobQueue = {
      ...queue,
      claim: async (workerId, limit) => {
        polls++;
        if (polls === 1) throw new Error("database restarting");
        return queue.claim(workerId, limit);
      },
    };
    const ran: string[] = [];
    const worker = createWorker(flaky, { "k:ok": async (_p, job) => void ran.push(job.id) }, log, 10);
    const id = await queue.enqueue("k:ok", {}, past(1_000));
    worker.start();
    worker.start();
    await until(async () => (await queue.get(id))?.status === "done");
    await worker.stop();
    expect(ran).toEqual([id]);
  });
});
