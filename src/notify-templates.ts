import { z } from "zod";
import type { MessageTemplateKey } from "./domain/messages.js";

/**
 * The GOV.UK Notify template id of each message the service sends (README, Configuration): one
 * environment variable per message, named by `notifyTemplateVariable`.
 */
export const notifyTemplateSettings = {
  NOTIFY_TEMPLATE_DECISION_AWAITED: z
    .uuid("must be a GOV.UK Notify template id")
    .optional()
    .describe(`GOV.UK Notify template id of "a decision awaits your body"`),
  NOTIFY_TEMPLATE_PASSWORD_RESET: z
    .uuid("must be a GOV.UK Notify template id")
    .optional()
    .describe("GOV.UK Notify template id of the password reset email"),
  NOTIFY_TEMPLATE_ACCOUNT_CREATED: z
    .uuid("must be a GOV.UK Notify template id")
    .optional()
    .describe("GOV.UK Notify template id of the new account email"),
  NOTIFY_TEMPLATE_EMAIL_VERIFICATION: z
    .uuid("must be a GOV.UK Notify template id")
    .optional()
    .describe(`GOV.UK Notify template id of the supplier's email confirmation`),
  NOTIFY_TEMPLATE_SUPPLIER_COLLEAGUE_ADDED: z
    .uuid("must be a GOV.UK Notify template id")
    .optional()
    .describe(`GOV.UK Notify template id of "you have been added to a supplier"`),
  NOTIFY_TEMPLATE_TENDER_ADDENDUM: z
    .uuid("must be a GOV.UK Notify template id")
    .optional()
    .describe(`GOV.UK Notify template id of a tender's addendum`),
  NOTIFY_TEMPLATE_CLARIFICATION_ANSWERED: z
    .uuid("must be a GOV.UK Notify template id")
    .optional()
    .describe(`GOV.UK Notify template id of "a clarification is answered"`),
  NOTIFY_TEMPLATE_SUBMISSION_RECEIPT: z
    .uuid("must be a GOV.UK Notify template id")
    .optional()
    .describe(`GOV.UK Notify template id of a tender submission's receipt`),
  NOTIFY_TEMPLATE_TENDER_DEADLINE_REMINDER: z
    .uuid("must be a GOV.UK Notify template id")
    .optional()
    .describe(`GOV.UK Notify template id of the reminder 48 hours before a tender closes`),
  NOTIFY_TEMPLATE_PQQ_OUTCOME: z
    .uuid("must be a GOV.UK Notify template id")
    .optional()
    .describe(`GOV.UK Notify template id of a pre-qualification outcome`),
  NOTIFY_TEMPLATE_ITT_INVITATION: z
    .uuid("must be a GOV.UK Notify template id")
    .optional()
    .describe(`GOV.UK Notify template id of the invitation to tender`),
};

type NotifyTemplateEnvironment = { [K in keyof typeof notifyTemplateSettings]?: string | undefined };

/** Each message's template id, as the environment gives it. */
export function notifyTemplateIds(
  e: NotifyTemplateEnvironment,
): Record<MessageTemplateKey, string | undefined> {
  return {
    "decision-awaited": e.NOTIFY_TEMPLATE_DECISION_AWAITED,
    "password-reset": e.NOTIFY_TEMPLATE_PASSWORD_RESET,
    "account-created": e.NOTIFY_TEMPLATE_ACCOUNT_CREATED,
    "email-verification": e.NOTIFY_TEMPLATE_EMAIL_VERIFICATION,
    "supplier-colleague-added": e.NOTIFY_TEMPLATE_SUPPLIER_COLLEAGUE_ADDED,
    "tender-addendum": e.NOTIFY_TEMPLATE_TENDER_ADDENDUM,
    "clarification-answered": e.NOTIFY_TEMPLATE_CLARIFICATION_ANSWERED,
    "submission-receipt": e.NOTIFY_TEMPLATE_SUBMISSION_RECEIPT,
    "tender-deadline-reminder": e.NOTIFY_TEMPLATE_TENDER_DEADLINE_REMINDER,
    "pqq-outcome": e.NOTIFY_TEMPLATE_PQQ_OUTCOME,
    "itt-invitation": e.NOTIFY_TEMPLATE_ITT_INVITATION,
  };
}
