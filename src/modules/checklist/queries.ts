import { and, asc, eq, inArray, lt, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client.js";
import { checklistTasks, decisions, programmes, projectDocuments, projects } from "../../db/schema/index.js";
import type { EvidenceItem } from "../../domain/checklist-template.js";
import type { IsoDate } from "../../domain/dates.js";
import { OPEN_TASK_STATUSES } from "../../domain/overdue.js";
import { evidenceChoices, type EvidenceOption } from "./presenter.js";

/**
 * The one SQL form of `isTaskOverdue` (domain/overdue.ts, App C): a checklist task still to be done and
 * planned for a day before `today`. The checklist, the projects list and home page and the pipeline
 * all ask it, so that what they call overdue is the same tasks.
 */
export function taskOverdueOn(today: IsoDate): SQL {
  const planned = lt(checklistTasks.plannedOn, today);
  const open = inArray(checklistTasks.status, [...OPEN_TASK_STATUSES]);
  return sql`(${planned} and ${open})`;
}

/**
 * What the checklist, risk register and EqIA need to know about their project. They read the
 * projects table themselves so that they do not depend on the projects module's service.
 */
export interface ProjectContext {
  id: string;
  title: string;
  programmeCode: string;
  /** The lead programme's name, as pages show it (null only for a code the programmes table lacks). */
  programmeName: string | null;
  estimatedValuePence: number;
  regime: string;
  startedOn: string;
  stage: string;
}

export async function findProject(db: Executor, id: string): Promise<ProjectContext | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const [row] = await db
    .select({
      id: projects.id,
      title: projects.title,
      programmeCode: projects.programmeCode,
      programmeName: programmes.name,
      estimatedValuePence: projects.estimatedValuePence,
      regime: projects.regime,
      startedOn: projects.startedOn,
      stage: projects.stage,
    })
    .from(projects)
    .leftJoin(programmes, eq(programmes.code, projects.programmeCode))
    .where(eq(projects.id, id));
  return row ?? null;
}

/** The project's tasks in the template's order. */
export async function taskRowsOf(ex: Executor, projectId: string) {
  return ex
    .select()
    .from(checklistTasks)
    .where(eq(checklistTasks.projectId, projectId))
    .orderBy(asc(checklistTasks.section), asc(checklistTasks.position));
}

/** How many tasks the project's checklist holds (fewer than the template's when made before it grew). */
export async function taskCountOf(ex: Executor, projectId: string): Promise<number> {
  const [count] = await ex
    .select({ n: sql<number>`count(*)::int` })
    .from(checklistTasks)
    .where(eq(checklistTasks.projectId, projectId));
  return count?.n ?? 0;
}

/** The projects whose checklist holds fewer tasks than the template's `templateTasks`. */
export async function projectsShortOfTemplate(ex: Executor, templateTasks: number) {
  return ex
    .select({ id: projects.id })
    .from(projects)
    .where(
      sql`(SELECT count(*) FROM ${checklistTasks} WHERE ${checklistTasks.projectId} = ${projects.id}) < ${templateTasks}`,
    );
}

/** Documents and approvals the project already holds, as evidence (for tasks that need several). */
export async function heldEvidence(ex: Executor, projectId: string): Promise<EvidenceItem[]> {
  const documents = await ex
    .select({ kind: projectDocuments.kind })
    .from(projectDocuments)
    .where(eq(projectDocuments.projectId, projectId));
  const decided = await ex
    .select({ bodyCode: decisions.bodyCode, decision: decisions.decision, kind: projectDocuments.kind })
    .from(decisions)
    .leftJoin(
      projectDocuments,
      and(eq(decisions.subjectType, "document"), eq(projectDocuments.id, decisions.subjectId)),
    )
    .where(eq(decisions.projectId, projectId));
  return [
    ...documents.map((d) => ({ type: "document" as const, kind: d.kind })),
    ...decided.map((d) => ({
      type: "decision" as const,
      kind: d.kind ?? undefined,
      bodyCode: d.bodyCode,
      decision: d.decision,
    })),
  ];
}

/** Documents and decisions of the project that a person may link a task to. */
export async function evidenceOptions(ex: Executor, projectId: string): Promise<EvidenceOption[]> {
  const documents = await ex
    .select({ id: projectDocuments.id, title: projectDocuments.title, kind: projectDocuments.kind })
    .from(projectDocuments)
    .where(eq(projectDocuments.projectId, projectId))
    .orderBy(asc(projectDocuments.kind), asc(projectDocuments.title));
  const decided = await ex
    .select({
      id: decisions.id,
      bodyCode: decisions.bodyCode,
      decision: decisions.decision,
      decidedOn: decisions.decidedOn,
      minutesRef: decisions.minutesRef,
    })
    .from(decisions)
    .where(eq(decisions.projectId, projectId))
    .orderBy(asc(decisions.decidedOn));
  return evidenceChoices(documents, decided);
}

/** Whether `evidenceId` is a document or a decision of the project; null when it is neither. */
export async function evidenceTypeOf(
  ex: Executor,
  projectId: string,
  evidenceId: string,
): Promise<"document" | "decision" | null> {
  const [document] = await ex
    .select({ id: projectDocuments.id })
    .from(projectDocuments)
    .where(and(eq(projectDocuments.id, evidenceId), eq(projectDocuments.projectId, projectId)));
  if (document) return "document";
  const [decision] = await ex
    .select({ id: decisions.id })
    .from(decisions)
    .where(and(eq(decisions.id, evidenceId), eq(decisions.projectId, projectId)));
  return decision ? "decision" : null;
}
