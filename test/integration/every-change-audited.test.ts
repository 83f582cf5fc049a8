import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import { organisations, users } from "../../src/db/schema/index.js";
import { markUnaudited, recordAudit } from "../../src/modules/audit/service.js";
import { buildTestApp, createUser, type TestApp } from "../helpers.js";

/**
 * Tables that change without an audit record, each with its reason. Every other table of the schema
 * must carry the `audit_required` check (migration 0009): a new table is audited unless it is added
 * here with a reason.
 */
const UNAUDITED_TABLES: Record<string, string> = {
  audit_events: "the audit chain itself",
  sessions: "sign-in bookkeeping: sessions come and go with every sign-in and expire",
  sign_in_attempts: "sign-in bookkeeping: the throttle's counts",
  unknown_sign_in_failures: "sign-in bookkeeping: failures for addresses that have no account",
  password_reset_requests: "sign-in bookkeeping: the throttle on asking for a password-reset link",
  password_reset_tokens:
    "single-use links: issuing one changes nothing of the record; using one changes a password, which is audited",
  email_verifications:
    "single-use links: issuing one changes nothing of the record; using one verifies an address, which is audited",
  outbox:
    "messages about changes, written with them; their delivery state changes as they are sent, which is no change of the record",
  jobs: "the job queue's own state; each job's effect is audited by its use case",
  blobs:
    "content-addressed storage, written as the bytes arrive and before the use case's transaction; a blob becomes part of the record when an audited document version names it",
  treatment_episodes: "client-level rows, written only with their dataset, whose import is audited",
  sp_stays: "client-level rows, written only with their dataset, whose import is audited",
  hia_referrals: "client-level rows, written only with their dataset, whose import is audited",
};

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

async function tablesWithoutAuditCheck(): Promise<string[]> {
  const result: unknown = await t.database.db.execute(sql`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
      AND NOT EXISTS (SELECT 1 FROM pg_trigger tg WHERE tg.tgrelid = c.oid AND tg.tgname = 'audit_required')
    ORDER BY 1`);
  return (result as { rows: { name: string }[] }).rows.map((r) => r.name);
}

/** The database's own message, under the driver's "Failed query" wrapper. */
async function refusal(write: Promise<unknown>): Promise<string> {
  try {
    await write;
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    return cause instanceof Error ? cause.message : String(cause);
  }
  return "committed";
}

function newOrganisation() {
  const code = `AUD${String(Date.now() % 100000)}${String(Math.floor(Math.random() * 1000))}`;
  return { name: `Audit check ${code}`, kind: "provider" as const, code };
}

describe("every change is audited, by construction", () => {
  it("every table of the record carries the check; the others are listed with a reason", async () => {
    expect(await tablesWithoutAuditCheck()).toEqual(Object.keys(UNAUDITED_TABLES).sort());
  });

  it("refuses to commit a change with no audit record, and keeps nothing of it", async () => {
    const organisation = newOrganisation();
    expect(await refusal(t.database.db.insert(organisations).values(organisation))).toMatch(
      /a change to organisations was not audited/,
    );
    const left: unknown = await t.database.db.execute(
      sql`SELECT 1 FROM organisations WHERE code = ${organisation.code}`,
    );
    expect((left as { rows: unknown[] }).rows).toHaveLength(0);
  });

  it("commits a change with its audit record, appended before or after it", async () => {
    for (const auditFirst of [true, false]) {
      const organisation = newOrganisation();
      await t.database.db.transaction(async (tx) => {
        const audit = () =>
          recordAudit(tx, SYSTEM_ACTOR, {
            entityType: "organisation",
            entityId: organisation.code,
            action: "test",
            summary: {},
          });
        if (auditFirst) await audit();
        await tx.insert(organisations).values(organisation);
        if (!auditFirst) await audit();
      });
    }
  });

  it("commits a change that says why it needs no audit record, for that transaction only", async () => {
    await t.database.db.transaction(async (tx) => {
      await markUnaudited(tx, "test: a fixture");
      await tx.insert(organisations).values(newOrganisation());
    });
    expect(await refusal(t.database.db.insert(organisations).values(newOrganisation()))).toMatch(
      /not audited/,
    );
  });

  it("lets bookkeeping columns change alone, but not a column of the record beside them", async () => {
    const user = await createUser(t.services, ["evaluator"]);
    const byId = eq(users.id, user.id);
    await t.database.db.update(users).set({ failedSignIns: 3, updatedAt: new Date() }).where(byId);
    expect(
      await refusal(t.database.db.update(users).set({ failedSignIns: 4, name: "Renamed" }).where(byId)),
    ).toMatch(/a change to users was not audited/);
    const [row] = await t.database.db.select().from(users).where(byId);
    expect(row).toMatchObject({ failedSignIns: 3, name: user.name });
  });
});
