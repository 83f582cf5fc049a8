import type { Clock } from "../../domain/clock.js";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db, Executor } from "../../db/client.js";
import { governanceMembers } from "../../db/schema/index.js";
import { MEMBERSHIP_ROLES } from "../../domain/decision-authority.js";
import {
  membershipListIssues,
  planMembershipChanges,
  removalRefusal,
  type MembershipItem,
  type StoredMembership,
} from "../../domain/memberships.js";
import type { Actor } from "../../domain/policy.js";
import { ConflictError, NotFoundError, ValidationError, type FieldError } from "../../errors.js";
import { recordAudit } from "../audit/service.js";
import { isoDateField } from "../../inputs.js";
import { findBody, peopleOptions, storedMemberships, usersById, type BodyRef } from "./queries.js";

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

function membershipSummary(m: MembershipItem & { id: string }, name: string) {
  return { membershipId: m.id, userId: m.userId, name, role: m.role, from: m.from, to: m.to };
}

/** One body's memberships, past, present and to come; null for an unknown body. */
async function listMembers(db: Executor, code: string) {
  const body = await findBody(db, code);
  if (!body) return null;
  const members = await storedMemberships(db, body.id);
  return { body, members };
}

/**
 * Refuses bad input (400, field paths) and the removal of a membership that has begun (409);
 * otherwise says what the list changes.
 */
async function checkedPlan(tx: Executor, body: BodyRef, items: MembershipItem[], today: string) {
  const stored: StoredMembership[] = await storedMemberships(tx, body.id);
  const people = await usersById(tx, [...new Set([...items, ...stored].map((m) => m.userId))]);
  const issues = membershipListIssues(items, people, stored);
  if (issues.length) throw new ValidationError(issues);
  const plan = planMembershipChanges(stored, items);
  const begun = removalRefusal(plan.removed, today);
  if (begun) {
    const name = people.get(begun.userId)?.name ?? "This person";
    throw new ConflictError(
      `${name}'s membership of ${body.name} (${begun.role}, from ${begun.from}) has begun: end it with its last day ("to") rather than removing it, so the body's history is kept`,
    );
  }
  const nameOf = (userId: string) => people.get(userId)?.name ?? "";
  return { plan, nameOf };
}

/**
 * Replaces a body's list inside one transaction: refuses bad input (400, field paths) and the
 * removal of a membership that has begun (409), writes the differences, audits each one.
 */
async function applyList(tx: Executor, actor: Actor, body: BodyRef, items: MembershipItem[], today: string) {
  const { plan, nameOf } = await checkedPlan(tx, body, items, today);
  const audit = (action: string, summary: Record<string, unknown>) =>
    recordAudit(tx, actor, { entityType: "governance-body", entityId: body.code, action, summary });
  for (const m of plan.removed) {
    await tx.delete(governanceMembers).where(eq(governanceMembers.id, m.id));
    await audit("member-withdrawn", {
      ...membershipSummary(m, nameOf(m.userId)),
      reason: "withdrawn before it began",
    });
  }
  for (const { stored: m, to } of plan.changed) {
    await tx
      .update(governanceMembers)
      .set({ to, updatedAt: new Date() })
      .where(eq(governanceMembers.id, m.id));
    await audit(m.to === null ? "member-ended" : "member-end-changed", {
      ...membershipSummary({ ...m, to }, nameOf(m.userId)),
      previousTo: m.to,
    });
  }
  for (const m of plan.added) {
    const [row] = await tx
      .insert(governanceMembers)
      .values({ bodyId: body.id, userId: m.userId, role: m.role, from: m.from, to: m.to })
      .returning({ id: governanceMembers.id });
    if (!row) throw new Error("membership not stored");
    await audit("member-added", membershipSummary({ ...m, id: row.id }, nameOf(m.userId)));
  }
  return plan;
}

async function withBody<T>(
  db: Db,
  code: string,
  work: (tx: Executor, body: BodyRef) => Promise<T>,
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
async function replaceMembers(db: Db, today: string, actor: Actor, code: string, members: MembershipInput[]) {
  await withBody(db, code, (tx, body) =>
    applyList(
      tx,
      actor,
      body,
      members.map((m) => ({ ...m, to: m.to ?? null })),
      today,
    ),
  );
  return listMembers(db, code);
}

/** Adds one membership (the body page's form); errors are at `members[n]` of the whole list. */
async function addMember(db: Db, today: string, actor: Actor, code: string, member: MembershipInput) {
  return withBody(db, code, async (tx, body) => {
    const stored = await storedMemberships(tx, body.id);
    const items = [...stored.map(asItem), { ...member, to: member.to ?? null }];
    await applyList(tx, actor, body, items, today);
    return { body, index: stored.length };
  });
}

/** Ends one membership on its last day (or corrects that day); the membership stays in the history. */
async function endMembership(
  db: Db,
  today: string,
  actor: Actor,
  change: { code: string; membershipId: string; to: string },
) {
  const { code, membershipId, to } = change;
  return withBody(db, code, async (tx, body) => {
    const stored = await storedMemberships(tx, body.id);
    const index = stored.findIndex((m) => m.id === membershipId);
    const target = stored[index];
    if (!target) throw new NotFoundError("This body has no such membership");
    const items = stored.map((m) => (m.id === membershipId ? { ...asItem(m), to } : asItem(m)));
    await applyList(tx, actor, body, items, today);
    return { body, membership: { ...target, to }, index };
  });
}

/** One membership of a body with the person's name; null when there is none. */
async function findMembership(db: Db, code: string, membershipId: string) {
  if (!z.uuid().safeParse(membershipId).success) return null;
  const found = await listMembers(db, code);
  const membership = found?.members.find((m) => m.id === membershipId);
  return found && membership ? { body: found.body, membership } : null;
}

/**
 * Governance bodies' memberships (framework §2.1): administrators add and end them; each change is
 * audited. Who is in a body, and from when, decides who may record its decisions (decision-authority.ts).
 */
export function createGovernanceService(db: Db, clock: Clock) {
  return {
    listMembers: (code: string) => listMembers(db, code),
    replaceMembers: (actor: Actor, code: string, members: MembershipInput[]) =>
      replaceMembers(db, clock.today(), actor, code, members),
    addMember: (actor: Actor, code: string, member: MembershipInput) =>
      addMember(db, clock.today(), actor, code, member),
    endMembership: (actor: Actor, code: string, membershipId: string, to: string) =>
      endMembership(db, clock.today(), actor, { code, membershipId, to }),
    findMembership: (code: string, membershipId: string) => findMembership(db, code, membershipId),
    peopleOptions: () => peopleOptions(db),
  };
}
