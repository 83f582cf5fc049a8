import { index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { idColumn, timestamps } from "./common.js";

/**
 * Messages to send by email, written in the same transaction as the change that causes them, so a
 * change that rolls back sends nothing and one that commits is not lost (the transactional outbox).
 * A job delivers each one; with no mail service configured they stay here for administrators to read.
 */
export const outbox = pgTable(
  "outbox",
  {
    id: idColumn(),
    templateKey: text("template_key").notNull(),
    /** The email address it goes to. */
    recipient: text("recipient").notNull(),
    /** The template's fields, and nothing more (src/domain/messages.ts). */
    personalisation: jsonb("personalisation").$type<Record<string, string>>().notNull(),
    status: text("status", { enum: ["pending", "sent", "failed"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** Why the last attempt failed, in the mail service's terms, without any address. */
    lastError: text("last_error"),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    /** The mail service's own id for the message (GOV.UK Notify's id, or the SMTP Message-ID). */
    providerReference: text("provider_reference"),
    ...timestamps(),
  },
  (t) => [index("outbox_created_at").on(t.createdAt)],
);
