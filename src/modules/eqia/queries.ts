import { and, eq, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { Executor } from "../../db/client.js";
import {
  documentVersions,
  equalityAssessments,
  governanceBodies,
  governanceMembers,
  projectDocuments,
  projects,
  users,
} from "../../db/schema/index.js";
import type { IsoDate } from "../../domain/dates.js";
import { heldOn, type MembershipPeriod } from "../../domain/decision-authority.js";
import { eqiaScreeningDone } from "./screening.js";

/** The governance body whose members sign off equality impact assessments (App C 3). */
export const EQUALITIES_TEAM = "EQUALITIES_TEAM";

/**
 * The projects whose EqIA screening is done (App C 1: every characteristic screened with its
 * evidence), among those `within` selects by their project id: one query for any number of projects
 * (the gates of the pipeline read it).
 */
export async function projectsScreened(
  ex: Executor,
  within: (projectId: PgColumn) => SQL,
): Promise<Set<string>> {
  const screenings = await ex
    .select({ projectId: equalityAssessments.projectId, entries: equalityAssessments.entries })
    .from(equalityAssessments)
    .where(within(equalityAssessments.projectId));
  return new Set(screenings.filter((s) => eqiaScreeningDone(s)).map((s) => s.projectId));
}

/**
 * The day the Equalities team signed off each project's EqIA updated after consultation (App C 3), among
 * those `within` selects: the stage 4 gate and the project's rules read it.
 */
export async function projectsSignedOff(
  ex: Executor,
  within: (projectId: PgColumn) => SQL,
): Promise<Map<string, string>> {
  const rows = await ex
    .select({ projectId: equalityAssessments.projectId, signedOffOn: equalityAssessments.signedOffOn })
    .from(equalityAssessments)
    .where(within(equalityAssessments.projectId));
  return new Map(rows.flatMap((r) => (r.signedOffOn ? [[r.projectId, r.signedOffOn] as const] : [])));
}

/**
 * "EqIA screening done" for the stage 2 gate (App C 1), read inside the caller's transaction:
 * every characteristic screened with its evidence.
 */
export async function isEqiaScreeningDone(db: Executor, projectId: string): Promise<boolean> {
  const [row] = await db
    .select({ entries: equalityAssessments.entries })
    .from(equalityAssessments)
    .where(eq(equalityAssessments.projectId, projectId));
  return eqiaScreeningDone(row ? { entries: row.entries } : null);
}

/** The project's assessment with the name of whoever signed it off; null before the first save. */
export async function loadEqia(ex: Executor, projectId: string) {
  const [found] = await ex
    .select({ row: equalityAssessments, signedOffByName: users.name })
    .from(equalityAssessments)
    .leftJoin(users, eq(users.id, equalityAssessments.signedOffById))
    .where(eq(equalityAssessments.projectId, projectId));
  return found ?? null;
}

/** Documents of the project that may be the full assessment. */
export async function documentOptions(ex: Executor, projectId: string) {
  return ex
    .select({ id: projectDocuments.id, title: projectDocuments.title, kind: projectDocuments.kind })
    .from(projectDocuments)
    .where(eq(projectDocuments.projectId, projectId))
    .orderBy(projectDocuments.title);
}

/** Whether `documentId` is a document of the project. */
export async function isDocumentOf(ex: Executor, projectId: string, documentId: string): Promise<boolean> {
  const [document] = await ex
    .select({ id: projectDocuments.id })
    .from(projectDocuments)
    .where(and(eq(projectDocuments.id, documentId), eq(projectDocuments.projectId, projectId)));
  return Boolean(document);
}

/** The project's lead commissioner now: null when it has none, undefined when there is no such project. */
export async function leadCommissionerOf(
  ex: Executor,
  projectId: string,
): Promise<string | null | undefined> {
  const [project] = await ex
    .select({ leadId: projects.leadCommissionerId })
    .from(projects)
    .where(eq(projects.id, projectId));
  return project?.leadId;
}

/** Whether this user uploaded any version of the document. */
export async function uploadedAVersionOf(ex: Executor, documentId: string, userId: string): Promise<boolean> {
  const uploaded = await ex
    .select({ id: documentVersions.id })
    .from(documentVersions)
    .where(and(eq(documentVersions.documentId, documentId), eq(documentVersions.uploadedById, userId)))
    .limit(1);
  return uploaded.length > 0;
}

/** The user's periods in the Equalities team, past and present (governance_members). */
export async function equalitiesTeamPeriods(db: Executor, userId: string): Promise<MembershipPeriod[]> {
  return db
    .select({ role: governanceMembers.role, from: governanceMembers.from, to: governanceMembers.to })
    .from(governanceMembers)
    .innerJoin(governanceBodies, eq(governanceBodies.id, governanceMembers.bodyId))
    .where(and(eq(governanceBodies.code, EQUALITIES_TEAM), eq(governanceMembers.userId, userId)));
}

/** Whether this user is a chair or member of the Equalities team today (who may be offered sign-off). */
export async function isEqualitiesTeamMember(
  db: Executor,
  userId: string | null,
  today: IsoDate,
): Promise<boolean> {
  if (!userId) return false;
  return (await equalitiesTeamPeriods(db, userId)).some((p) => p.role !== "officer" && heldOn(p, today));
}
