import type { Clock } from "../../domain/clock.js";
import { and, arrayOverlaps, asc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db, Executor } from "../../db/client.js";
import { governanceBodies, governanceMembers, users } from "../../db/schema/index.js";
import { MEMBERSHIP_ROLES } from "../../domain/decision-authority.js";
import {
  membershipListIssues,
  planMembershipChanges,
  removalRefusal,
  type ListedUser,
  type MembershipItem,
  type StoredMembership,
} from "../../domain/memberships.js";
import type { Actor } from "../../domain/policy.js";
import { STAFF_ROLES } from "../../domain/roles.js";
import { ConflictError, NotFoundError, ValidationError, type FieldError } from "../../errors.js";
import { recordAudit } from "../audit/service.js";
import { isoDateField } from "../../inputs.js";

/** One membership in PUT /governance-bodies/:code/members (docs/api.md). */
export const membershipInput = z.object({
  userId: z.uuid({ error: "Select a person: userId must be a user's id" }),
  role: z.enum(MEMBERSHIP_ROLES, { error: "Role must be chair, member or officer" }),
  from: isoDateField("The first day (from)"),
  to: isoDateField("The last day (to)")
    .nullable()
    .optional()
    .describe("the last day in the body; omit while it lasts"),
});
export type MembershipInput = z.output<typeof membershipInput>;

export const membersInput = z.object({
  members: z.array(membershipInput).max(500, "A body has at most 500 memberships"),
});

/** Zod's path `members.2.to` as the API writes field paths: `members[2].to`. */
export function memberFieldErrors(error: z.ZodError): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const path =
      issue.path
        .map((p, i) => (typeof p === "number" ? `[${String(p)}]` : `${i ? "." : ""}${String(p)}`))
        .join("") || "members";
    if (seen.has(path)) continue;
    seen.add(path);
    out.push({ path, message: issue.message });
  }
  return out;
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

/**
 * Governance bodies' memberships (framework §2.1): administrators add and end them; each change is
 * audited. Who is in a body, and from when, decides who may record its decisions (decision-authority.ts).
 */
export function createGovernanceService(db: Db, clock: Clock) {
  async function findBody(ex: Executor, code: string, lock = false) {
    const query = ex
      .select({ id: governanceBodies.id, code: governanceBodies.code, name: governanceBodies.name })
      .from(governanceBodies)
      .where(eq(governanceBodies.code, code.toUpperCase()));
    const [row] = lock ? await query.for("update") : await query;
    return row ?? null;
  }

  async function storedMemberships(ex: Executor, bodyId: string) {
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

  /** One body's memberships, past, present and to come; null for an unknown body. */
  async function listMembers(code: string) {
    const body = await findBody(db, code);
    if (!body) return null;
    const members = await storedMemberships(db, body.id);
    return { body, members };
  }

  async function usersById(ex: Executor, ids: string[]): Promise<Map<string, ListedUser>> {
    if (ids.length === 0) return new Map();
    const rows = await ex
      .select({ id: users.id, name: users.name, active: users.active })
      .from(users)
      .where(inArray(users.id, ids));
    return new Map(rows.map((r) => [r.id, { name: r.name, active: r.active }]));
  }

  function membershipSummary(m: MembershipItem & { id: string }, name: string) {
    return { membershipId: m.id, userId: m.userId, name, role: m.role, from: m.from, to: m.to };
  }

  /**
   * Replaces a body's list inside one transaction: refuses bad input (400, field paths) and the
   * removal of a membership that has begun (409), writes the differences, audits each one.
   */
  async function applyList(
    tx: Executor,
    actor: Actor,
    body: { id: string; code: string; name: string },
    items: MembershipItem[],
  ) {
    const stored: StoredMembership[] = await storedMemberships(tx, body.id);
    const people = await usersById(tx, [...new Set([...items, ...stored].map((m) => m.userId))]);
    const issues = membershipListIssues(items, people, stored);
    if (issues.length) throw new ValidationError(issues);
    const plan = planMembershipChanges(stored, items);
    const begun = removalRefusal(plan.removed, clock.today());
    if (begun) {
      const name = people.get(begun.userId)?.name ?? "This person";
      throw new ConflictError(
        `${name}'s membership of ${body.name} (${begun.role}, from ${begun.from}) has begun: end it with its last day ("to") rather than removing it, so the body's history is kept`,
      );
    }
    const nameOf = (userId: string) => people.get(userId)?.name ?? "";
    for (const m of plan.removed) {
      await tx.delete(governanceMembers).where(eq(governanceMembers.id, m.id));
      await recordAudit(tx, actor, {
        entityType: "governance-body",
        entityId: body.code,
        action: "member-withdrawn",
        summary: { ...membershipSummary(m, nameOf(m.userId)), reason: "withdrawn before it began" },
      });
    }
    for (const { stored: m, to } of plan.changed) {
      await tx
        .update(governanceMembers)
        .set({ to, updatedAt: new Date() })
        .where(eq(governanceMembers.id, m.id));
      await recordAudit(tx, actor, {
        entityType: "governance-body",
        entityId: body.code,
        action: m.to === null ? "member-ended" : "member-end-changed",
        summary: { ...membershipSummary({ ...m, to }, nameOf(m.userId)), previousTo: m.to },
      });
    }
    for (const m of plan.added) {
      const [row] = await tx
        .insert(governanceMembers)
        .values({ bodyId: body.id, userId: m.userId, role: m.role, from: m.from, to: m.to })
        .returning({ id: governanceMembers.id });
      if (!row) throw new Error("membership not stored");
      await recordAudit(tx, actor, {
        entityType: "governance-body",
        entityId: body.code,
        action: "member-added",
        summary: membershipSummary({ ...m, id: row.id }, nameOf(m.userId)),
      });
    }
    return plan;
  }

  async function withBody<T>(
    code: string,
    work: (tx: Executor, body: { id: string; code: string; name: string }) => Promise<T>,
  ): Promise<T> {
    return db.transaction(async (tx) => {
      const body = await findBody(tx, code, true);
      if (!body) throw new NotFoundError(`No governance body has the code ${code}`);
      return work(tx, body);
    });
  }

  const asItem = (m: MembershipItem): MembershipItem => ({
    userId: m.userId,
    role: m.role,
    from: m.from,
    to: m.to,
  });

  /** PUT /governance-bodies/:code/members: the body's whole list, as it should be. */
  async function replaceMembers(actor: Actor, code: string, members: MembershipInput[]) {
    await withBody(code, (tx, body) =>
      applyList(
        tx,
        actor,
        body,
        members.map((m) => ({ ...m, to: m.to ?? null })),
      ),
    );
    return listMembers(code);
  }

  /** Adds one membership (the body page's form); errors are at `members[n]` of the whole list. */
  async function addMember(actor: Actor, code: string, member: MembershipInput) {
    return withBody(code, async (tx, body) => {
      const stored = await storedMemberships(tx, body.id);
      const items = [...stored.map(asItem), { ...member, to: member.to ?? null }];
      await applyList(tx, actor, body, items);
      return { body, index: stored.length };
    });
  }

  /** Ends one membership on its last day (or corrects that day); the membership stays in the history. */
  async function endMembership(actor: Actor, code: string, membershipId: string, to: string) {
    return withBody(code, async (tx, body) => {
      const stored = await storedMemberships(tx, body.id);
      const index = stored.findIndex((m) => m.id === membershipId);
      const target = stored[index];
      if (!target) throw new NotFoundError("This body has no such membership");
      const items = stored.map((m) => (m.id === membershipId ? { ...asItem(m), to } : asItem(m)));
      await applyList(tx, actor, body, items);
      return { body, membership: { ...target, to }, index };
    });
  }

  /** One membership of a body with the person's name; null when there is none. */
  async function findMembership(code: string, membershipId: string) {
    if (!z.uuid().safeParse(membershipId).success) return null;
    const found = await listMembers(code);
    const membership = found?.members.find((m) => m.id === membershipId);
    return found && membership ? { body: found.body, membership } : null;
  }

  /** Active staff who may be added to a body, by name. */
  async function peopleOptions() {
    const rows = await db
      .select({ id: users.id, name: users.name, email: users.email })
      .from(users)
      .where(and(eq(users.active, true), arrayOverlaps(users.roles, [...STAFF_ROLES])));
    return rows.sort(byName);
  }

  return { listMembers, replaceMembers, addMember, endMembership, findMembership, peopleOptions };
}
