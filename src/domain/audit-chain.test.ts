import { describe, expect, it } from "vitest";
import {
  auditHash,
  canonicalJson,
  GENESIS_HASH,
  verifyChain,
  type StoredAuditRecord,
} from "./audit-chain.js";

function chain(n: number): StoredAuditRecord[] {
  const out: StoredAuditRecord[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const content = {
      seq: i,
      at: `2026-01-0${i}T10:00:00.000Z`,
      actorId: null,
      actorLabel: "system",
      entityType: "organisation",
      entityId: `org-${i}`,
      action: "created",
      summary: { name: `Org ${i}`, nested: { b: 2, a: 1 } },
    };
    const hash = auditHash(prev, content);
    out.push({ ...content, id: `id-${i}`, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe("canonicalJson", () => {
  it.each([
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ a: { d: [3, { z: 1, y: 2 }], c: null } }, '{"a":{"c":null,"d":[3,{"y":2,"z":1}]}}'],
    [{ a: undefined, b: "x" }, '{"b":"x"}'],
    ["text", '"text"'],
  ])("%j → %s", (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe("verifyChain (the audit trail is hash-chained, docs/architecture.md, data rules)", () => {
  it("accepts an intact chain", () => {
    expect(verifyChain(chain(4))).toEqual({ ok: true, count: 4 });
  });

  it.each([
    [
      "altered content",
      (c: StoredAuditRecord[]) => {
        const r = c[2];
        if (r) c[2] = { ...r, summary: { name: "Changed" } };
      },
      3,
      "altered",
    ],
    [
      "a missing record",
      (c: StoredAuditRecord[]) => {
        c.splice(1, 1);
      },
      3,
      "missing",
    ],
    [
      "a re-hashed record whose successor no longer links",
      (c: StoredAuditRecord[]) => {
        const r = c[1];
        if (!r) throw new Error("no record");
        const changed = { ...r, action: "deleted" };
        const { id: _i, prevHash: _p, hash: _h, ...content } = changed;
        c[1] = { ...changed, hash: auditHash(r.prevHash, content) };
      },
      3,
      "previous-record hash",
    ],
  ])("names the first broken record after %s", (_label, tamper, seq, reason) => {
    const c = chain(4);
    tamper(c);
    const verdict = verifyChain(c);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) {
      expect(verdict.brokenAt.seq).toBe(seq);
      expect(verdict.brokenAt.reason).toContain(reason);
    }
  });
});
