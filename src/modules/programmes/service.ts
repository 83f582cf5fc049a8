import { asc, eq, inArray } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.js";
import { governanceBodies, governanceMembers, programmes, users } from "../../db/schema/index.js";
import { GOVERNANCE_BODIES, PROGRAMMES } from "../../db/reference-data.js";

/** Programmes and governance bodies: the framework's reference data (§1, §2). */
export function createReferenceService(db: Db) {
  async function listProgrammes() {
    const rows = await db.select().from(programmes).orderBy(asc(programmes.code));
    return rows.map((p) => ({ code: p.code, name: p.name, aims: p.aims, outcomes: p.outcomes }));
  }

  async function getProgramme(code: string) {
    const [p] = await db.select().from(programmes).where(eq(programmes.code, code.toUpperCase()));
    return p ? { code: p.code, name: p.name, aims: p.aims, outcomes: p.outcomes } : null;
  }

  async function listGovernanceBodies() {
    const rows = await db.select().from(governanceBodies);
    const order = new Map(GOVERNANCE_BODIES.map((b, i) => [b.code, i]));
    return rows
      .sort((a, b) => (order.get(a.code) ?? 99) - (order.get(b.code) ?? 99))
      .map((b) => ({
        code: b.code,
        name: b.name,
        kind: b.kind,
        parentCode: b.parentCode,
        programmeCodes: b.programmeCodes,
        description: b.description,
        paragraph: b.paragraph,
      }));
  }

  async function membersOf(bodyCodes: string[]) {
    if (bodyCodes.length === 0) return [];
    return db
      .select({
        bodyCode: governanceBodies.code,
        userId: users.id,
        name: users.name,
        role: governanceMembers.role,
      })
      .from(governanceMembers)
      .innerJoin(governanceBodies, eq(governanceBodies.id, governanceMembers.bodyId))
      .innerJoin(users, eq(users.id, governanceMembers.userId))
      .where(inArray(governanceBodies.code, bodyCodes))
      .orderBy(asc(governanceBodies.code), asc(users.name));
  }

  return { listProgrammes, getProgramme, listGovernanceBodies, membersOf };
}

/** Inserts the reference data that is missing; safe to run at every start, and keeps later edits. */
export async function loadReferenceData(db: Executor): Promise<void> {
  await db.insert(programmes).values(PROGRAMMES).onConflictDoNothing({ target: programmes.code });
  await db
    .insert(governanceBodies)
    .values(GOVERNANCE_BODIES)
    .onConflictDoNothing({ target: governanceBodies.code });
}
