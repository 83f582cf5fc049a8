import type { Db, Executor } from "../../../db/client.js";
import { decisions } from "../../../db/schema/index.js";
import type { Clock } from "../../../domain/clock.js";
import type { IsoDate } from "../../../domain/dates.js";
import { mayRecordDecision, type Actor } from "../../../domain/policy.js";
import { ForbiddenError, ValidationError } from "../../../errors.js";
import { recordAudit } from "../../audit/service.js";
import { recordEvidence } from "../../checklist/service.js";
import { findDocument, uploadedAVersion } from "../documents/queries.js";
import type { DecisionInput } from "../inputs.js";
import { hasLedProject, type ProjectRow } from "../queries.js";
import { requireProject } from "../refusals.js";
import { decidedAsMember, decisionsOf, findBody, membershipsOf } from "./queries.js";

/** Governance bodies' decisions on a project's documents and on the project itself (§2, §3.4–3.17). */

interface Deps {
  db: Db;
  clock: Clock;
}

/** What a decision is about; for a document, the version before the body and what it is. */
interface DecisionSubject {
  subjectType: "document" | "project";
  subjectVersion: number | null;
  subjectKind: string | null;
  subjectTitle: string | null;
}

type Body = NonNullable<Awaited<ReturnType<typeof findBody>>>;

export function presentDecision(row: Awaited<ReturnType<typeof decisionsOf>>[number]) {
  const d = row.decision;
  return {
    id: d.id,
    projectId: d.projectId,
    subjectType: d.subjectType,
    subjectId: d.subjectId,
    subjectVersion: d.subjectVersion,
    subjectKind: row.subjectKind,
    subjectTitle: row.subjectTitle,
    bodyCode: d.bodyCode,
    decision: d.decision,
    decidedOn: d.decidedOn,
    minutesRef: d.minutesRef,
    conditions: d.conditions,
    memberId: d.memberId,
    memberName: row.memberName,
    recordedById: d.recordedById,
    recordedByName: row.recordedByName,
    onBehalf: d.onBehalf,
    recordedAt: d.createdAt.toISOString(),
  };
}

/** What a decision is about: a document of this project (its latest version), or the project itself. */
async function decisionSubject(tx: Executor, projectId: string, subjectId: string): Promise<DecisionSubject> {
  if (subjectId === projectId) {
    return { subjectType: "project", subjectVersion: null, subjectKind: null, subjectTitle: null };
  }
  const doc = await findDocument(tx, subjectId);
  if (doc?.projectId !== projectId) {
    throw new ValidationError([
      { path: "subjectId", message: "Select a document of this project, or the project itself" },
    ]);
  }
  return {
    subjectType: "document",
    subjectVersion: doc.latestVersion,
    subjectKind: doc.kind,
    subjectTitle: doc.title,
  };
}

/**
 * Who records it, in what capacity (decision-authority.ts): refused with 403 naming the rule, or the
 * member the decision is recorded for (the actor, or the member an officer names).
 */
async function authorise(
  tx: Executor,
  actor: Actor,
  actorId: string,
  facts: { project: ProjectRow; body: Body; subject: DecisionSubject; input: DecisionInput; today: IsoDate },
) {
  const { project, body, subject, input, today } = facts;
  const verdict = mayRecordDecision(actor, "decisions:record", {
    bodyName: body.name,
    memberships: await membershipsOf(tx, body.id, actorId),
    decidedOn: input.decidedOn,
    today,
    minutesRef: input.minutesRef,
    decision: input.decision,
    uploadedSubject:
      subject.subjectType === "document" && (await uploadedAVersion(tx, input.subjectId, actorId)),
    leadsProject: project.leadCommissionerId === actorId || (await hasLedProject(tx, project.id, actorId)),
  });
  if (!verdict.allowed) throw new ForbiddenError(verdict.reason, { rule: verdict.rule });
  const onBehalf = verdict.capacity === "officer";
  if (!onBehalf) return { onBehalf, memberId: actorId };
  const memberId = input.memberId ?? null;
  if (memberId && !(await decidedAsMember(tx, body.id, memberId, input.decidedOn))) {
    throw new ValidationError([
      {
        path: "memberId",
        message: `This person was not a member of ${body.name} on the date of the meeting`,
      },
    ]);
  }
  return { onBehalf, memberId };
}

/** The decision's row, its audit record and its evidence on the checklist; its id. */
async function store(
  tx: Executor,
  actor: Actor,
  actorId: string,
  decided: { projectId: string; body: Body; subject: DecisionSubject; input: DecisionInput },
  capacity: { onBehalf: boolean; memberId: string | null },
) {
  const { projectId, body, subject, input } = decided;
  const { subjectType, subjectVersion } = subject;
  const [inserted] = await tx
    .insert(decisions)
    .values({
      projectId,
      subjectType,
      subjectId: input.subjectId,
      subjectVersion,
      bodyCode: body.code,
      decision: input.decision,
      decidedOn: input.decidedOn,
      minutesRef: input.minutesRef,
      conditions: input.conditions ?? null,
      memberId: capacity.memberId,
      recordedById: actorId,
      onBehalf: capacity.onBehalf,
    })
    .returning({ id: decisions.id });
  if (!inserted) throw new Error("decision not stored");
  await recordAudit(tx, actor, {
    entityType: "decision",
    entityId: inserted.id,
    action: "recorded",
    summary: {
      projectId,
      bodyCode: body.code,
      decision: input.decision,
      decidedOn: input.decidedOn,
      minutesRef: input.minutesRef,
      conditions: input.conditions ?? null,
      subjectType,
      subjectId: input.subjectId,
      subjectVersion,
      subjectKind: subject.subjectKind,
      subjectTitle: subject.subjectTitle,
      memberId: capacity.memberId,
      onBehalf: capacity.onBehalf,
    },
  });
  await recordEvidence(tx, {
    projectId,
    type: "decision",
    kind: subject.subjectKind ?? "procurement-plan",
    bodyCode: body.code,
    decision: input.decision,
    id: inserted.id,
    on: input.decidedOn,
    actor,
  });
  return inserted.id;
}

/**
 * A governance body's decision (§2, §3.4–3.17). A chair or member of the body on the meeting date
 * records it in their own name; one of the body's officers records it on its behalf with the minutes
 * reference, naming the member where known. Nobody records an approval of a document they uploaded,
 * nor of anything in a project they lead (separation of duties: decision-authority.ts). A meeting
 * cannot be later than today.
 */
async function record({ db, clock }: Deps, actor: Actor, projectId: string, input: DecisionInput) {
  const today = clock.today();
  if (input.decidedOn > today) {
    throw new ValidationError([
      { path: "decidedOn", message: "Date of the meeting must be today or in the past" },
    ]);
  }
  const actorId = actor.id;
  if (!actorId) throw new ForbiddenError("A decision is recorded by a person");
  const id = await db.transaction(async (tx) => {
    const project = await requireProject(tx, projectId, { lock: true });
    const body = await findBody(tx, input.bodyCode);
    if (!body) throw new ValidationError([{ path: "bodyCode", message: "Select a governance body" }]);
    const subject = await decisionSubject(tx, projectId, input.subjectId);
    const capacity = await authorise(tx, actor, actorId, { project, body, subject, input, today });
    return store(tx, actor, actorId, { projectId, body, subject, input }, capacity);
  });
  const [row] = await decisionsOf(db, projectId, id);
  if (!row) throw new Error("decision not found after recording");
  return presentDecision(row);
}

export function createDecisionsService(deps: Deps) {
  return {
    record: (actor: Actor, projectId: string, input: DecisionInput) => record(deps, actor, projectId, input),
    async list(projectId: string) {
      await requireProject(deps.db, projectId);
      return (await decisionsOf(deps.db, projectId)).map(presentDecision);
    },
  };
}
