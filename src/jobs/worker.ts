import { randomBytes } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import type { ClaimedJob, JobQueue } from "./queue.js";

export type JobHandler = (payload: Record<string, unknown>, job: ClaimedJob) => Promise<void>;

export interface WorkerOptions {
  /** A job "running" longer than this is taken to be abandoned by a dead instance and requeued. */
  staleAfterMs?: number;
  /** How often this worker looks for abandoned jobs (any instance may put them back). */
  staleCheckEveryMs?: number;
}

/**
 * The in-process worker: polls the jobs table, runs handlers, and stops cleanly (finishing the job
 * in hand) when the app closes. Several instances share the table safely.
 */
export function createWorker(
  queue: JobQueue,
  handlers: Record<string, JobHandler>,
  log: FastifyBaseLogger,
  pollMs = 1000,
  options: WorkerOptions = {},
) {
  const workerId = `worker-${randomBytes(6).toString("hex")}`;
  const staleAfterMs = options.staleAfterMs ?? 15 * 60_000;
  const staleCheckEveryMs = options.staleCheckEveryMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;
  /** Set by stop(): jobs claimed but not yet started are released rather than run. */
  let stopping = false;
  let lastStaleCheck = 0;

  async function runOnce(): Promise<number> {
    if (Date.now() - lastStaleCheck >= staleCheckEveryMs) {
      lastStaleCheck = Date.now();
      const requeued = await queue.requeueStale(staleAfterMs);
      if (requeued > 0) log.warn({ requeued }, "requeued jobs abandoned by their worker");
    }
    const claimed = await queue.claim(workerId);
    return runClaimed(queue, handlers, log, claimed, () => stopping);
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = runOnce().catch((error: unknown) => {
        log.error({ err: error }, "job worker poll failed");
        return 0;
      });
      void running.finally(schedule);
    }, pollMs);
  }

  return {
    workerId,
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      stopping = false;
      schedule();
    },
    async stop() {
      stopped = true;
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

/** Runs the claimed jobs in turn and says how many it ran. */
async function runClaimed(
  queue: JobQueue,
  handlers: Record<string, JobHandler>,
  log: FastifyBaseLogger,
  claimed: readonly ClaimedJob[],
  stopping: () => boolean,
): Promise<number> {
  let ran = 0;
  for (const job of claimed) {
    // Stopping: the job in hand is finished, the ones not started go straight back to the queue.
    if (stopping()) {
      await queue.release(job);
      continue;
    }
    ran++;
    const handler = handlers[job.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
      await handler(job.payload, job);
      await queue.complete(job.id);
    } catch (error) {
      log.warn({ jobId: job.id, kind: job.kind, err: error }, "job failed");
      await queue.fail(job, error instanceof Error ? error.message : String(error));
    }
  }
  return ran;
}
