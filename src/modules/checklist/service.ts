import type { Clock } from "../../domain/clock.js";
import { and, eq, inArray, notInArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Executor } from "../../db/client.js";
import { checklistTasks } from "../../db/schema/index.js";
import {
  TASK_STATUSES,
  TEMPLATE_TASKS,
  checklistFor,
  relevanceAt,
  tasksCompletedBy,
  tasksTouchedBy,
  templateTask,
  needsGovernance,
  type EvidenceItem,
  type EvidenceType,
  type TaskStatus,
} from "../../domain/checklist-template.js";
import type { IsoDate } from "../../domain/dates.js";
import { SYSTEM_ACTOR, type Actor } from "../../domain/policy.js";
import { recordAudit } from "../audit/service.js";
import { governanceCheck } from "../projects/queries.js";
import { NotFoundError, StaleVersionError, ValidationError, type FieldError } from "../../errors.js";
import { isoDateField } from "../../inputs.js";
import { presentChecklist, presentTask, type PresentedTask } from "./presenter.js";
import {
  evidenceOptions,
  evidenceTypeOf,
  findProject,
  heldEvidence,
  projectsShortOfTemplate,
  taskCountOf,
  taskRowsOf,
  type ProjectContext,
} from "./queries.js";

export const STALE_TASK_MESSAGE = "Someone else changed this task while you were editing it";

/** What the checklist's relevance turns on: the value, regime and start date (checklist-template.ts). */
interface ProjectFacts {
  projectId: string;
  estimatedValuePence: number;
  regime?: string;
  startedOn?: string;
}

/**
 * Creates the project's Appendix C tasks (46), each "not started", or "not applicable" with the reason
 * when its value, regime and start date make it irrelevant. Call it inside the transaction that creates
 * the project. Safe to call again: tasks that exist are left alone. Returns how many tasks it created.
 */

export async function instantiateChecklist(tx: Executor, input: ProjectFacts): Promise<number> {
  const facts = { valuePence: input.estimatedValuePence, regime: input.regime, on: input.startedOn };
  const rows = checklistFor(facts).flatMap((section) =>
    section.tasks.map((task) => ({
      projectId: input.projectId,
      taskKey: task.key,
      section: task.section,
      position: task.position,
      status: task.applicable ? ("not-started" as const) : ("not-applicable" as const),
      notApplicableReason: task.notApplicableReason,
    })),
  );
  const created = await tx
    .insert(checklistTasks)
    .values(rows)
    .onConflictDoNothing({ target: [checklistTasks.projectId, checklistTasks.taskKey] })
    .returning({ id: checklistTasks.id });
  return created.length;
}

/**
 * When a project's value changes (PATCH /projects/:id), call this in the same transaction: tasks the
 * new value makes irrelevant and that nobody has started become "not applicable" with the reason;
 * tasks the system had set aside for the old value come back as "not started". Returns the changed keys.
 */
export async function revalueChecklist(
  tx: Executor,
  input: ProjectFacts & { actor?: Actor },
): Promise<string[]> {
  const facts = { valuePence: input.estimatedValuePence, regime: input.regime, on: input.startedOn };
  const rows = await tx.select().from(checklistTasks).where(eq(checklistTasks.projectId, input.projectId));
  const changed: string[] = [];
  for (const row of rows) {
    const task = templateTask(row.taskKey);
    if (!task?.relevance) continue;
    const { applicable, reason } = relevanceAt(task, facts);
    let next: { status: TaskStatus; notApplicableReason: string | null } | null = null;
    if (!applicable && row.status === "not-started")
      next = { status: "not-applicable", notApplicableReason: reason };
    if (applicable && row.status === "not-applicable" && row.notApplicableReason === task.relevance.reason)
      next = { status: "not-started", notApplicableReason: null };
    if (!next) continue;
    await tx
      .update(checklistTasks)
      .set({ ...next, version: sql`${checklistTasks.version} + 1`, updatedAt: new Date() })
      .where(eq(checklistTasks.id, row.id));
    changed.push(row.taskKey);
  }
  if (changed.length) {
    await recordAudit(tx, input.actor ?? SYSTEM_ACTOR, {
      entityType: "checklist",
      entityId: input.projectId,
      action: "relevance-changed",
      summary: { estimatedValuePence: input.estimatedValuePence, taskKeys: changed },
    });
  }
  return changed;
}

export interface EvidenceInput {
  projectId: string;
  type: EvidenceType;
  /** document: its kind (docs/api.md kinds); decision: the kind of what was decided; record: its code. */
  kind?: string | undefined;
  /** decision only: the governance body that decided. */
  bodyCode?: string | undefined;
  /** decision only: a rejection completes nothing. */
  decision?: "approved" | "approved-with-conditions" | "rejected" | undefined;
  /** The document, decision or record (uuid) that is the evidence. */
  id: string;
  /** The date the evidence appeared: the task's completed date. */
  on: string;
  /** Who caused it; the system when absent. */
  actor?: Actor | undefined;
}

/**
 * Evidence appeared (a document was uploaded, a decision recorded, a record made): completes the
 * tasks it is the evidence for, unless they are already completed or not applicable. Call it inside
 * the transaction that stores the evidence. Returns the keys of the tasks it completed.
 */
export async function recordEvidence(tx: Executor, input: EvidenceInput): Promise<string[]> {
  const item: EvidenceItem = {
    type: input.type,
    kind: input.kind,
    bodyCode: input.bodyCode,
    decision: input.decision,
  };
  const touched = tasksTouchedBy(item);
  if (touched.length === 0) return [];
  const needsAll = touched.some((key) => templateTask(key)?.completedBy?.match === "all");
  const byGovernance = touched.some((key) => needsGovernance(templateTask(key)));
  const governance = byGovernance ? await governanceCheck(tx, input.projectId) : undefined;
  const complete = needsAll
    ? tasksCompletedBy([...(await heldEvidence(tx, input.projectId)), item], governance)
    : touched;
  const keys = touched.filter((key) => complete.includes(key));
  if (keys.length === 0) return [];
  const project = await findProject(tx, input.projectId);
  if (!project) throw new NotFoundError("No project has this id");
  await ensureChecklist(tx, project);
  const done = await tx
    .update(checklistTasks)
    .set({
      status: "completed",
      completedOn: input.on,
      evidenceType: input.type,
      evidenceId: input.id,
      completedAutomatically: true,
      notApplicableReason: null,
      version: sql`${checklistTasks.version} + 1`,
      updatedAt: new Date(),
    })
    .where(
      and(
        eq(checklistTasks.projectId, input.projectId),
        inArray(checklistTasks.taskKey, keys),
        notInArray(checklistTasks.status, ["completed", "not-applicable"]),
      ),
    )
    .returning({ key: checklistTasks.taskKey });
  const doneKeys = done.map((d) => d.key).sort(compareKeys);
  if (doneKeys.length) {
    await recordAudit(tx, input.actor ?? SYSTEM_ACTOR, {
      entityType: "checklist",
      entityId: input.projectId,
      action: "completed-automatically",
      summary: {
        taskKeys: doneKeys,
        evidence: { type: input.type, kind: input.kind ?? null, id: input.id, on: input.on },
      },
    });
  }
  return doneKeys;
}

function compareKeys(a: string, b: string): number {
  const [as = 0, ap = 0] = a.split(".").map(Number);
  const [bs = 0, bp = 0] = b.split(".").map(Number);
  return as - bs || ap - bp;
}

/**
 * A project whose checklist lacks tasks of the template (made before the checklist existed, or before
 * the template grew) gets them, with an audit record of its own (App C; docs/adr/0007).
 */
async function ensureChecklist(tx: Executor, project: ProjectContext) {
  const held = await taskCountOf(tx, project.id);
  if (held >= TEMPLATE_TASKS.length) return;
  await instantiateChecklist(tx, {
    projectId: project.id,
    estimatedValuePence: project.estimatedValuePence,
    regime: project.regime,
    startedOn: project.startedOn,
  });
  await recordAudit(tx, SYSTEM_ACTOR, {
    entityType: "checklist",
    entityId: project.id,
    action: "completed-from-template",
    summary: { tasksBefore: held, tasksInTemplate: TEMPLATE_TASKS.length },
  });
}

/** One schema for the API body; the page builds the same fields from its form. */
export const taskUpdateInput = z.object({
  status: z.enum(TASK_STATUSES, { error: "Select the task's status" }).optional(),
  plannedOn: isoDateField("Planned date").nullable().optional(),
  completedOn: isoDateField("Completed date").nullable().optional(),
  notApplicableReason: z
    .string()
    .trim()
    .max(2000, "Reason must be 2,000 characters or fewer")
    .nullable()
    .optional(),
  evidenceId: z
    .uuid("Evidence must be the id of a document or decision of this project")
    .nullable()
    .optional(),
  evidenceNote: z
    .string()
    .trim()
    .max(2000, "Evidence note must be 2,000 characters or fewer")
    .nullable()
    .optional(),
  version: z.number({ error: "Send the version of the task you read" }).int().min(1),
});
export type TaskUpdateInput = z.output<typeof taskUpdateInput>;

/** The project's checklist by section (docs/api.md: GET /projects/:id/checklist); null for no such project. */
async function get(db: Db, clock: Clock, projectId: string) {
  const project = await findProject(db, projectId);
  if (!project) return null;
  // A read changes nothing: a checklist short of the template is completed at start (completeAll).
  const rows = await taskRowsOf(db, projectId);
  return presentChecklist(project, rows, clock.today());
}

/** One task by its id or its key ("4.3"). */
async function getTask(db: Db, clock: Clock, projectId: string, taskRef: string) {
  const checklist = await get(db, clock, projectId);
  if (!checklist) return null;
  const task = checklist.sections.flatMap((s) => s.tasks).find((t) => t.id === taskRef || t.key === taskRef);
  return task ? { project: checklist.project, task } : null;
}

/** The status, dates and reason a task will have, with what is wrong with them. */
function statusAndDates(current: PresentedTask, input: TaskUpdateInput, today: IsoDate) {
  const status = input.status ?? current.status;
  const errors: FieldError[] = [];
  const plannedOn = input.plannedOn === undefined ? current.plannedOn : input.plannedOn;
  let completedOn = input.completedOn === undefined ? current.completedOn : input.completedOn;
  let reason =
    input.notApplicableReason === undefined ? current.notApplicableReason : input.notApplicableReason;
  if (status === "not-applicable" && !reason) {
    errors.push({ path: "notApplicableReason", message: "Enter why this task is not applicable" });
  }
  if (status !== "not-applicable") reason = null;
  if (status === "planned" && !plannedOn) {
    errors.push({ path: "plannedOn", message: "Enter the date this task is planned for" });
  }
  if (status === "completed") {
    completedOn ??= today;
    if (completedOn > today) {
      errors.push({ path: "completedOn", message: "Completed date must be today or in the past" });
    }
  } else if (input.completedOn) {
    errors.push({ path: "completedOn", message: "Only a completed task has a completed date" });
  } else {
    completedOn = null;
  }
  return { errors, status, plannedOn, completedOn, notApplicableReason: reason };
}

/** The evidence a task will link to, with what is wrong with it. */
async function linkedEvidence(db: Db, projectId: string, current: PresentedTask, input: TaskUpdateInput) {
  const errors: FieldError[] = [];
  let evidenceType = current.evidenceType;
  const evidenceId = input.evidenceId === undefined ? current.evidenceId : input.evidenceId;
  // The evidence already linked (a record the system made, say) is kept as it is.
  if (input.evidenceId && input.evidenceId !== current.evidenceId) {
    evidenceType = await evidenceTypeOf(db, projectId, input.evidenceId);
    if (!evidenceType) {
      errors.push({ path: "evidenceId", message: "Choose a document or decision of this project" });
    }
  } else if (input.evidenceId === null) {
    evidenceType = null;
  }
  return { errors, evidenceId, evidenceType };
}

/** What the update makes of the task, or a ValidationError naming every field that is wrong. */
async function taskChanges(
  db: Db,
  projectId: string,
  current: PresentedTask,
  input: TaskUpdateInput,
  today: IsoDate,
) {
  const dates = statusAndDates(current, input, today);
  const evidence = await linkedEvidence(db, projectId, current, input);
  const errors = [...dates.errors, ...evidence.errors];
  if (errors.length) throw new ValidationError(errors, errors.map((e) => e.message).join("; "));
  const { status } = dates;
  return {
    status,
    plannedOn: dates.plannedOn,
    completedOn: dates.completedOn,
    notApplicableReason: dates.notApplicableReason,
    evidenceId: evidence.evidenceId,
    evidenceType: evidence.evidenceType,
    evidenceNote: input.evidenceNote === undefined ? current.evidenceNote : input.evidenceNote || null,
    completedAutomatically:
      status === "completed" && current.status === "completed" && current.completedAutomatically,
  };
}

/**
 * Updates one task (docs/api.md: PATCH /projects/:id/checklist/:taskId). A stale version is refused
 * with 409 and nothing changes; "not applicable" needs a reason; "completed" takes today when no
 * date is given; a planned task needs its planned date.
 */
async function update(
  db: Db,
  clock: Clock,
  actor: Actor,
  projectId: string,
  taskRef: string,
  input: TaskUpdateInput,
) {
  const found = await getTask(db, clock, projectId, taskRef);
  if (!found) throw new NotFoundError("No task of this project has this id or key");
  const { project, task: current } = found;
  if (current.version !== input.version) {
    throw new StaleVersionError(STALE_TASK_MESSAGE, [], { current });
  }
  const today = clock.today();
  const changes = await taskChanges(db, projectId, current, input, today);
  const saved = new Map<string, unknown>(Object.entries(current));
  const changed = Object.fromEntries(Object.entries(changes).filter(([k, v]) => saved.get(k) !== v));

  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(checklistTasks)
      .set({ ...changes, version: sql`${checklistTasks.version} + 1`, updatedAt: new Date() })
      .where(and(eq(checklistTasks.id, current.id), eq(checklistTasks.version, input.version)))
      .returning();
    if (!row) throw new StaleVersionError(STALE_TASK_MESSAGE);
    await recordAudit(tx, actor, {
      entityType: "checklist-task",
      entityId: row.id,
      action: "updated",
      summary: { projectId, taskKey: row.taskKey, changes: changed },
    });
    return presentTask(row, project, today);
  });
}

/** Completes, at start, every checklist short of the template's tasks; returns how many it completed. */
async function completeAll(db: Db): Promise<number> {
  const short = await projectsShortOfTemplate(db, TEMPLATE_TASKS.length);
  for (const { id } of short) {
    await db.transaction(async (tx) => {
      const project = await findProject(tx, id);
      if (project) await ensureChecklist(tx, project);
    });
  }
  return short.length;
}

/** The procurement checklist of a project (App C): read it, update a task, complete it to the template. */
export function createChecklistService(db: Db, clock: Clock) {
  return {
    get: (projectId: string) => get(db, clock, projectId),
    getTask: (projectId: string, taskRef: string) => getTask(db, clock, projectId, taskRef),
    update: (actor: Actor, projectId: string, taskRef: string, input: TaskUpdateInput) =>
      update(db, clock, actor, projectId, taskRef, input),
    evidenceOptions: (projectId: string) => evidenceOptions(db, projectId),
    completeAll: () => completeAll(db),
  };
}
