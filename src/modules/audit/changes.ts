import { desc } from "drizzle-orm";
import type { Database, Executor } from "../../db/client.js";
import { auditEvents } from "../../db/schema/index.js";
import { auditAppendsInThisProcess } from "./service.js";

/**
 * The audit chain as a version number for everything the use cases write. docs/architecture.md has every change
 * recorded in the audit trail in the change's own transaction, and recordAudit appends under the chain's
 * advisory lock with `seq` one more than the last: so the chain's head grows with every committed change,
 * in commit order, on every instance that shares the database. A value computed after reading head N
 * stays true for as long as the head is N (apart from what depends on the date, which callers put in
 * the key). That is what lets a page that evaluates every open project's gate answer from memory.
 */
export async function auditHead(ex: Executor): Promise<number> {
  const [last] = await ex
    .select({ seq: auditEvents.seq })
    .from(auditEvents)
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  return last?.seq ?? 0;
}

/** A number that changes whenever the data may have changed. */
export type ChangeVersion = () => Promise<number> | number;

/**
 * The version of the data for ChangeCache. On PostgreSQL, the chain's head, which every instance
 * shares. On the embedded database this process is the only writer (ADR 0001), and PGlite runs a
 * transaction with nothing else in between: so the count of audit records this process has begun to
 * append serves, without a query. A reader that sees the count move before the change commits waits
 * for the commit before its own reads run, so it never keeps older data under the newer count.
 */
export function changeVersionFor(database: Database): ChangeVersion {
  if (database.kind === "pglite") return auditAppendsInThisProcess;
  return () => auditHead(database.db);
}

/**
 * Read models kept until the next audited change. The head is read before the value is computed, so
 * a change committed in between can only make the kept value newer than its head, never older.
 * ("Head" here is whatever the ChangeVersion gives: see changeVersionFor.)
 * Requests that arrive while a value is being computed share the one computation. Callers must not
 * change the values they are given: the next request gets the same object.
 */
export class ChangeCache<V> {
  private readonly entries = new Map<string, { head: number; value: Promise<V> }>();

  constructor(
    private readonly version: ChangeVersion,
    private readonly maxEntries = 500,
  ) {}

  async get(key: string, compute: () => Promise<V>): Promise<V> {
    const head = await this.version();
    const kept = this.entries.get(key);
    if (kept?.head === head) {
      // Most recently used last, so the oldest is the first to go.
      this.entries.delete(key);
      this.entries.set(key, kept);
      return kept.value;
    }
    const value = compute();
    this.entries.delete(key);
    this.entries.set(key, { head, value });
    this.evictOldest();
    // A failure is not kept: the next request tries again.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  private evictOldest() {
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) return;
      this.entries.delete(oldest.value);
    }
  }
}

/**
 * Makes a ChangeCache on the composition root's version of the data: how the modules that keep read
 * models get one (services.ts), without each importing this file.
 */
export type ChangeCacheFactory = <V>(maxEntries: number) => ChangeCache<V>;
