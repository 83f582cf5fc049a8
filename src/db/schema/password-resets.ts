import { index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { idColumn, timestamps } from "./common.js";
import { users } from "./core.js";

/**
 * Single-use links to choose a password: a reset asked for on the sign-in page, or the link in the
 * message that tells a new user about their account. Only the token's SHA-256 is stored.
 */
export const passwordResetTokens = pgTable(
  "password_reset_tokens",
  {
    id: idColumn(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    purpose: text("purpose", { enum: ["reset", "new-account"] }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex("password_reset_tokens_token_hash_unique").on(t.tokenHash),
    index("password_reset_tokens_user").on(t.userId),
  ],
);

/** Reset requests by source address and by email, keyed hashes only, for throttling across instances. */
export const passwordResetRequests = pgTable(
  "password_reset_requests",
  {
    id: idColumn(),
    sourceHash: text("source_hash").notNull(),
    emailHash: text("email_hash").notNull(),
    ...timestamps(),
  },
  (t) => [
    index("password_reset_requests_source").on(t.sourceHash, t.createdAt),
    index("password_reset_requests_email").on(t.emailHash, t.createdAt),
  ],
);
