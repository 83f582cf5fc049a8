import { and, eq, gte, lte, sql } from "drizzle-orm";
import type { Db, Executor } from "../db/client.js";
import { executeRows } from "../db/client.js";
import { jobs } from "../db/schema/index.js";

export interface ClaimedJob {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
}

/**
 * Queues a job on the given connection or transaction: inside a use case's transaction, the job
 * exists if and only if the change that asked for it commits.
 */
export async function enqueueJob(
  ex: Executor,
  kind: string,
  payload: Record<string, unknown>,
  runAt = new Date(),
  maxAttempts = 5,
): Promise<string> {
  const [row] = await ex
    .insert(jobs)
    .values({ kind, payload, runAt, maxAttempts })
    .returning({ id: jobs.id });
  if (!row) throw new Error("job not stored");
  return row.id;
}

/** The jobs table (docs/architecture.md, scheduled work): enqueue, claim with SKIP LOCKED, finish or retry. */
export function createJobQueue(db: Db) {
  return {
    enqueue: (kind: string, payload: Record<string, unknown>, runAt = new Date(), maxAttempts = 5) =>
      enqueueJob(db, kind, payload, runAt, maxAttempts),
    ensureQueued: (kind: string, runAt = new Date()) => ensureJobQueued(db, kind, runAt),
    claim: (workerId: string, limit = 5) => claimJobs(db, workerId, limit),
    complete: (id: string) => completeJob(db, id),
    fail: (job: ClaimedJob, error: string) => failJob(db, job, error),
    release: (job: ClaimedJob) => releaseJob(db, job),
    requeueStale: (olderThanMs = 15 * 60_000) => requeueStaleJobs(db, olderThanMs),
    get: (id: string) => getJob(db, id),
  };
}
export type JobQueue = ReturnType<typeof createJobQueue>;

/** Claims up to `limit` due jobs; another instance claiming at the same time skips these rows. */
async function claimJobs(db: Db, workerId: string, limit: number): Promise<ClaimedJob[]> {
  return db.transaction(async (tx) => {
    const rows = await executeRows<{ id: string }>(
      tx,
      sql`SELECT id FROM jobs WHERE status = 'queued' AND run_at <= now() ORDER BY run_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`,
    );
    const claimed: ClaimedJob[] = [];
    for (const { id } of rows) {
      const [job] = await tx
        .update(jobs)
        .set({
          status: "running",
          lockedBy: workerId,
          lockedAt: new Date(),
          attempts: sql`${jobs.attempts} + 1`,
          updatedAt: new Date(),
        })
        .where(eq(jobs.id, id))
        .returning();
      if (job)
        claimed.push({
          id: job.id,
          kind: job.kind,
          payload: job.payload,
          attempts: job.attempts,
          maxAttempts: job.maxAttempts,
        });
    }
    return claimed;
  });
}

async function completeJob(db: Db, id: string) {
  await db
    .update(jobs)
    .set({ status: "done", finishedAt: new Date(), lockedBy: null, updatedAt: new Date() })
    .where(eq(jobs.id, id));
}

/** A failed attempt is retried with exponential back-off until its attempts run out. */
async function failJob(db: Db, job: ClaimedJob, error: string) {
  const finalFailure = job.attempts >= job.maxAttempts;
  const delaySeconds = Math.min(3600, 2 ** job.attempts * 5);
  await db
    .update(jobs)
    .set({
      status: finalFailure ? "failed" : "queued",
      lastError: error.slice(0, 2000),
      runAt: finalFailure ? undefined : new Date(Date.now() + delaySeconds * 1000),
      finishedAt: finalFailure ? new Date() : null,
      lockedBy: null,
      updatedAt: new Date(),
    })
    .where(eq(jobs.id, job.id));
}

/**
 * A job claimed but not started (its worker is stopping) goes back to the queue at once, and the
 * claim does not count as an attempt.
 */
async function releaseJob(db: Db, job: ClaimedJob) {
  await db
    .update(jobs)
    .set({
      status: "queued",
      attempts: sql`greatest(${jobs.attempts} - 1, 0)`,
      lockedBy: null,
      lockedAt: null,
      updatedAt: new Date(),
    })
    .where(and(eq(jobs.id, job.id), eq(jobs.status, "running")));
}

/**
 * Jobs left "running" by an instance that died are put back in the queue; one that has already
 * used all its attempts is marked failed instead, so a job that kills its worker cannot loop forever.
 */
async function requeueStaleJobs(db: Db, olderThanMs: number) {
  const cutoff = new Date(Date.now() - olderThanMs);
  const stale = and(eq(jobs.status, "running"), lte(jobs.lockedAt, cutoff));
  await db
    .update(jobs)
    .set({
      status: "failed",
      lastError: "abandoned by its worker after its last attempt",
      finishedAt: new Date(),
      lockedBy: null,
      updatedAt: new Date(),
    })
    .where(and(stale, gte(jobs.attempts, jobs.maxAttempts)));
  const rows = await db
    .update(jobs)
    .set({ status: "queued", lockedBy: null, lockedAt: null, updatedAt: new Date() })
    .where(stale)
    .returning({ id: jobs.id });
  return rows.length;
}

async function getJob(db: Db, id: string) {
  const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
  return row ?? null;
}

/** Queues a job of this kind unless one is already waiting: how recurring work keeps itself going. */
async function ensureJobQueued(db: Db, kind: string, runAt: Date) {
  const [waiting] = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.kind, kind), eq(jobs.status, "queued")))
    .limit(1);
  return waiting ? waiting.id : enqueueJob(db, kind, {}, runAt, 5);
}
