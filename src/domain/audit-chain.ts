import { createHash } from "node:crypto";

/** The fields of an audit record that its hash covers (docs/architecture.md, data rules). */
export interface AuditRecordContent {
  seq: number;
  at: string;
  actorId: string | null;
  actorLabel: string;
  entityType: string;
  entityId: string;
  action: string;
  summary: Record<string, unknown>;
}

/** The hash that the first record chains to. */
export const GENESIS_HASH = "0".repeat(64);

/** JSON with keys sorted at every depth, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function auditHash(prevHash: string, record: AuditRecordContent): string {
  return createHash("sha256").update(prevHash).update("\n").update(canonicalJson(record)).digest("hex");
}

export interface StoredAuditRecord extends AuditRecordContent {
  id: string;
  prevHash: string;
  hash: string;
}

export type ChainVerdict =
  | { ok: true; count: number }
  | { ok: false; count: number; brokenAt: { id: string; seq: number; reason: string } };

/** Walks the chain in order; names the first record whose links or content do not hold. */
export function verifyChain(
  records: Iterable<StoredAuditRecord>,
  startHash = GENESIS_HASH,
  startSeq = 0,
): ChainVerdict {
  let prev = startHash;
  let expectedSeq = startSeq + 1;
  let count = 0;
  for (const r of records) {
    count++;
    const broken = (reason: string): ChainVerdict => ({
      ok: false,
      count,
      brokenAt: { id: r.id, seq: r.seq, reason },
    });
    if (r.seq !== expectedSeq)
      return broken(`sequence ${r.seq} where ${expectedSeq} was expected (a record is missing)`);
    if (r.prevHash !== prev) return broken("its previous-record hash does not match the record before it");
    const { id: _id, prevHash: _p, hash: _h, ...content } = r;
    if (auditHash(prev, content) !== r.hash)
      return broken("its content does not match its hash (it was altered)");
    prev = r.hash;
    expectedSeq++;
  }
  return { ok: true, count };
}
