import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { Executor } from "../../../db/client.js";
import { auditEvents, tenderInterests, tenderSubmissions } from "../../../db/schema/index.js";
import type { Section } from "../../../domain/tendering.js";

/** The deadline reminder's reads (docs/tendering.md, notifications). */

export const REMINDER_SENT_ACTION = "deadline-reminder-sent";

/** The organisations interested in the tender; for a restricted ITT, only those invited to tender. */
export async function interestedOrganisations(ex: Executor, tenderId: string, invitedOnly: boolean) {
  const rows = await ex
    .select({ organisationId: tenderInterests.organisationId })
    .from(tenderInterests)
    .where(
      and(
        eq(tenderInterests.tenderId, tenderId),
        invitedOnly ? isNotNull(tenderInterests.invitedToTenderAt) : undefined,
      ),
    );
  return rows.map((r) => r.organisationId);
}

/** The organisations with a submitted submission for the section. */
export async function submittedOrganisations(ex: Executor, tenderId: string, section: Section) {
  const rows = await ex
    .selectDistinct({ organisationId: tenderSubmissions.organisationId })
    .from(tenderSubmissions)
    .where(
      and(
        eq(tenderSubmissions.tenderId, tenderId),
        eq(tenderSubmissions.section, section),
        eq(tenderSubmissions.status, "submitted"),
      ),
    );
  return new Set(rows.map((r) => r.organisationId));
}

/** Whether the reminder for this section and deadline was already sent: its audit record says so. */
export async function reminderAlreadySent(
  ex: Executor,
  tenderId: string,
  section: Section,
  deadline: string,
) {
  const [row] = await ex
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.entityType, "tender"),
        eq(auditEvents.entityId, tenderId),
        eq(auditEvents.action, REMINDER_SENT_ACTION),
        sql`${auditEvents.summary}->>'section' = ${section}`,
        sql`${auditEvents.summary}->>'deadline' = ${deadline}`,
      ),
    )
    .limit(1);
  return row !== undefined;
}
