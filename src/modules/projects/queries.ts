import { and, asc, count, desc, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { Executor } from "../../db/client.js";
import { taskOverdueOn } from "../checklist/queries.js";
import { projectsScreened, projectsSignedOff } from "../eqia/queries.js";
import { reviewOverdue } from "../risks/queries.js";
import {
  auditEvents,
  checklistTasks,
  decisions,
  documentVersions,
  equalityAssessments,
  incumbentContracts,
  projectDocuments,
  projects,
  risks,
  users,
} from "../../db/schema/index.js";
import type { GovernanceCheck } from "../../domain/checklist-template.js";
import {
  documentsApproved,
  isDocumentKind,
  parseStage,
  type DecisionSnapshot,
  type DocumentKind,
  type ProjectSnapshot,
} from "../../domain/stages.js";

/** Queries of the projects capability; rows stay in the service, which shapes what leaves it. */

export type ProjectRow = typeof projects.$inferSelect;

export async function findProject(ex: Executor, id: string, options: { lock?: boolean } = {}) {
  const query = ex.select().from(projects).where(eq(projects.id, id));
  const [row] = options.lock ? await query.for("update") : await query;
  return row ?? null;
}

export interface ProjectFilter {
  programmeCode?: string | undefined;
  stage?: string | undefined;
  overdueOn?: string | undefined;
  offset: number;
  limit: number;
}

/** The project has a checklist task overdue on `today` (checklist/queries.ts, `taskOverdueOn`). */
function overdueTaskExists(today: string): SQL {
  return sql`EXISTS (SELECT 1 FROM ${checklistTasks} WHERE ${checklistTasks.projectId} = ${projects.id}
    AND ${taskOverdueOn(today)})`;
}

export async function listProjects(ex: Executor, filter: ProjectFilter) {
  const conditions: SQL[] = [];
  if (filter.programmeCode) {
    const byProgramme = or(
      eq(projects.programmeCode, filter.programmeCode),
      sql`${filter.programmeCode} = ANY(${projects.programmeCodes})`,
    );
    if (byProgramme) conditions.push(byProgramme);
  }
  if (filter.stage) conditions.push(eq(projects.stage, filter.stage));
  if (filter.overdueOn) conditions.push(overdueTaskExists(filter.overdueOn));
  const where = conditions.length ? and(...conditions) : undefined;
  const rows = await ex
    .select({ project: projects, leadName: users.name })
    .from(projects)
    .leftJoin(users, eq(users.id, projects.leadCommissionerId))
    .where(where)
    .orderBy(desc(projects.updatedAt), asc(projects.id))
    .limit(filter.limit + 1)
    .offset(filter.offset);
  const [total] = await ex.select({ n: count() }).from(projects).where(where);
  return { rows: rows.slice(0, filter.limit), more: rows.length > filter.limit, total: total?.n ?? 0 };
}

/** The ids among `projectIds` that have an overdue checklist task. */
export async function projectsWithOverdueTasks(ex: Executor, projectIds: string[], today: string) {
  if (projectIds.length === 0) return new Set<string>();
  const rows = await ex
    .selectDistinct({ projectId: checklistTasks.projectId })
    .from(checklistTasks)
    .where(and(inArray(checklistTasks.projectId, projectIds), taskOverdueOn(today)));
  return new Set(rows.map((r) => r.projectId));
}

export async function leadName(ex: Executor, userId: string | null) {
  if (!userId) return null;
  const [row] = await ex.select({ name: users.name }).from(users).where(eq(users.id, userId));
  return row?.name ?? null;
}

export async function userExists(ex: Executor, userId: string) {
  const [row] = await ex.select({ id: users.id }).from(users).where(eq(users.id, userId));
  return Boolean(row);
}

/** People who may lead a project: active commissioners and procurement officers. */
export async function commissionerOptions(ex: Executor) {
  return ex
    .select({ id: users.id, name: users.name })
    .from(users)
    .where(
      and(
        eq(users.active, true),
        sql`(${users.roles} && ARRAY['commissioner', 'procurement-officer']::text[])`,
      ),
    )
    .orderBy(asc(users.name));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** The columns of a project its gate reads. */
export type SnapshotRow = Pick<
  ProjectRow,
  "id" | "stage" | "outcome" | "estimatedValuePence" | "programmeCode" | "programmeCodes" | "regime"
>;

/** The newest version of each document of the projects, oldest upload first. */
async function latestDocuments(ex: Executor, within: (column: PgColumn) => SQL) {
  return ex
    .select({
      id: projectDocuments.id,
      projectId: projectDocuments.projectId,
      kind: projectDocuments.kind,
      version: projectDocuments.latestVersion,
      uploadedAt: documentVersions.createdAt,
    })
    .from(projectDocuments)
    .innerJoin(
      documentVersions,
      and(
        eq(documentVersions.documentId, projectDocuments.id),
        eq(documentVersions.version, projectDocuments.latestVersion),
      ),
    )
    .where(within(projectDocuments.projectId))
    .orderBy(asc(documentVersions.createdAt), asc(projectDocuments.id));
}

/** What the gates read of the projects' decisions, in the order they were recorded. */
async function decisionFacts(ex: Executor, within: (column: PgColumn) => SQL) {
  return ex
    .select({
      projectId: decisions.projectId,
      subjectType: decisions.subjectType,
      subjectId: decisions.subjectId,
      subjectVersion: decisions.subjectVersion,
      bodyCode: decisions.bodyCode,
      decision: decisions.decision,
      decidedOn: decisions.decidedOn,
    })
    .from(decisions)
    .where(within(decisions.projectId))
    .orderBy(asc(decisions.createdAt), asc(decisions.id));
}

type DocumentFact = Awaited<ReturnType<typeof latestDocuments>>[number];

function snapshotOf(
  row: SnapshotRow,
  docs: readonly DocumentFact[],
  decided: readonly DecisionSnapshot[],
  eqia: { screened: boolean; signedOffOn: string | null },
): ProjectSnapshot {
  const documents: Partial<Record<DocumentKind, { id: string; version: number }>> = {};
  // Ordered by upload time: the last one of each kind wins.
  for (const d of docs) {
    if (isDocumentKind(d.kind)) documents[d.kind] = { id: d.id, version: d.version };
  }
  return {
    id: row.id,
    stage: parseStage(row.stage) ?? 1,
    outcome: row.outcome,
    estimatedValuePence: row.estimatedValuePence,
    programmeCodes: [row.programmeCode, ...row.programmeCodes.filter((c) => c !== row.programmeCode)],
    regime: row.regime,
    documents,
    decisions: decided.map((d) => ({
      subjectType: d.subjectType,
      subjectId: d.subjectId,
      subjectVersion: d.subjectVersion,
      bodyCode: d.bodyCode,
      decision: d.decision,
      decidedOn: d.decidedOn,
    })),
    eqiaScreeningDone: eqia.screened,
    eqiaSignedOffOn: eqia.signedOffOn,
    // Provided by their own capabilities when they land (tenders, contracts): until then, not done.
    awarded: false,
    mobilisationComplete: false,
  };
}

/**
 * For each project, what its gate needs: the newest document of each kind and every decision. `scope`,
 * when given, is a subquery of the same projects' ids, so thousands of them (the pipeline) are not sent
 * as a list of parameters.
 */
export async function loadSnapshots(ex: Executor, rows: SnapshotRow[], scope?: SQL) {
  const ids = rows.map((r) => r.id);
  const out = new Map<string, ProjectSnapshot>();
  if (ids.length === 0) return out;
  const within = (column: PgColumn) => (scope ? sql`${column} IN (${scope})` : inArray(column, ids));
  const docs = await latestDocuments(ex, within);
  const decided = await decisionFacts(ex, within);
  const screened = await projectsScreened(ex, within);
  const signedOff = await projectsSignedOff(ex, within);
  // Grouped once by project, so thousands of projects (the pipeline) cost one pass over each result.
  const docsOf = groupBy(docs, (d) => d.projectId);
  const decidedOf = groupBy(decided, (d) => d.projectId);
  for (const row of rows) {
    out.set(
      row.id,
      snapshotOf(row, docsOf.get(row.id) ?? [], decidedOf.get(row.id) ?? [], {
        screened: screened.has(row.id),
        signedOffOn: signedOff.get(row.id) ?? null,
      }),
    );
  }
  return out;
}

/** One project's snapshot, read on the caller's transaction. */
export async function loadSnapshot(ex: Executor, row: SnapshotRow): Promise<ProjectSnapshot> {
  const snapshot = (await loadSnapshots(ex, [row])).get(row.id);
  if (!snapshot) throw new Error("project snapshot missing");
  return snapshot;
}

/**
 * The gates' check of the project's approvals (stages.ts `documentsApproved`) on the caller's
 * transaction: the checklist completes App C 1 task 1.5 on it, not on any one approval.
 */
export async function governanceCheck(ex: Executor, projectId: string): Promise<GovernanceCheck> {
  const row = await findProject(ex, projectId);
  const snapshot = row ? await loadSnapshot(ex, row) : null;
  return (kinds) => (snapshot ? documentsApproved(snapshot, kinds) : false);
}

/**
 * Whether a person leads the project now or has led it: handing the lead to a colleague just before a
 * board's approval does not make its recording independent (separation of duties, §2.1). Read from the
 * audit chain, which holds every lead the project has had (at creation and at each change).
 */
export async function hasLedProject(ex: Executor, projectId: string, userId: string): Promise<boolean> {
  const summary = auditEvents.summary;
  const [row] = await ex
    .select({ seq: auditEvents.seq })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.entityType, "project"),
        eq(auditEvents.entityId, projectId),
        or(
          sql`${summary}->>'leadCommissionerId' = ${userId}`,
          sql`${summary}->'changes'->'leadCommissionerId'->>'from' = ${userId}`,
          sql`${summary}->'changes'->'leadCommissionerId'->>'to' = ${userId}`,
        ),
      ),
    )
    .limit(1);
  return Boolean(row);
}

export async function overdueTasks(ex: Executor, projectId: string, today: string) {
  return ex
    .select({
      id: checklistTasks.id,
      taskKey: checklistTasks.taskKey,
      plannedOn: checklistTasks.plannedOn,
      status: checklistTasks.status,
    })
    .from(checklistTasks)
    .where(and(eq(checklistTasks.projectId, projectId), taskOverdueOn(today)))
    .orderBy(asc(checklistTasks.plannedOn), asc(checklistTasks.section), asc(checklistTasks.position));
}

export async function overdueRiskReviews(ex: Executor, projectId: string, today: string) {
  return ex
    .select({ id: risks.id, title: risks.title, reviewOn: risks.reviewOn })
    .from(risks)
    .where(and(eq(risks.projectId, projectId), reviewOverdue(today)))
    .orderBy(asc(risks.reviewOn));
}

/**
 * Audit records of the project, its documents and its decisions, oldest first (entity index); and
 * those of its checklist, checklist tasks, risks and equality assessment, which other capabilities write.
 */
export async function timelineRows(ex: Executor, projectId: string) {
  const idsOf = (
    table:
      | typeof projectDocuments
      | typeof decisions
      | typeof checklistTasks
      | typeof risks
      | typeof equalityAssessments
      | typeof incumbentContracts,
  ) =>
    ex
      .select({ id: sql<string>`${table.id}::text` })
      .from(table)
      .where(eq(table.projectId, projectId));
  const matches = or(
    and(inArray(auditEvents.entityType, ["project", "checklist"]), eq(auditEvents.entityId, projectId)),
    and(eq(auditEvents.entityType, "document"), inArray(auditEvents.entityId, idsOf(projectDocuments))),
    and(eq(auditEvents.entityType, "decision"), inArray(auditEvents.entityId, idsOf(decisions))),
    and(eq(auditEvents.entityType, "checklist-task"), inArray(auditEvents.entityId, idsOf(checklistTasks))),
    and(eq(auditEvents.entityType, "risk"), inArray(auditEvents.entityId, idsOf(risks))),
    and(eq(auditEvents.entityType, "eqia"), inArray(auditEvents.entityId, idsOf(equalityAssessments))),
    and(
      eq(auditEvents.entityType, "incumbent-contract"),
      inArray(auditEvents.entityId, idsOf(incumbentContracts)),
    ),
  );
  return ex
    .select({
      seq: auditEvents.seq,
      // Read back as ISO 8601 in UTC, whatever the server's DateStyle.
      at: sql<string>`to_char(${auditEvents.at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
      actorLabel: auditEvents.actorLabel,
      actorName: users.name,
      entityType: auditEvents.entityType,
      entityId: auditEvents.entityId,
      action: auditEvents.action,
      summary: auditEvents.summary,
    })
    .from(auditEvents)
    .leftJoin(users, eq(users.id, auditEvents.actorId))
    .where(matches)
    .orderBy(asc(auditEvents.seq));
}
