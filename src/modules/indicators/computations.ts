import { ProblemError } from "../../errors.js";

/**
 * Heavy indicator computations, one at a time (two on PostgreSQL), in the order asked, with what
 * they computed kept for the data they were computed from.
 *
 * Why: the embedded database (PGlite) runs in the web process's own thread, and a computation over
 * client-level data holds that thread for as long as its statement runs. Sent side by side, several
 * ran back to back with no gap between them, so a health check or a page arriving meanwhile waited
 * for all of them. Queued here, each waits for the one before to end and then gives the event loop a
 * turn, so other requests wait for at most the computation in progress (docs/security.md).
 */

/** Too many waiting: the caller should try again shortly (503), rather than queue without bound. */
export class ComputationsBusyError extends ProblemError {
  constructor() {
    super(
      503,
      "Service busy",
      "Too many indicator computations are waiting: try again in a minute. Values already computed for the same data come back at once.",
    );
  }
}

export interface ComputationQueueOptions {
  /** How many run at once. */
  readonly concurrency: number;
  /** How many may wait; beyond that a request is refused with 503. */
  readonly maxWaiting: number;
}

/**
 * Lets incoming requests run before the next computation holds the thread again: a few idle
 * milliseconds, so that a request needing several turns of the event loop (accept, read, answer) is
 * answered, not just the first of them.
 */
export const PAUSE_BETWEEN_MS = 30;
const yieldToEventLoop = async () => {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setTimeout(resolve, PAUSE_BETWEEN_MS));
};

export function createComputationQueue(options: ComputationQueueOptions) {
  let running = 0;
  const waiting: (() => void)[] = [];

  function release() {
    running--;
    const next = waiting.shift();
    if (next) {
      running++;
      next();
    }
  }

  async function run<T>(task: () => Promise<T>): Promise<T> {
    if (running >= options.concurrency) {
      if (waiting.length >= options.maxWaiting) throw new ComputationsBusyError();
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else running++;
    try {
      return await task();
    } finally {
      await yieldToEventLoop();
      release();
    }
  }

  return { run, stats: () => ({ running, waiting: waiting.length }) };
}

/**
 * Results by key, the least recently used dropped first. A key names the data version it was computed
 * from, so an import or a replacement (a new version) never meets an old entry: nothing needs
 * clearing, and each instance of several on one PostgreSQL stays right on its own.
 */
export function createResultCache<T>(maxEntries: number) {
  const entries = new Map<string, T>();
  /** The same computation asked for again while it runs: the callers share it. */
  const inFlight = new Map<string, Promise<T>>();
  let hits = 0;
  let misses = 0;

  async function get(key: string, compute: () => Promise<T>): Promise<T> {
    const kept = entries.get(key);
    if (kept !== undefined) {
      hits++;
      entries.delete(key);
      entries.set(key, kept);
      return kept;
    }
    const running = inFlight.get(key);
    if (running) {
      hits++;
      return running;
    }
    misses++;
    const promise = compute().then((value) => {
      entries.set(key, value);
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
      return value;
    });
    inFlight.set(key, promise);
    try {
      return await promise;
    } finally {
      inFlight.delete(key);
    }
  }

  return { get, stats: () => ({ entries: entries.size, hits, misses }) };
}
