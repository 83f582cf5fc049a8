import { TASK_STATUSES, type TaskStatus } from "./checklist-template.js";
import { isOneOf } from "./codes.js";
import type { IsoDate } from "./dates.js";

/**
 * When a task of the procurement checklist is overdue. App C gives each task a "Planned/ Completed"
 * column: a task planned for a day that has passed, and still to be done, is late. Done means completed,
 * or set aside as not applicable (to the project's value, or for a reason a person gave). Pure: the
 * pages ask `isTaskOverdue`, and the reads ask the same in SQL (checklist/queries.ts, `taskOverdueOn`).
 */

/** Whether a task in each status is still to be done: every status is classed, so a new one must be. */
const STILL_TO_DO: Record<TaskStatus, boolean> = {
  "not-started": true,
  planned: true,
  "in-progress": true,
  completed: false,
  "not-applicable": false,
};

/** The statuses of a task still to be done (open), in the template's order. */
export const OPEN_TASK_STATUSES: readonly TaskStatus[] = TASK_STATUSES.filter(
  (status) => STILL_TO_DO[status],
);

function isTaskOpen(status: TaskStatus): boolean {
  return isOneOf(OPEN_TASK_STATUSES, status);
}

/** Overdue on `today`: still to be done, and planned for a day before it (a task due today is not late). */
export function isTaskOverdue(
  task: { status: TaskStatus; plannedOn: IsoDate | null },
  today: IsoDate,
): boolean {
  return isTaskOpen(task.status) && task.plannedOn !== null && task.plannedOn < today;
}
