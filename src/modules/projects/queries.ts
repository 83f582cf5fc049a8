import {
  and,
  asc,
  count,
  desc,
  eq,
  gte,
  inArray,
  isNull,
  lt,
  notInArray,
  or,
  sql,
  type SQL,
} from "drizzle-orm";
import { alias, type PgColumn } from "drizzle-orm/pg-core";
import type { Executor } from "../../db/client.js";
import { eqiaScreeningDone } from "../eqia/screening.js";
import {
  auditEvents,
  checklistTasks,
  decisions,
  documentVersions,
  equalityAssessments,
  governanceBodies,
  governanceMembers,
  incumbentContracts,
  projectDocuments,
  projects,
  risks,
  users,
} from "../../db/schema/index.js";
import { heldOn } from "../../domain/decision-authority.js";
import {
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

/** Checklist tasks planned before `today` and neither completed nor marked not applicable. */
function overdueTaskExists(today: string): SQL {
  return sql`EXISTS (SELECT 1 FROM ${checklistTasks} WHERE ${checklistTasks.projectId} = ${projects.id}
    AND ${checklistTasks.plannedOn} < ${today}
    AND ${checklistTasks.status} NOT IN ('completed', 'not-applicable'))`;
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
    .where(
      and(
        inArray(checklistTasks.projectId, projectIds),
        lt(checklistTasks.plannedOn, today),
        notInArray(checklistTasks.status, ["completed", "not-applicable"]),
      ),
    );
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
  const docs = await ex
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
  const decided = await ex
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
  const screenings = await ex
    .select({ projectId: equalityAssessments.projectId, entries: equalityAssessments.entries })
    .from(equalityAssessments)
    .where(within(equalityAssessments.projectId));
  // Grouped once by project, so thousands of projects (the pipeline) cost one pass over each result.
  const docsOf = groupBy(docs, (d) => d.projectId);
  const decidedOf = groupBy(decided, (d) => d.projectId);
  const screeningOf = new Map(screenings.map((e) => [e.projectId, e]));
  for (const row of rows) {
    const documents: Partial<Record<DocumentKind, { id: string; version: number }>> = {};
    // Ordered by upload time: the last one of each kind wins.
    for (const d of docsOf.get(row.id) ?? []) {
      if (isDocumentKind(d.kind)) documents[d.kind] = { id: d.id, version: d.version };
    }
    const projectDecisions: DecisionSnapshot[] = (decidedOf.get(row.id) ?? []).map((d) => ({
      subjectType: d.subjectType,
      subjectId: d.subjectId,
      subjectVersion: d.subjectVersion,
      bodyCode: d.bodyCode,
      decision: d.decision,
      decidedOn: d.decidedOn,
    }));
    out.set(row.id, {
      id: row.id,
      stage: parseStage(row.stage) ?? 1,
      outcome: row.outcome,
      estimatedValuePence: row.estimatedValuePence,
      programmeCodes: [row.programmeCode, ...row.programmeCodes.filter((c) => c !== row.programmeCode)],
      regime: row.regime,
      documents,
      decisions: projectDecisions,
      eqiaScreeningDone: eqiaScreeningDone(screeningOf.get(row.id)),
      // Provided by their own capabilities when they land (tenders, contracts): until then, not done.
      awarded: false,
      mobilisationComplete: false,
    });
  }
  return out;
}

export async function findDocument(ex: Executor, documentId: string, options: { lock?: boolean } = {}) {
  const query = ex.select().from(projectDocuments).where(eq(projectDocuments.id, documentId));
  const [row] = options.lock ? await query.for("update") : await query;
  return row ?? null;
}

/** The document of this kind and title in the project (titles match whatever their case). */
export async function findDocumentByTitle(ex: Executor, projectId: string, kind: string, title: string) {
  const [row] = await ex
    .select()
    .from(projectDocuments)
    .where(
      and(
        eq(projectDocuments.projectId, projectId),
        eq(projectDocuments.kind, kind),
        eq(sql`lower(${projectDocuments.title})`, title.toLowerCase()),
      ),
    )
    .limit(1);
  return row ?? null;
}

/** Every document of a project with all its versions, newest version first. */
export async function documentsWithVersions(ex: Executor, projectId: string) {
  const docs = await ex
    .select()
    .from(projectDocuments)
    .where(eq(projectDocuments.projectId, projectId))
    .orderBy(asc(projectDocuments.kind), asc(projectDocuments.title));
  if (docs.length === 0) return [];
  const versions = await ex
    .select({
      documentId: documentVersions.documentId,
      version: documentVersions.version,
      sha256: documentVersions.sha256,
      bytes: documentVersions.bytes,
      mediaType: documentVersions.mediaType,
      fileName: documentVersions.fileName,
      uploadedAt: documentVersions.createdAt,
      uploadedBy: users.name,
    })
    .from(documentVersions)
    .leftJoin(users, eq(users.id, documentVersions.uploadedById))
    .where(
      inArray(
        documentVersions.documentId,
        docs.map((d) => d.id),
      ),
    )
    .orderBy(desc(documentVersions.version));
  return docs.map((d) => ({ ...d, versions: versions.filter((v) => v.documentId === d.id) }));
}

export async function findVersion(ex: Executor, documentId: string, version: number) {
  const [row] = await ex
    .select()
    .from(documentVersions)
    .where(and(eq(documentVersions.documentId, documentId), eq(documentVersions.version, version)));
  return row ?? null;
}

const recorders = alias(users, "recorders");

export async function decisionsOf(ex: Executor, projectId: string, decisionId?: string) {
  return ex
    .select({
      decision: decisions,
      memberName: users.name,
      recordedByName: recorders.name,
      subjectKind: projectDocuments.kind,
      subjectTitle: projectDocuments.title,
    })
    .from(decisions)
    .leftJoin(users, eq(users.id, decisions.memberId))
    .innerJoin(recorders, eq(recorders.id, decisions.recordedById))
    .leftJoin(
      projectDocuments,
      and(eq(decisions.subjectType, "document"), eq(projectDocuments.id, decisions.subjectId)),
    )
    .where(
      decisionId
        ? and(eq(decisions.projectId, projectId), eq(decisions.id, decisionId))
        : eq(decisions.projectId, projectId),
    )
    .orderBy(asc(decisions.decidedOn), asc(decisions.createdAt));
}

export async function findBody(ex: Executor, code: string) {
  const [row] = await ex.select().from(governanceBodies).where(eq(governanceBodies.code, code));
  return row ?? null;
}

/** The user's periods in the body, past and present (for decision-authority.ts). */
export async function membershipsOf(ex: Executor, bodyId: string, userId: string) {
  return ex
    .select({ role: governanceMembers.role, from: governanceMembers.from, to: governanceMembers.to })
    .from(governanceMembers)
    .where(and(eq(governanceMembers.bodyId, bodyId), eq(governanceMembers.userId, userId)));
}

/** Whether the user was a chair or member of the body on that day (the member named in a decision). */
export async function decidedAsMember(ex: Executor, bodyId: string, userId: string, on: string) {
  const periods = await membershipsOf(ex, bodyId, userId);
  return periods.some((p) => p.role !== "officer" && heldOn(p, on));
}

/** Whether the user uploaded any version of the document (separation of duties). */
export async function uploadedAVersion(ex: Executor, documentId: string, userId: string) {
  const [row] = await ex
    .select({ id: documentVersions.id })
    .from(documentVersions)
    .where(and(eq(documentVersions.documentId, documentId), eq(documentVersions.uploadedById, userId)))
    .limit(1);
  return Boolean(row);
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

/**
 * Members (chairs and members, not officers) of every body, for naming who decided: everyone whose
 * membership has not ended before today (a meeting may predate the newest members; the service checks).
 */
export async function bodyMembers(ex: Executor, today: string) {
  return ex
    .select({
      userId: users.id,
      name: users.name,
      bodyCode: governanceBodies.code,
      bodyName: governanceBodies.name,
    })
    .from(governanceMembers)
    .innerJoin(governanceBodies, eq(governanceBodies.id, governanceMembers.bodyId))
    .innerJoin(users, eq(users.id, governanceMembers.userId))
    .where(
      and(
        inArray(governanceMembers.role, ["chair", "member"]),
        or(isNull(governanceMembers.to), gte(governanceMembers.to, today)),
      ),
    )
    .orderBy(asc(governanceBodies.name), asc(users.name));
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
    .where(
      and(
        eq(checklistTasks.projectId, projectId),
        lt(checklistTasks.plannedOn, today),
        notInArray(checklistTasks.status, ["completed", "not-applicable"]),
      ),
    )
    .orderBy(asc(checklistTasks.plannedOn), asc(checklistTasks.section), asc(checklistTasks.position));
}

export async function overdueRiskReviews(ex: Executor, projectId: string, today: string) {
  return ex
    .select({ id: risks.id, title: risks.title, reviewOn: risks.reviewOn })
    .from(risks)
    .where(and(eq(risks.projectId, projectId), eq(risks.status, "open"), lt(risks.reviewOn, today)))
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
