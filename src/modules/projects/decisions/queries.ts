import { and, asc, eq, inArray } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Executor } from "../../../db/client.js";
import {
  decisions,
  governanceBodies,
  governanceMembers,
  projectDocuments,
  users,
} from "../../../db/schema/index.js";
import { heldOn } from "../../../domain/decision-authority.js";
import { membershipHeldOn } from "../../governance/queries.js";

/** Reads of governance bodies' decisions on a project, and of who sits on the bodies. */

const recorders = alias(users, "recorders");

export async function decisionsOf(ex: Executor, projectId: string, decisionId?: string) {
  return ex
    .select({
      decision: decisions,
      memberName: users.name,
      recordedByName: recorders.name,
      subjectKind: projectDocuments.kind,
      subjectTitle: projectDocuments.title,
    })
    .from(decisions)
    .leftJoin(users, eq(users.id, decisions.memberId))
    .innerJoin(recorders, eq(recorders.id, decisions.recordedById))
    .leftJoin(
      projectDocuments,
      and(eq(decisions.subjectType, "document"), eq(projectDocuments.id, decisions.subjectId)),
    )
    .where(
      decisionId
        ? and(eq(decisions.projectId, projectId), eq(decisions.id, decisionId))
        : eq(decisions.projectId, projectId),
    )
    .orderBy(asc(decisions.decidedOn), asc(decisions.createdAt));
}

export async function findBody(ex: Executor, code: string) {
  const [row] = await ex.select().from(governanceBodies).where(eq(governanceBodies.code, code));
  return row ?? null;
}

/** The user's periods in the body, past and present (for decision-authority.ts). */
export async function membershipsOf(ex: Executor, bodyId: string, userId: string) {
  return ex
    .select({ role: governanceMembers.role, from: governanceMembers.from, to: governanceMembers.to })
    .from(governanceMembers)
    .where(and(eq(governanceMembers.bodyId, bodyId), eq(governanceMembers.userId, userId)));
}

/** Whether the user was a chair or member of the body on that day (the member named in a decision). */
export async function decidedAsMember(ex: Executor, bodyId: string, userId: string, on: string) {
  const periods = await membershipsOf(ex, bodyId, userId);
  return periods.some((p) => p.role !== "officer" && heldOn(p, on));
}

/**
 * Members (chairs and members, not officers) of every body, for naming who decided: everyone in the
 * body today (a meeting may predate the newest members; the service checks). One whose membership
 * begins later is not listed: a meeting is never in the future, so they cannot have decided.
 */
export async function bodyMembers(ex: Executor, today: string) {
  return ex
    .select({
      userId: users.id,
      name: users.name,
      bodyCode: governanceBodies.code,
      bodyName: governanceBodies.name,
    })
    .from(governanceMembers)
    .innerJoin(governanceBodies, eq(governanceBodies.id, governanceMembers.bodyId))
    .innerJoin(users, eq(users.id, governanceMembers.userId))
    .where(and(inArray(governanceMembers.role, ["chair", "member"]), membershipHeldOn(today)))
    .orderBy(asc(governanceBodies.name), asc(users.name));
}

/** Every governance body, by name (the decision form's select, and who decides what next). */
export async function allBodies(ex: Executor) {
  return ex
    .select({ id: governanceBodies.id, code: governanceBodies.code, name: governanceBodies.name })
    .from(governanceBodies)
    .orderBy(asc(governanceBodies.name));
}
