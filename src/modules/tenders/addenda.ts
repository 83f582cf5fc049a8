import type { Executor } from "../../db/client.js";
import { tenderAddenda } from "../../db/schema/index.js";
import type { Actor } from "../../domain/policy.js";
import { enqueueMessage } from "../notifications/service.js";
import { scheduleDeadlineReminder } from "./deadline-reminder.js";
import { tenderPaths } from "./paths.js";
import { interestedRecipients, nextAddendumNumber, type TenderRow } from "./queries.js";

/**
 * An addendum (App C 5.5): a change to a published tender's deadline or document, numbered in the
 * tender's log and told to every interested supplier through the outbox, on the caller's transaction
 * (so a change that rolls back tells nobody, and one that commits always tells everyone).
 */
export async function recordAddendum(
  tx: Executor,
  actor: Actor,
  input: {
    tender: TenderRow;
    summary: string;
    changes: Record<string, unknown>;
    publicUrl: string;
  },
) {
  const { tender, summary, changes } = input;
  const number = await nextAddendumNumber(tx, tender.id);
  const [row] = await tx
    .insert(tenderAddenda)
    .values({ tenderId: tender.id, number, summary, changes, createdById: actor.id })
    .returning();
  if (!row) throw new Error("addendum not stored");
  const link = `${input.publicUrl}${tenderPaths.opportunity(tender.id)}`;
  const recipients = await interestedRecipients(tx, tender.id);
  for (const recipient of recipients) {
    await enqueueMessage(tx, {
      templateKey: "tender-addendum",
      recipient: recipient.email,
      personalisation: {
        tenderReference: tender.reference,
        tenderTitle: tender.title,
        summary: `Addendum ${String(number)}: ${summary}`,
        link,
      },
    });
  }
  return { addendum: row, notified: recipients.length };
}

/** The reminders 48 hours before each deadline the tender has (PQQ and tender), as they now stand. */
export async function scheduleReminders(
  tx: Executor,
  tender: Pick<TenderRow, "id" | "pqqDeadline" | "submissionDeadline">,
  which: { pqq: boolean; itt: boolean } = { pqq: true, itt: true },
) {
  if (which.pqq && tender.pqqDeadline) {
    await scheduleDeadlineReminder(tx, {
      tenderId: tender.id,
      section: "pqq",
      deadline: tender.pqqDeadline.toISOString(),
    });
  }
  if (which.itt) {
    await scheduleDeadlineReminder(tx, {
      tenderId: tender.id,
      section: "itt",
      deadline: tender.submissionDeadline.toISOString(),
    });
  }
}
