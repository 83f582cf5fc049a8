import { and, asc, eq, inArray } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { GOVERNANCE_BODIES } from "../../db/reference-data.js";
import { governanceBodies, governanceMembers, programmes, users } from "../../db/schema/index.js";
import { membershipHeldOn } from "../governance/queries.js";

/** The reads of the framework's reference data: programmes and governance bodies (§1, §2). */

export async function programmeRows(ex: Executor) {
  return ex.select().from(programmes).orderBy(asc(programmes.code));
}

/** A programme by its code (any case), or null. */
export async function findProgramme(ex: Executor, code: string) {
  const [p] = await ex.select().from(programmes).where(eq(programmes.code, code.toUpperCase()));
  return p ? { code: p.code, name: p.name, aims: p.aims, outcomes: p.outcomes } : null;
}

/** Every governance body in the framework's order (§2, reference-data.ts); bodies added later come last. */
export async function governanceBodyRows(ex: Executor) {
  const rows = await ex.select().from(governanceBodies);
  const order = new Map(GOVERNANCE_BODIES.map((b, i) => [b.code, i]));
  return rows.sort((a, b) => (order.get(a.code) ?? 99) - (order.get(b.code) ?? 99));
}

/** A governance body by its code (any case), or null. */
export async function findGovernanceBody(ex: Executor, code: string) {
  const [row] = await ex.select().from(governanceBodies).where(eq(governanceBodies.code, code.toUpperCase()));
  return row ?? null;
}

/** The bodies' members on a day: memberships ended or not yet begun are on each body's own page. */
export async function membersOn(ex: Executor, bodyCodes: string[], day: string) {
  if (bodyCodes.length === 0) return [];
  return ex
    .select({
      bodyCode: governanceBodies.code,
      userId: users.id,
      name: users.name,
      role: governanceMembers.role,
    })
    .from(governanceMembers)
    .innerJoin(governanceBodies, eq(governanceBodies.id, governanceMembers.bodyId))
    .innerJoin(users, eq(users.id, governanceMembers.userId))
    .where(and(inArray(governanceBodies.code, bodyCodes), membershipHeldOn(day)))
    .orderBy(asc(governanceBodies.code), asc(users.name));
}
