import { randomBytes } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import type { ClaimedJob, JobQueue } from "./queue.js";

export type JobHandler = (payload: Record<string, unknown>, job: ClaimedJob) => Promise<void>;

/**
 * The in-process worker: polls the jobs table, runs handlers, and stops cleanly (finishing the job
 * in hand) when the app closes. Several instances share the table safely.
 */
export function createWorker(
  queue: JobQueue,
  handlers: Record<string, JobHandler>,
  log: FastifyBaseLogger,
  pollMs = 1000,
) {
  const workerId = `worker-${randomBytes(6).toString("hex")}`;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;

  async function runOnce(): Promise<number> {
    const claimed = await queue.claim(workerId);
    for (const job of claimed) {
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
    return claimed.length;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
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
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
