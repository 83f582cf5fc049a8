import {
  bigint,
  boolean,
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
import { blobs, organisations, users } from "./core.js";
import { projects } from "./projects.js";

/**
 * E-tendering (framework §3.9–3.14, App C 4–5; docs/tendering.md). A tender is one procurement of a
 * project at Stage 4: its timetable, document pack and questions, then the suppliers' interest,
 * clarifications and sealed submissions, and the recorded opening.
 */
export const tenders = pgTable(
  "tenders",
  {
    id: idColumn(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** A short public reference, e.g. "KDAAT-2026-001". */
    reference: text("reference").notNull(),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    /** open | restricted | competitive-flexible | psr-competitive (src/domain/tendering.ts). */
    procedure: text("procedure").notNull(),
    /** Lots, when the tender is divided: [{code, title, valuePence?}]. */
    lots: jsonb("lots").$type<{ code: string; title: string; valuePence?: number }[]>().notNull().default([]),
    /** The advertised whole-life value in pence; the project's estimate when not given. */
    valuePence: bigint("value_pence", { mode: "number" }).notNull(),
    /** draft | published | cancelled; what happened since is read from the openings. */
    status: text("status", { enum: ["draft", "published", "cancelled"] })
      .notNull()
      .default("draft"),
    publishedAt: timestamp("published_at", { withTimezone: true }),
    clarificationDeadline: timestamp("clarification_deadline", { withTimezone: true }).notNull(),
    /** Restricted procedures only: when PQQ responses are due. */
    pqqDeadline: timestamp("pqq_deadline", { withTimezone: true }),
    submissionDeadline: timestamp("submission_deadline", { withTimezone: true }).notNull(),
    plannedAwardOn: date("planned_award_on"),
    /**
     * The tender's data key, wrapped (AES-256-GCM) by the sealing key (SEALING_SECRET or the one kept in
     * DATA_DIR): a database dump holds no key that opens the submissions.
     */
    wrappedDataKey: text("wrapped_data_key").notNull(),
    createdById: uuid("created_by_id").references(() => users.id),
    version: versionColumn(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex("tenders_reference_unique").on(t.reference),
    index("tenders_project").on(t.projectId),
    index("tenders_status_deadline").on(t.status, t.submissionDeadline),
  ],
);

/** Questions in sections: the PQQ (restricted procedures) and the ITT. */
export const tenderQuestions = pgTable(
  "tender_questions",
  {
    id: idColumn(),
    tenderId: uuid("tender_id")
      .notNull()
      .references(() => tenders.id, { onDelete: "cascade" }),
    /** Unique in the tender, e.g. "Q1", "PQ3". */
    code: text("code").notNull(),
    section: text("section", { enum: ["pqq", "itt"] }).notNull(),
    kind: text("kind", { enum: ["pass-fail", "scored", "price"] }).notNull(),
    text: text("text").notNull(),
    guidance: text("guidance").notNull().default(""),
    /** Scored questions: the weight within their section, per cent. */
    weightPct: integer("weight_pct"),
    wordLimit: integer("word_limit"),
    attachmentAllowed: boolean("attachment_allowed").notNull().default(false),
    position: integer("position").notNull(),
    ...timestamps(),
  },
  (t) => [uniqueIndex("tender_questions_code_unique").on(t.tenderId, t.code)],
);

/**
 * The document pack (specification, terms and conditions, pricing schedule, instructions, other). A
 * replaced document is kept with `supersededAt` set; its replacement is an addendum.
 */
export const tenderDocuments = pgTable(
  "tender_documents",
  {
    id: idColumn(),
    tenderId: uuid("tender_id")
      .notNull()
      .references(() => tenders.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    blobId: uuid("blob_id")
      .notNull()
      .references(() => blobs.id),
    sha256: text("sha256").notNull(),
    bytes: integer("bytes").notNull(),
    mediaType: text("media_type").notNull(),
    fileName: text("file_name").notNull(),
    supersededAt: timestamp("superseded_at", { withTimezone: true }),
    uploadedById: uuid("uploaded_by_id").references(() => users.id),
    ...timestamps(),
  },
  (t) => [index("tender_documents_tender").on(t.tenderId)],
);

/** A change after publication to a deadline or a document (App C 5.5), told to every interested supplier. */
export const tenderAddenda = pgTable(
  "tender_addenda",
  {
    id: idColumn(),
    tenderId: uuid("tender_id")
      .notNull()
      .references(() => tenders.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    summary: text("summary").notNull(),
    /** What changed: {field: {from, to}} for deadlines, {documentId} for a document. */
    changes: jsonb("changes").$type<Record<string, unknown>>().notNull(),
    createdById: uuid("created_by_id").references(() => users.id),
    ...timestamps(),
  },
  (t) => [uniqueIndex("tender_addenda_number_unique").on(t.tenderId, t.number)],
);

/** A supplier organisation's registered interest: it receives the pack, answers and addenda. */
export const tenderInterests = pgTable(
  "tender_interests",
  {
    id: idColumn(),
    tenderId: uuid("tender_id")
      .notNull()
      .references(() => tenders.id, { onDelete: "cascade" }),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    registeredById: uuid("registered_by_id").references(() => users.id),
    /** Restricted procedures: set when the PQQ shortlists the supplier for the ITT. */
    invitedToTenderAt: timestamp("invited_to_tender_at", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [uniqueIndex("tender_interests_unique").on(t.tenderId, t.organisationId)],
);

/** Every download of a pack document by a supplier's user (App C 5: who had which version). */
export const tenderDownloads = pgTable(
  "tender_downloads",
  {
    id: idColumn(),
    tenderId: uuid("tender_id")
      .notNull()
      .references(() => tenders.id, { onDelete: "cascade" }),
    documentId: uuid("document_id")
      .notNull()
      .references(() => tenderDocuments.id, { onDelete: "cascade" }),
    organisationId: uuid("organisation_id").references(() => organisations.id),
    userId: uuid("user_id").references(() => users.id),
    ...timestamps(),
  },
  (t) => [index("tender_downloads_tender").on(t.tenderId, t.createdAt)],
);

/**
 * A supplier's clarification question (App C 5.5). Its answer goes to every interested supplier without
 * naming the asker, or privately to the asker with the reason recorded.
 */
export const clarifications = pgTable(
  "clarifications",
  {
    id: idColumn(),
    tenderId: uuid("tender_id")
      .notNull()
      .references(() => tenders.id, { onDelete: "cascade" }),
    /** Numbered in the tender's log: 1, 2, 3 … */
    number: integer("number").notNull(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    askedById: uuid("asked_by_id").references(() => users.id),
    question: text("question").notNull(),
    answer: text("answer"),
    /** all: published to every interested supplier, anonymised; private: to the asker only. */
    visibility: text("visibility", { enum: ["all", "private"] }),
    privateReason: text("private_reason"),
    answeredAt: timestamp("answered_at", { withTimezone: true }),
    answeredById: uuid("answered_by_id").references(() => users.id),
    version: versionColumn(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex("clarifications_number_unique").on(t.tenderId, t.number),
    index("clarifications_organisation").on(t.organisationId),
  ],
);

/**
 * A supplier's response to the PQQ or the ITT. At most one draft per supplier and section; submitting
 * makes the draft the submitted version and the earlier one superseded (kept, sealed). Everything the
 * supplier wrote is in `sealedContent`, encrypted under the tender's data key: only the opening reads it.
 */
export const tenderSubmissions = pgTable(
  "tender_submissions",
  {
    id: idColumn(),
    tenderId: uuid("tender_id")
      .notNull()
      .references(() => tenders.id, { onDelete: "cascade" }),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    section: text("section", { enum: ["pqq", "itt"] }).notNull(),
    status: text("status", { enum: ["draft", "submitted", "superseded", "withdrawn"] }).notNull(),
    /** AES-256-GCM ciphertext of {answers: [{questionCode, value}], priceTotalPence}. */
    sealedContent: text("sealed_content").notNull(),
    /** The lots bid for (codes); empty when the tender is not in lots. */
    lotCodes: text("lot_codes").array().notNull().default(emptyTextArray),
    submittedAt: timestamp("submitted_at", { withTimezone: true }),
    submittedById: uuid("submitted_by_id").references(() => users.id),
    /** SHA-256 over the submission's canonical content and its files' hashes (the receipt's hash). */
    sha256: text("sha256"),
    /** The receipt as issued: {submissionId, submittedAt, sha256, files: [{name, sha256, bytes}]}. */
    receipt: jsonb("receipt").$type<Record<string, unknown>>(),
    withdrawnAt: timestamp("withdrawn_at", { withTimezone: true }),
    version: versionColumn(),
    ...timestamps(),
  },
  (t) => [
    index("tender_submissions_tender").on(t.tenderId, t.section, t.status),
    index("tender_submissions_organisation").on(t.organisationId),
  ],
);

/**
 * A file in a submission. The bytes are stored encrypted (the blob holds ciphertext); `sha256` and
 * `bytes` are of the file the supplier uploaded, as the receipt states them.
 */
export const submissionFiles = pgTable(
  "submission_files",
  {
    id: idColumn(),
    submissionId: uuid("submission_id")
      .notNull()
      .references(() => tenderSubmissions.id, { onDelete: "cascade" }),
    /** The question the file answers, when it answers one. */
    questionCode: text("question_code"),
    /** AES-256-GCM ciphertext of the file name as uploaded (a name can say who bid). */
    sealedName: text("sealed_name").notNull(),
    sha256: text("sha256").notNull(),
    bytes: integer("bytes").notNull(),
    /** The encrypted bytes' blob, and the IV and tag that open them. */
    blobId: uuid("blob_id")
      .notNull()
      .references(() => blobs.id),
    iv: text("iv").notNull(),
    authTag: text("auth_tag").notNull(),
    mediaType: text("media_type").notNull(),
    ...timestamps(),
  },
  (t) => [index("submission_files_submission").on(t.submissionId)],
);

/**
 * The recorded opening of a section's submissions (App C 5.6): after its deadline, by one procurement
 * officer with another as witness. `record` lists every submission with its time and hash.
 */
export const tenderOpenings = pgTable(
  "tender_openings",
  {
    id: idColumn(),
    tenderId: uuid("tender_id")
      .notNull()
      .references(() => tenders.id, { onDelete: "cascade" }),
    section: text("section", { enum: ["pqq", "itt"] }).notNull(),
    openedAt: timestamp("opened_at", { withTimezone: true }).notNull(),
    openedById: uuid("opened_by_id")
      .notNull()
      .references(() => users.id),
    witnessIds: uuid("witness_ids").array().notNull(),
    record: jsonb("record").$type<Record<string, unknown>>().notNull(),
    ...timestamps(),
  },
  (t) => [uniqueIndex("tender_openings_unique").on(t.tenderId, t.section)],
);

/**
 * Compliance of an opened submission (App C 5.6–5.7): the checks made at opening (late, incomplete,
 * pass/fail answers failed) and the officer's conclusion.
 */
export const submissionCompliance = pgTable("submission_compliance", {
  id: idColumn(),
  submissionId: uuid("submission_id")
    .notNull()
    .unique()
    .references(() => tenderSubmissions.id, { onDelete: "cascade" }),
  late: boolean("late").notNull().default(false),
  missingQuestionCodes: text("missing_question_codes").array().notNull().default(emptyTextArray),
  failedQuestionCodes: text("failed_question_codes").array().notNull().default(emptyTextArray),
  compliant: boolean("compliant"),
  reason: text("reason"),
  recordedById: uuid("recorded_by_id").references(() => users.id),
  version: versionColumn(),
  ...timestamps(),
});

/** A PQQ response's assessment, one row per question (pass/fail or a score), by the assessing officer. */
export const pqqAssessments = pgTable(
  "pqq_assessments",
  {
    id: idColumn(),
    submissionId: uuid("submission_id")
      .notNull()
      .references(() => tenderSubmissions.id, { onDelete: "cascade" }),
    questionCode: text("question_code").notNull(),
    passed: boolean("passed"),
    score: integer("score"),
    rationale: text("rationale").notNull().default(""),
    assessedById: uuid("assessed_by_id").references(() => users.id),
    ...timestamps(),
  },
  (t) => [uniqueIndex("pqq_assessments_unique").on(t.submissionId, t.questionCode)],
);

/** The PQQ's outcome for a supplier: shortlisted for the ITT or not, and when it was told. */
export const pqqOutcomes = pgTable("pqq_outcomes", {
  id: idColumn(),
  submissionId: uuid("submission_id")
    .notNull()
    .unique()
    .references(() => tenderSubmissions.id, { onDelete: "cascade" }),
  shortlisted: boolean("shortlisted").notNull(),
  reason: text("reason").notNull(),
  decidedById: uuid("decided_by_id").references(() => users.id),
  notifiedAt: timestamp("notified_at", { withTimezone: true }),
  ...timestamps(),
});

/** A link that proves a supplier user's email address (registration, a colleague added). */
export const emailVerifications = pgTable(
  "email_verifications",
  {
    id: idColumn(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** SHA-256 of the token in the link: a database read does not yield a usable link. */
    tokenHash: text("token_hash").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [uniqueIndex("email_verifications_token_hash_unique").on(t.tokenHash)],
);
