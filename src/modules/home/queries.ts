import { and, arrayOverlaps, asc, eq, inArray, isNull, lt, lte, ne, or, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import {
  checklistTasks,
  clarifications,
  datasets,
  governanceBodies,
  governanceMembers,
  organisations,
  programmes,
  projects,
  risks,
  tenderInterests,
  tenderOpenings,
  tenders,
  tenderSubmissions,
} from "../../db/schema/index.js";
import { OPEN_TASK_STATUSES } from "../../domain/overdue.js";
import { membershipHeldOn } from "../governance/queries.js";

/**
 * The home page's reads: what needs the person signed in. What awaits a body's decision and the
 * pipeline's totals come from the projects capability's pipeline service (kept until the next change);
 * what is overdue is judged by the domain's rules (domain/overdue.ts, domain/risk-review.ts) on the
 * rows read here.
 */

/** The governance bodies the person sits in on `today` (as chair, member or officer), by name. */
export async function bodiesHeldBy(ex: Executor, userId: string, today: string) {
  return ex
    .selectDistinct({ code: governanceBodies.code, name: governanceBodies.name })
    .from(governanceMembers)
    .innerJoin(governanceBodies, eq(governanceBodies.id, governanceMembers.bodyId))
    .where(and(eq(governanceMembers.userId, userId), membershipHeldOn(today)))
    .orderBy(asc(governanceBodies.name), asc(governanceBodies.code));
}

/**
 * "Their projects": the open projects the person leads. A project records its lead commissioner
 * (projects.lead_commissioner_id), the one person accountable for taking it through the stages, so a
 * commissioner expects to find there the projects they must move on; the projects of the programmes
 * or bodies they work with are the pipeline's view, linked beside them. By title, so the list reads
 * the same each time.
 */
export async function ledProjects(ex: Executor, userId: string) {
  return ex
    .select({
      id: projects.id,
      title: projects.title,
      stage: projects.stage,
      outcome: projects.outcome,
      estimatedValuePence: projects.estimatedValuePence,
      programmeCode: projects.programmeCode,
      programmeCodes: projects.programmeCodes,
      regime: projects.regime,
      programmeName: programmes.name,
    })
    .from(projects)
    .leftJoin(programmes, eq(programmes.code, projects.programmeCode))
    .where(
      and(
        eq(projects.leadCommissionerId, userId),
        eq(projects.outcome, "open"),
        ne(projects.stage, "closed"),
      ),
    )
    .orderBy(asc(projects.title), asc(projects.id));
}

/** Checklist tasks of the projects still to be done and planned on or before `until`, earliest first. */
export async function tasksPlannedBy(ex: Executor, projectIds: string[], until: string) {
  if (projectIds.length === 0) return [];
  return ex
    .select({
      projectId: checklistTasks.projectId,
      taskKey: checklistTasks.taskKey,
      status: checklistTasks.status,
      plannedOn: checklistTasks.plannedOn,
    })
    .from(checklistTasks)
    .where(
      and(
        inArray(checklistTasks.projectId, projectIds),
        inArray(checklistTasks.status, [...OPEN_TASK_STATUSES]),
        lte(checklistTasks.plannedOn, until),
      ),
    )
    .orderBy(asc(checklistTasks.plannedOn), asc(checklistTasks.section), asc(checklistTasks.position));
}

/** Open risks of the projects whose review falls on or before `until`, earliest first. */
export async function reviewsDueBy(ex: Executor, projectIds: string[], until: string) {
  if (projectIds.length === 0) return [];
  return ex
    .select({
      id: risks.id,
      projectId: risks.projectId,
      title: risks.title,
      status: risks.status,
      reviewOn: risks.reviewOn,
    })
    .from(risks)
    .where(and(inArray(risks.projectId, projectIds), eq(risks.status, "open"), lte(risks.reviewOn, until)))
    .orderBy(asc(risks.reviewOn), asc(risks.title));
}

/** The organisation's name and provider code; null when there is none. */
export async function organisationOf(ex: Executor, organisationId: string) {
  const [row] = await ex
    .select({ name: organisations.name, code: organisations.code, kind: organisations.kind })
    .from(organisations)
    .where(eq(organisations.id, organisationId));
  return row ?? null;
}

/**
 * Client-level data uploads that hold the provider's code, with the day (in London) each was
 * uploaded and the latest event date in it: what the data-return rule reads (domain/data-returns.ts).
 */
export async function uploadsOf(ex: Executor, providerCode: string) {
  return ex
    .select({
      uploadedOn: sql<string>`to_char(${datasets.createdAt} AT TIME ZONE 'Europe/London', 'YYYY-MM-DD')`,
      periodEnd: datasets.periodEnd,
    })
    .from(datasets)
    .where(arrayOverlaps(datasets.providerCodes, [providerCode]))
    .orderBy(asc(datasets.createdAt));
}

/**
 * Tendering's next jobs for staff who manage tenders (docs/tendering.md): published tenders a section's
 * deadline has passed and that section not yet opened (App C 5.6), by deadline.
 */
export async function tendersToOpen(ex: Executor, now: Date) {
  const rows = await ex
    .select({
      id: tenders.id,
      reference: tenders.reference,
      title: tenders.title,
      pqqDeadline: tenders.pqqDeadline,
      submissionDeadline: tenders.submissionDeadline,
      opened: sql<
        string[]
      >`ARRAY(SELECT o.section FROM ${tenderOpenings} o WHERE o.tender_id = ${tenders.id})`,
    })
    .from(tenders)
    .where(
      and(
        eq(tenders.status, "published"),
        or(lt(tenders.submissionDeadline, now), lt(tenders.pqqDeadline, now)),
      ),
    );
  return rows
    .flatMap((t) => {
      const sections: { section: "pqq" | "itt"; deadline: Date | null }[] = [
        { section: "pqq", deadline: t.pqqDeadline },
        { section: "itt", deadline: t.submissionDeadline },
      ];
      return sections.flatMap(({ section, deadline }) =>
        deadline && deadline < now && !t.opened.includes(section)
          ? [{ id: t.id, reference: t.reference, title: t.title, section, deadline }]
          : [],
      );
    })
    .sort((a, b) => a.deadline.getTime() - b.deadline.getTime());
}

/** Clarification questions not yet answered (App C 5.5), oldest first, with their tender. */
export async function questionsAwaitingAnswer(ex: Executor) {
  return ex
    .select({
      id: clarifications.id,
      number: clarifications.number,
      askedAt: clarifications.createdAt,
      tenderId: tenders.id,
      reference: tenders.reference,
      title: tenders.title,
    })
    .from(clarifications)
    .innerJoin(tenders, eq(tenders.id, clarifications.tenderId))
    .where(isNull(clarifications.answeredAt))
    .orderBy(asc(clarifications.createdAt));
}

/** Tenders still being set up. */
export async function draftTenders(ex: Executor) {
  return ex
    .select({
      id: tenders.id,
      reference: tenders.reference,
      title: tenders.title,
      updatedAt: tenders.updatedAt,
    })
    .from(tenders)
    .where(eq(tenders.status, "draft"))
    .orderBy(asc(tenders.reference));
}

/** The tenders a supplier organisation registered interest in, and whether it has submitted to each. */
export async function interestsOf(ex: Executor, organisationId: string) {
  return ex
    .select({
      id: tenders.id,
      reference: tenders.reference,
      title: tenders.title,
      deadline: tenders.submissionDeadline,
      submitted: sql<boolean>`EXISTS (SELECT 1 FROM ${tenderSubmissions} s WHERE s.tender_id = ${tenders.id}
        AND s.organisation_id = ${organisationId} AND s.status = 'submitted')`,
    })
    .from(tenderInterests)
    .innerJoin(tenders, eq(tenders.id, tenderInterests.tenderId))
    .where(and(eq(tenderInterests.organisationId, organisationId), eq(tenders.status, "published")))
    .orderBy(asc(tenders.submissionDeadline));
}
