import { and, arrayOverlaps, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { governanceBodies, governanceMembers, users } from "../../db/schema/index.js";
import type { ListedUser } from "../../domain/memberships.js";
import { STAFF_ROLES } from "../../domain/roles.js";

/**
 * The governance bodies' reads. `membershipHeldOn` is the one SQL form of `heldOn`
 * (src/domain/decision-authority.ts): a membership covers a day from its first day to its last,
 * inclusive, and one without a last day lasts (§2.1). Who sits in a body today, for the body lists,
 * a decision's notices and the decision form, is asked through here.
 */
export function membershipHeldOn(day: string): SQL {
  return sql`(${governanceMembers.from} <= ${day} AND (${governanceMembers.to} IS NULL OR ${governanceMembers.to} >= ${day}))`;
}

export interface BodyRef {
  id: string;
  code: string;
  name: string;
}

/** A body by its code (any case), locked for the list's change when asked; null when there is none. */
export async function findBody(ex: Executor, code: string, lock = false): Promise<BodyRef | null> {
  const query = ex
    .select({ id: governanceBodies.id, code: governanceBodies.code, name: governanceBodies.name })
    .from(governanceBodies)
    .where(eq(governanceBodies.code, code.toUpperCase()));
  const [row] = lock ? await query.for("update") : await query;
  return row ?? null;
}

/** A body's memberships, past, present and to come, with each person's name. */
export async function storedMemberships(ex: Executor, bodyId: string) {
  return ex
    .select({
      id: governanceMembers.id,
      userId: governanceMembers.userId,
      role: governanceMembers.role,
      from: governanceMembers.from,
      to: governanceMembers.to,
      name: users.name,
      active: users.active,
    })
    .from(governanceMembers)
    .innerJoin(users, eq(users.id, governanceMembers.userId))
    .where(eq(governanceMembers.bodyId, bodyId))
    .orderBy(asc(governanceMembers.from), asc(users.name));
}

export async function usersById(ex: Executor, ids: string[]): Promise<Map<string, ListedUser>> {
  if (ids.length === 0) return new Map();
  const rows = await ex
    .select({ id: users.id, name: users.name, active: users.active })
    .from(users)
    .where(inArray(users.id, ids));
  return new Map(rows.map((r) => [r.id, { name: r.name, active: r.active }]));
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

/** Active staff who may be added to a body, by name. */
export async function peopleOptions(ex: Executor) {
  const rows = await ex
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(and(eq(users.active, true), arrayOverlaps(users.roles, [...STAFF_ROLES])));
  return rows.sort(byName);
}
