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

/** A commissioning project: one pass of the five-stage cycle (framework §3). */
export const projects = pgTable(
  "projects",
  {
    id: idColumn(),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    /** The lead programme; joint commissioning lists the others in `programmeCodes`. */
    programmeCode: text("programme_code").notNull(),
    programmeCodes: text("programme_codes").array().notNull().default(emptyTextArray),
    leadCommissionerId: uuid("lead_commissioner_id").references(() => users.id),
    /** Whole-life value including extension options, in pence (bigint column; exact in JS up to £90 trillion). */
    estimatedValuePence: bigint("estimated_value_pence", { mode: "number" }).notNull(),
    contractMonths: integer("contract_months"),
    regime: text("regime").notNull(),
    startedOn: date("started_on").notNull(),
    /** "1".."5", or "closed". */
    stage: text("stage").notNull().default("1"),
    outcome: text("outcome", { enum: ["open", "completed", "rejected", "withdrawn"] })
      .notNull()
      .default("open"),
    outcomeReason: text("outcome_reason"),
    version: versionColumn(),
    ...timestamps(),
  },
  (t) => [index("projects_stage").on(t.stage), index("projects_programme").on(t.programmeCode)],
);

/** Contracts a project recommissions, with the notice the incumbent must be given (App C 1). */
export const incumbentContracts = pgTable("incumbent_contracts", {
  id: idColumn(),
  projectId: uuid("project_id")
    .notNull()
    .references(() => projects.id, { onDelete: "cascade" }),
  name: text("name").notNull(),
  providerOrganisationId: uuid("provider_organisation_id").references(() => organisations.id),
  endsOn: date("ends_on").notNull(),
  noticeDays: integer("notice_days").notNull(),
  noticeGivenOn: date("notice_given_on"),
  noticeDocumentId: uuid("notice_document_id"),
  version: versionColumn(),
  ...timestamps(),
});

/** A project document (needs assessment, business case, …); its versions are kept in `documentVersions`. */
export const projectDocuments = pgTable(
  "project_documents",
  {
    id: idColumn(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    latestVersion: integer("latest_version").notNull().default(1),
    ...timestamps(),
  },
  (t) => [index("project_documents_project").on(t.projectId, t.kind)],
);

export const documentVersions = pgTable(
  "document_versions",
  {
    id: idColumn(),
    documentId: uuid("document_id")
      .notNull()
      .references(() => projectDocuments.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    blobId: uuid("blob_id")
      .notNull()
      .references(() => blobs.id),
    sha256: text("sha256").notNull(),
    bytes: integer("bytes").notNull(),
    mediaType: text("media_type").notNull(),
    fileName: text("file_name").notNull(),
    uploadedById: uuid("uploaded_by_id").references(() => users.id),
    ...timestamps(),
  },
  (t) => [uniqueIndex("document_versions_unique").on(t.documentId, t.version)],
);

/** A governance body's decision on a project output (framework §2, §3.4–3.17). */
export const decisions = pgTable(
  "decisions",
  {
    id: idColumn(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** What was decided on: a document, or the project itself (a recommendation, the procurement plan). */
    subjectType: text("subject_type", { enum: ["document", "project"] }).notNull(),
    subjectId: uuid("subject_id").notNull(),
    /** For a document, the version that was before the body. */
    subjectVersion: integer("subject_version"),
    bodyCode: text("body_code").notNull(),
    decision: text("decision", { enum: ["approved", "rejected", "approved-with-conditions"] }).notNull(),
    decidedOn: date("decided_on").notNull(),
    minutesRef: text("minutes_ref").notNull(),
    conditions: text("conditions"),
    /** The member of the body, when they record it themselves. */
    memberId: uuid("member_id").references(() => users.id),
    /** Whoever entered it (a member, or an officer on the body's behalf). */
    recordedById: uuid("recorded_by_id")
      .notNull()
      .references(() => users.id),
    onBehalf: boolean("on_behalf").notNull().default(false),
    ...timestamps(),
  },
  (t) => [index("decisions_project").on(t.projectId), index("decisions_body").on(t.bodyCode)],
);

/** The procurement checklist of Appendix C, instantiated per project. */
export const checklistTasks = pgTable(
  "checklist_tasks",
  {
    id: idColumn(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** Stable key of the task in the template, e.g. "1.5". */
    taskKey: text("task_key").notNull(),
    section: integer("section").notNull(),
    position: integer("position").notNull(),
    status: text("status", { enum: ["not-started", "planned", "in-progress", "completed", "not-applicable"] })
      .notNull()
      .default("not-started"),
    plannedOn: date("planned_on"),
    completedOn: date("completed_on"),
    notApplicableReason: text("not_applicable_reason"),
    evidenceType: text("evidence_type", { enum: ["document", "decision", "record"] }),
    evidenceId: uuid("evidence_id"),
    evidenceNote: text("evidence_note"),
    /** Completed by the system when its evidence appeared. */
    completedAutomatically: boolean("completed_automatically").notNull().default(false),
    version: versionColumn(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex("checklist_tasks_unique").on(t.projectId, t.taskKey),
    index("checklist_tasks_status").on(t.status, t.plannedOn),
  ],
);

/** The live risk register (App C 1); every change is kept in `riskHistory`. */
export const risks = pgTable(
  "risks",
  {
    id: idColumn(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    likelihood: integer("likelihood").notNull(),
    impact: integer("impact").notNull(),
    owner: text("owner").notNull(),
    mitigation: text("mitigation").notNull().default(""),
    reviewOn: date("review_on").notNull(),
    status: text("status", { enum: ["open", "closed"] })
      .notNull()
      .default("open"),
    version: versionColumn(),
    ...timestamps(),
  },
  (t) => [index("risks_project").on(t.projectId), index("risks_review").on(t.status, t.reviewOn)],
);

export const riskHistory = pgTable("risk_history", {
  id: idColumn(),
  riskId: uuid("risk_id")
    .notNull()
    .references(() => risks.id, { onDelete: "cascade" }),
  version: integer("version").notNull(),
  snapshot: jsonb("snapshot").$type<Record<string, unknown>>().notNull(),
  changedById: uuid("changed_by_id").references(() => users.id),
  changedAt: timestamp("changed_at", { withTimezone: true }).notNull().defaultNow(),
  ...timestamps(),
});

/** Equality impact assessment (App C 1 and 3): screening per protected characteristic, then sign-off. */
export const equalityAssessments = pgTable("equality_assessments", {
  id: idColumn(),
  projectId: uuid("project_id")
    .notNull()
    .unique()
    .references(() => projects.id, { onDelete: "cascade" }),
  entries: jsonb("entries")
    .$type<{ characteristic: string; impact: string; evidence: string; mitigation?: string }[]>()
    .notNull(),
  fullAssessmentRequired: boolean("full_assessment_required").notNull().default(false),
  fullAssessmentDocumentId: uuid("full_assessment_document_id"),
  updatedAfterConsultation: boolean("updated_after_consultation").notNull().default(false),
  signedOffById: uuid("signed_off_by_id").references(() => users.id),
  signedOffOn: date("signed_off_on"),
  version: versionColumn(),
  ...timestamps(),
});
