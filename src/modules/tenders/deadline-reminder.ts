import type { Executor } from "../../db/client.js";
import { enqueueJob } from "../../jobs/queue.js";

/**
 * The reminder 48 hours before a deadline (docs/tendering.md, notifications): queued when a tender is
 * published and again when an addendum moves a deadline. The job carries the deadline it was queued for;
 * its handler sends nothing when the tender's deadline has since moved, so only the latest one reminds.
 */
export const TENDER_DEADLINE_REMINDER_JOB = "tender-deadline-reminder";

export const REMINDER_HOURS_BEFORE = 48;

export interface DeadlineReminderPayload {
  tenderId: string;
  section: "pqq" | "itt";
  /** The deadline as an ISO instant, as it stood when the reminder was queued. */
  deadline: string;
}

export async function scheduleDeadlineReminder(
  ex: Executor,
  payload: DeadlineReminderPayload,
): Promise<void> {
  const runAt = new Date(new Date(payload.deadline).getTime() - REMINDER_HOURS_BEFORE * 3_600_000);
  await enqueueJob(ex, TENDER_DEADLINE_REMINDER_JOB, { ...payload }, runAt);
}
