import { and, asc, desc, eq, gt, ilike, lt, or, sql, type SQL } from "drizzle-orm";
import { auditHash, GENESIS_HASH, verifyChain, type ChainVerdict } from "../../domain/audit-chain.js";
import type { Actor } from "../../domain/policy.js";
import type { Db, Executor } from "../../db/client.js";
import { auditEvents } from "../../db/schema/index.js";

export interface AuditEntry {
  entityType: string;
  entityId: string;
  action: string;
  summary: Record<string, unknown>;
}

/** Serialises appends across connections and instances, so the chain never forks. */
const AUDIT_CHAIN_LOCK_KEY = 741_852_964;

/**
 * How many records this process has begun to append, on any database. With the embedded database one
 * process owns the data (ADR 0001), so this moves with every change to it (changes.ts, ADR 0004).
 */
let appendsInThisProcess = 0;

export function auditAppendsInThisProcess(): number {
  return appendsInThisProcess;
}

/**
 * Appends one record to the chain. Call it inside the use case's own transaction (docs/architecture.md):
 * if the change rolls back, so does its record.
 */
export async function recordAudit(tx: Executor, actor: Actor, entry: AuditEntry): Promise<void> {
  appendsInThisProcess++;
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`);
  const [last] = await tx
    .select({ seq: auditEvents.seq, hash: auditEvents.hash })
    .from(auditEvents)
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  const prevHash = last?.hash ?? GENESIS_HASH;
  const content = {
    seq: (last?.seq ?? 0) + 1,
    at: new Date().toISOString(),
    actorId: actor.id,
    actorLabel: actor.label,
    entityType: entry.entityType,
    entityId: entry.entityId,
    action: entry.action,
    summary: entry.summary,
  };
  await tx.insert(auditEvents).values({ ...content, prevHash, hash: auditHash(prevHash, content) });
}

/**
 * Says why a transaction changes tables of the record without an audit record (sign-in bookkeeping, a
 * restore, reference data). Without it or a `recordAudit`, the database refuses the commit
 * (migration 0009; docs/adr/0007-every-change-audited-by-the-database.md). Transaction-local: it ends with the transaction.
 */
export async function markUnaudited(tx: Executor, reason: string): Promise<void> {
  await tx.execute(sql`SELECT set_config('commissioner.unaudited', ${reason}, true)`);
}

export interface AuditFilter {
  entityType?: string | undefined;
  action?: string | undefined;
  actor?: string | undefined;
  entityId?: string | undefined;
  /** Show records with seq below this (newest first paging). */
  before?: number | undefined;
  limit?: number | undefined;
}

export async function listAudit(db: Db, filter: AuditFilter) {
  const conditions: SQL[] = [];
  if (filter.entityType) conditions.push(eq(auditEvents.entityType, filter.entityType));
  if (filter.action) conditions.push(eq(auditEvents.action, filter.action));
  if (filter.entityId) conditions.push(eq(auditEvents.entityId, filter.entityId));
  if (filter.actor) {
    const pattern = `%${filter.actor.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const byActor = or(ilike(auditEvents.actorLabel, pattern));
    if (byActor) conditions.push(byActor);
  }
  if (filter.before) conditions.push(lt(auditEvents.seq, filter.before));
  const limit = Math.min(filter.limit ?? 50, 500);
  const rows = await db
    .select()
    .from(auditEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditEvents.seq))
    .limit(limit + 1);
  const items = rows.slice(0, limit);
  const next = rows.length > limit ? items.at(-1)?.seq : undefined;
  return { items, nextBefore: next };
}

export async function listAuditKinds(db: Db) {
  const entityTypes = await db
    .selectDistinct({ v: auditEvents.entityType })
    .from(auditEvents)
    .orderBy(auditEvents.entityType);
  const actions = await db
    .selectDistinct({ v: auditEvents.action })
    .from(auditEvents)
    .orderBy(auditEvents.action);
  return { entityTypes: entityTypes.map((r) => r.v), actions: actions.map((r) => r.v) };
}

/** Reads the chain in pages, in order, and checks every link (`commissioner audit:verify`). */
export async function verifyAuditChain(db: Db, pageSize = 5_000): Promise<ChainVerdict> {
  let prevHash = GENESIS_HASH;
  let lastSeq = 0;
  let total = 0;
  for (;;) {
    const page = await db
      .select({
        id: auditEvents.id,
        seq: auditEvents.seq,
        at: sql<string>`to_char(${auditEvents.at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
        actorId: auditEvents.actorId,
        actorLabel: auditEvents.actorLabel,
        entityType: auditEvents.entityType,
        entityId: auditEvents.entityId,
        action: auditEvents.action,
        summary: auditEvents.summary,
        prevHash: auditEvents.prevHash,
        hash: auditEvents.hash,
      })
      .from(auditEvents)
      .where(gt(auditEvents.seq, lastSeq))
      .orderBy(asc(auditEvents.seq))
      .limit(pageSize);
    if (page.length === 0) return { ok: true, count: total };
    // `at` is read back in the ISO form that was hashed (to_char above), whatever the server's DateStyle.
    const verdict = verifyChain(page, prevHash, lastSeq);
    if (!verdict.ok) return { ...verdict, count: total + verdict.count };
    total += verdict.count;
    const tail = page.at(-1);
    if (!tail) return { ok: true, count: total };
    prevHash = tail.hash;
    lastSeq = tail.seq;
  }
}
