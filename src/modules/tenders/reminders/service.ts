import { z } from "zod";
import type { Db } from "../../../db/client.js";
import { SYSTEM_ACTOR } from "../../../domain/policy.js";
import { sectionDeadline } from "../../../domain/tendering.js";
import type { JobHandler } from "../../../jobs/worker.js";
import { recordAudit } from "../../audit/service.js";
import { enqueueMessage } from "../../notifications/service.js";
import { tenderPaths } from "../paths.js";
import { ukDeadline } from "../opening/presenter.js";
import { findOpening, findTender, lockTender, supplierRecipients } from "../opening/queries.js";
import { sectionsOf } from "../opening/compliance.js";
import {
  interestedOrganisations,
  REMINDER_SENT_ACTION,
  reminderAlreadySent,
  submittedOrganisations,
} from "./queries.js";

/** The job's payload (deadline-reminder.ts): the tender, the section, and the deadline it was queued for. */
const reminderPayload = z.object({
  tenderId: z.string(),
  section: z.enum(["pqq", "itt"]),
  deadline: z.iso.datetime({ offset: true }),
});

export type ReminderOutcome =
  | { sent: number; organisations: number }
  | { sent: 0; skipped: "no-tender" | "not-published" | "deadline-moved" | "opened" | "already-sent" };

/**
 * The reminder 48 hours before a deadline (docs/tendering.md, notifications): every verified, active
 * user of each interested organisation (a restricted ITT: only those invited to tender) that has not yet
 * submitted for the section. Nothing when the tender is no longer published, the deadline has moved
 * since the job was queued (the addendum queued its own), or the section is already opened. Running
 * twice sends once: the reminder's audit record, written with its messages under a lock on the tender,
 * names the section and deadline, and a second run that finds it sends nothing.
 */
async function remind(db: Db, publicUrl: string, raw: Record<string, unknown>): Promise<ReminderOutcome> {
  const payload = reminderPayload.parse(raw);
  const deadline = new Date(payload.deadline);
  const tender = await findTender(db, payload.tenderId);
  if (!tender) return { sent: 0, skipped: "no-tender" };
  if (tender.status !== "published") return { sent: 0, skipped: "not-published" };
  const current = sectionsOf(tender).includes(payload.section)
    ? sectionDeadline(payload.section, tender)
    : null;
  if (current?.getTime() !== deadline.getTime()) return { sent: 0, skipped: "deadline-moved" };
  const iso = deadline.toISOString();
  return db.transaction(async (tx): Promise<ReminderOutcome> => {
    await lockTender(tx, tender.id);
    if (await reminderAlreadySent(tx, tender.id, payload.section, iso))
      return { sent: 0, skipped: "already-sent" };
    if (await findOpening(tx, tender.id, payload.section)) return { sent: 0, skipped: "opened" };
    const invitedOnly = payload.section === "itt" && sectionsOf(tender).includes("pqq");
    const submitted = await submittedOrganisations(tx, tender.id, payload.section);
    const organisations = (await interestedOrganisations(tx, tender.id, invitedOnly)).filter(
      (id) => !submitted.has(id),
    );
    const recipients = await supplierRecipients(tx, organisations);
    for (const r of recipients) {
      await enqueueMessage(tx, {
        templateKey: "tender-deadline-reminder",
        recipient: r.email,
        personalisation: {
          tenderReference: tender.reference,
          tenderTitle: tender.title,
          deadline: ukDeadline(deadline),
          link: `${publicUrl}${tenderPaths.submission(tender.id)}`,
        },
      });
    }
    await recordAudit(tx, SYSTEM_ACTOR, {
      entityType: "tender",
      entityId: tender.id,
      action: REMINDER_SENT_ACTION,
      summary: {
        section: payload.section,
        deadline: iso,
        organisations: organisations.length,
        messages: recipients.length,
      },
    });
    return { sent: recipients.length, organisations: organisations.length };
  });
}

export function createRemindersService(db: Db, publicUrl: string) {
  return {
    remind: (payload: Record<string, unknown>) => remind(db, publicUrl, payload),
  };
}

/** The worker's handler of TENDER_DEADLINE_REMINDER_JOB (registered in web/app.ts). */
export function reminderJobHandler(reminders: ReturnType<typeof createRemindersService>): JobHandler {
  return async (payload) => {
    await reminders.remind(payload);
  };
}
