import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { emptyTextArray, idColumn, timestamps, versionColumn } from "./common.js";

export const organisations = pgTable(
  "organisations",
  {
    id: idColumn(),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["council", "partner", "provider", "supplier"] }).notNull(),
    code: text("code"),
    companyNumber: text("company_number"),
    charityNumber: text("charity_number"),
    /** Suppliers: the postal address, and whether the organisation is an SME or a VCSE (App C 5). */
    address: text("address"),
    sme: boolean("sme"),
    vcse: boolean("vcse"),
    /** Suppliers: where notices about tenders go when no person is named. */
    contactEmail: text("contact_email"),
    version: versionColumn(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex("organisations_code_unique").on(t.code),
    uniqueIndex("organisations_name_unique").on(t.name),
  ],
);

export const users = pgTable(
  "users",
  {
    id: idColumn(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash"),
    roles: text("roles").array().notNull().default(emptyTextArray),
    organisationId: uuid("organisation_id").references(() => organisations.id),
    /** AES-256-GCM ciphertext (docs/security.md): a database read or a backup does not yield the secret. */
    totpSecret: text("totp_secret"),
    totpEnabled: boolean("totp_enabled").notNull().default(false),
    /** A new authenticator's secret (ciphertext) until a code from it is confirmed; the current one stays on. */
    totpPendingSecret: text("totp_pending_secret"),
    /** The last 30-second step whose code was accepted: a code cannot be used twice. */
    totpLastStep: integer("totp_last_step"),
    /** Wrong two-factor codes counted since `totpFailuresSince`, an hour's window. */
    totpFailures: integer("totp_failures").notNull().default(0),
    totpFailuresSince: timestamp("totp_failures_since", { withTimezone: true }),
    /** Set after too many wrong codes: sign-in refused until an administrator unlocks the account. */
    totpLockedAt: timestamp("totp_locked_at", { withTimezone: true }),
    oidcSubject: text("oidc_subject"),
    active: boolean("active").notNull().default(true),
    /** When the person proved their address through the link sent to it (self-registered suppliers). */
    emailVerifiedAt: timestamp("email_verified_at", { withTimezone: true }),
    failedSignIns: integer("failed_sign_ins").notNull().default(0),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    version: versionColumn(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex("users_email_unique").on(sql`lower(${t.email})`),
    uniqueIndex("users_oidc_subject_unique").on(t.oidcSubject),
  ],
);

/** Server-side sessions, so that several instances share them (docs/architecture.md, Scale). */
export const sessions = pgTable(
  "sessions",
  {
    id: idColumn(),
    /** SHA-256 of the cookie value: a database read does not yield a usable cookie. */
    tokenHash: text("token_hash").notNull(),
    /** null for a visitor who is not signed in but has a pending message (flash) to see. */
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    /** Signed in with password but second factor still owed. */
    pendingUserId: uuid("pending_user_id").references(() => users.id, { onDelete: "cascade" }),
    flash: jsonb("flash"),
    oidcState: jsonb("oidc_state"),
    /** Two-factor codes tried in this pending sign-in, counted before each is checked. */
    secondFactorAttempts: integer("second_factor_attempts").notNull().default(0),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex("sessions_token_hash_unique").on(t.tokenHash),
    index("sessions_expires_at").on(t.expiresAt),
  ],
);

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: idColumn(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    /** First characters, so a person can tell their tokens apart. */
    prefix: text("prefix").notNull(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [uniqueIndex("api_tokens_token_hash_unique").on(t.tokenHash)],
);

/** Failed sign-ins by source address, for rate limiting across instances. */
export const signInAttempts = pgTable(
  "sign_in_attempts",
  {
    id: idColumn(),
    /** SHA-256 of the address, keyed: logs and tables carry no personal data. */
    sourceHash: text("source_hash").notNull(),
    ...timestamps(),
  },
  (t) => [index("sign_in_attempts_source").on(t.sourceHash, t.createdAt)],
);

/**
 * Failed sign-ins for email addresses that have no account, so that they lock exactly as accounts do
 * and the lockout does not tell who has an account. Keyed by an HMAC of the address: no personal data.
 */
export const unknownSignInFailures = pgTable(
  "unknown_sign_in_failures",
  {
    id: idColumn(),
    emailHash: text("email_hash").notNull(),
    failures: integer("failures").notNull().default(0),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [uniqueIndex("unknown_sign_in_failures_email").on(t.emailHash)],
);

export const programmes = pgTable("programmes", {
  id: idColumn(),
  code: text("code").notNull().unique(),
  name: text("name").notNull(),
  aims: jsonb("aims").$type<{ ref: string; text: string }[]>().notNull(),
  outcomes: jsonb("outcomes").$type<{ ref: string; text: string }[]>().notNull(),
  ...timestamps(),
});

export const governanceBodies = pgTable("governance_bodies", {
  id: idColumn(),
  code: text("code").notNull().unique(),
  name: text("name").notNull(),
  kind: text("kind", {
    enum: ["executive-board", "operational-group", "procurement-board", "officer", "team"],
  }).notNull(),
  parentCode: text("parent_code"),
  programmeCodes: text("programme_codes").array().notNull().default(emptyTextArray),
  description: text("description").notNull().default(""),
  paragraph: text("paragraph").notNull().default(""),
  ...timestamps(),
});

export const governanceMembers = pgTable(
  "governance_members",
  {
    id: idColumn(),
    bodyId: uuid("body_id")
      .notNull()
      .references(() => governanceBodies.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["chair", "member", "officer"] })
      .notNull()
      .default("member"),
    /** First day in the body in this role. */
    from: date("member_from", { mode: "string" })
      .notNull()
      .default(sql`CURRENT_DATE`),
    /** Last day (inclusive); null while it lasts. Ending a membership sets it: history is kept (§2.1). */
    to: date("member_to", { mode: "string" }),
    ...timestamps(),
  },
  (t) => [
    index("governance_members_body").on(t.bodyId, t.userId),
    check("governance_members_period", sql`${t.to} IS NULL OR ${t.to} >= ${t.from}`),
  ],
);

/**
 * Append-only, hash-chained audit trail (docs/architecture.md, data rules). A trigger refuses UPDATE and DELETE.
 * `seq` orders the chain; `hash` = SHA-256 over the previous hash and this record's canonical form.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: idColumn(),
    seq: integer("seq").notNull().unique(),
    at: timestamp("at", { withTimezone: true, mode: "string" }).notNull(),
    actorId: uuid("actor_id"),
    actorLabel: text("actor_label").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    action: text("action").notNull(),
    summary: jsonb("summary").$type<Record<string, unknown>>().notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
    ...timestamps(),
  },
  (t) => [index("audit_events_entity").on(t.entityType, t.entityId), index("audit_events_at").on(t.at)],
);

/** Stored documents: content-addressed blobs (SHA-256) with their metadata. */
export const blobs = pgTable("blobs", {
  id: idColumn(),
  sha256: text("sha256").notNull().unique(),
  bytes: integer("bytes").notNull(),
  mediaType: text("media_type").notNull(),
  ...timestamps(),
});

/** Scheduled work, shared by instances through FOR UPDATE SKIP LOCKED (docs/architecture.md). */
export const jobs = pgTable(
  "jobs",
  {
    id: idColumn(),
    kind: text("kind").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    runAt: timestamp("run_at", { withTimezone: true }).notNull().defaultNow(),
    status: text("status", { enum: ["queued", "running", "done", "failed"] })
      .notNull()
      .default("queued"),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(5),
    lastError: text("last_error"),
    lockedBy: text("locked_by"),
    lockedAt: timestamp("locked_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [index("jobs_due").on(t.status, t.runAt)],
);
