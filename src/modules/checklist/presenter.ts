import type { checklistTasks } from "../../db/schema/index.js";
import { PROCUREMENT_BOARD_ABOVE_PENCE } from "../../domain/approvals.js";
import {
  CHECKLIST_TEMPLATE,
  describeCompletion,
  relevanceAt,
  templateTask,
  type TaskStatus,
} from "../../domain/checklist-template.js";
import type { IsoDate } from "../../domain/dates.js";
import { isTaskOverdue } from "../../domain/overdue.js";
import { parseStage, STAGE_NAMES } from "../../domain/stages.js";
import type { ProjectContext } from "./queries.js";

/** View models of the checklist: what its pages, print, PDF and API show of a project's tasks. */

export const TASK_STATUS_NAMES: Record<TaskStatus, string> = {
  "not-started": "Not started",
  planned: "Planned",
  "in-progress": "In progress",
  completed: "Completed",
  "not-applicable": "Not applicable",
};

export type TaskRow = typeof checklistTasks.$inferSelect;

export interface EvidenceOption {
  id: string;
  type: "document" | "decision";
  label: string;
}

export function presentTask(row: TaskRow, project: ProjectContext, today: IsoDate) {
  const task = templateTask(row.taskKey);
  const relevance = task
    ? relevanceAt(task, {
        valuePence: project.estimatedValuePence,
        regime: project.regime,
        on: project.startedOn,
      })
    : { applicable: true, reason: null };
  return {
    id: row.id,
    key: row.taskKey,
    section: row.section,
    position: row.position,
    text: task?.text ?? row.taskKey,
    details: [...(task?.details ?? [])],
    evidencedBy: task?.evidencedBy ?? "",
    status: row.status,
    statusName: TASK_STATUS_NAMES[row.status],
    plannedOn: row.plannedOn,
    completedOn: row.completedOn,
    notApplicableReason: row.notApplicableReason,
    /** Not applicable because of the project's value (the system's reason, not a person's). */
    notApplicableByValue:
      row.status === "not-applicable" &&
      !relevance.applicable &&
      row.notApplicableReason === relevance.reason,
    evidenceType: row.evidenceType,
    evidenceId: row.evidenceId,
    evidenceNote: row.evidenceNote,
    completedAutomatically: row.completedAutomatically,
    /** How the task completes itself, or null when a person completes it. */
    completesWhen: task ? describeCompletion(task) : null,
    applicable: relevance.applicable,
    valueNote:
      task?.overOneMillionNote && project.estimatedValuePence > PROCUREMENT_BOARD_ABOVE_PENCE
        ? task.overOneMillionNote
        : null,
    overdue: isTaskOverdue(row, today),
    version: row.version,
  };
}
export type PresentedTask = ReturnType<typeof presentTask>;

/** The project's checklist by section, with its progress (docs/api.md: GET /projects/:id/checklist). */
export function presentChecklist(project: ProjectContext, rows: TaskRow[], today: IsoDate) {
  const tasks = rows.map((r) => presentTask(r, project, today));
  const applicable = tasks.filter((t) => t.status !== "not-applicable");
  return {
    project,
    sections: CHECKLIST_TEMPLATE.map((s) => ({
      number: s.number,
      title: s.title,
      tasks: tasks.filter((t) => t.section === s.number),
    })),
    progress: {
      total: tasks.length,
      applicable: applicable.length,
      completed: applicable.filter((t) => t.status === "completed").length,
      overdue: tasks.filter((t) => t.overdue).length,
    },
  };
}

/** How a task's status shows in the task list (GOV.UK task list pattern). */
export function statusView(task: Pick<PresentedTask, "status" | "overdue">): {
  text: string;
  tag: boolean;
  classes: string;
} {
  if (task.status === "completed") return { text: "Completed", tag: false, classes: "" };
  if (task.status === "not-applicable")
    return { text: "Not applicable", tag: false, classes: "govuk-task-list__status--cannot-start-yet" };
  if (task.overdue) return { text: "Overdue", tag: true, classes: "govuk-tag--red" };
  if (task.status === "planned") return { text: "Planned", tag: true, classes: "govuk-tag--teal" };
  if (task.status === "in-progress") return { text: "In progress", tag: true, classes: "govuk-tag--yellow" };
  return { text: "Not started", tag: true, classes: "" };
}

const pounds = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP" });

/** Pence → "£1,000,000.00" (integer pence in, exact for any project value). */
export function formatPounds(pence: number): string {
  return pounds.format(pence / 100);
}

/** Documents and decisions of the project, as the choices of evidence a person may link a task to. */
export function evidenceChoices(
  documents: { id: string; title: string; kind: string }[],
  decided: { id: string; bodyCode: string; decision: string; decidedOn: string; minutesRef: string }[],
): EvidenceOption[] {
  return [
    ...documents.map((d) => ({
      id: d.id,
      type: "document" as const,
      label: `Document: ${d.title} (${d.kind})`,
    })),
    ...decided.map((d) => ({
      id: d.id,
      type: "decision" as const,
      label: `Decision: ${d.bodyCode} ${d.decision} on ${d.decidedOn} (minutes ${d.minutesRef})`,
    })),
  ];
}

/** The project as the annex names it: its programme and stage in words, not their codes (§3.3–3.19). */
export function annexProject(project: ProjectContext): { title: string; programme: string; stage: string } {
  const stage = parseStage(project.stage);
  const stageName =
    stage === null
      ? project.stage
      : stage === "closed"
        ? STAGE_NAMES.closed
        : `Stage ${stage}: ${STAGE_NAMES[stage]}`;
  return {
    title: project.title,
    programme: project.programmeName ?? project.programmeCode,
    stage: stageName,
  };
}
