import { isMessageTemplateKey, renderMessage, type MessageTemplateKey } from "../../domain/messages.js";
import { outboxPaths } from "./paths.js";
import type { OutboxRow } from "./queries.js";

const TEMPLATE_NAMES: Record<MessageTemplateKey, string> = {
  "decision-awaited": "A decision awaits your body",
  "password-reset": "Password reset link",
  "account-created": "Your new account",
  "email-verification": "Confirm a supplier's email address",
  "supplier-colleague-added": "Added to a supplier",
  "tender-addendum": "A tender has changed",
  "clarification-answered": "A clarification is answered",
  "submission-receipt": "Tender submission receipt",
  "tender-deadline-reminder": "A tender closes in 48 hours",
  "pqq-outcome": "Pre-qualification outcome",
  "itt-invitation": "Invitation to tender",
};

type DeliveryKind = "outbox" | "smtp" | "notify";

/** The words for a message's state; the tag colour only repeats them. */
function statusOf(row: OutboxRow, delivery: DeliveryKind) {
  switch (row.status) {
    case "sent":
      return { text: "Sent", classes: "govuk-tag--green" };
    case "failed":
      return { text: "Not delivered", classes: "govuk-tag--red" };
    case "pending":
      return delivery === "outbox"
        ? { text: "Kept here", classes: "govuk-tag--grey" }
        : { text: row.attempts > 0 ? "Retrying" : "Waiting to be sent", classes: "govuk-tag--yellow" };
  }
}

function templateName(key: string): string {
  return isMessageTemplateKey(key) ? TEMPLATE_NAMES[key] : key;
}

export function presentOutboxRow(row: OutboxRow, delivery: DeliveryKind) {
  return {
    id: row.id,
    href: outboxPaths.message(row.id),
    template: templateName(row.templateKey),
    recipient: row.recipient,
    status: statusOf(row, delivery),
    createdAt: row.createdAt.toISOString(),
  };
}

/** One message as its recipient reads it (what SMTP sends), with its delivery record. */
export function presentMessage(row: OutboxRow, delivery: DeliveryKind) {
  const text = isMessageTemplateKey(row.templateKey)
    ? renderMessage(row.templateKey, row.personalisation)
    : { subject: row.templateKey, body: "" };
  return {
    ...presentOutboxRow(row, delivery),
    subject: text.subject,
    body: text.body,
    attempts: row.attempts,
    lastError: row.lastError,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    sentAt: row.sentAt?.toISOString() ?? null,
    providerReference: row.providerReference,
  };
}
