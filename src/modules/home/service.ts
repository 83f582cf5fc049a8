import type { Db } from "../../db/client.js";
import type { Clock } from "../../domain/clock.js";
import { dataReturnState } from "../../domain/data-returns.js";
import { addDays } from "../../domain/dates.js";
import { can, type Actor } from "../../domain/policy.js";
import { evaluateGate, type Gate } from "../../domain/stages.js";
import type { createPipelineService } from "../projects/pipeline/service.js";
import { loadSnapshots } from "../projects/queries.js";
import {
  bodiesHeldBy,
  draftTenders,
  interestsOf,
  ledProjects,
  organisationOf,
  questionsAwaitingAnswer,
  reviewsDueBy,
  tasksPlannedBy,
  tendersToOpen,
  uploadsOf,
} from "./queries.js";

/**
 * What needs the person signed in, for the home page: the decisions awaiting the bodies they sit in,
 * the projects they lead with what each gate is missing, their checklist tasks and risk reviews due, and
 * a provider's data return. Reads only; each part is asked only of those whom the policy lets see it.
 */

/** Tasks and reviews coming up within this many days are listed beside the overdue ones. */
export const DUE_SOON_DAYS = 14;

type PipelineService = ReturnType<typeof createPipelineService>;
type LedProject = Awaited<ReturnType<typeof ledProjects>>[number];

export interface LedProjectFacts {
  project: LedProject;
  gate: Gate;
}

async function awaitingBodies(db: Db, pipeline: PipelineService, userId: string, today: string) {
  const bodies = await bodiesHeldBy(db, userId, today);
  return Promise.all(
    bodies.map(async (body) => ({
      code: body.code,
      name: body.name,
      items: (await pipeline.awaitingFor(body.code))?.items ?? [],
    })),
  );
}

async function projectWork(db: Db, userId: string, today: string) {
  const rows = await ledProjects(db, userId);
  const ids = rows.map((r) => r.id);
  const until = addDays(today, DUE_SOON_DAYS);
  const [snapshots, tasks, reviews] = await Promise.all([
    loadSnapshots(db, rows),
    tasksPlannedBy(db, ids, until),
    reviewsDueBy(db, ids, until),
  ]);
  const projects: LedProjectFacts[] = rows.flatMap((project) => {
    const snapshot = snapshots.get(project.id);
    return snapshot ? [{ project, gate: evaluateGate(snapshot) }] : [];
  });
  return { projects, tasks, reviews };
}

async function dataReturn(db: Db, organisationId: string | null, today: string) {
  if (!organisationId) return null;
  const organisation = await organisationOf(db, organisationId);
  if (!organisation?.code) return null;
  const uploads = await uploadsOf(db, organisation.code);
  return {
    organisationName: organisation.name,
    organisationCode: organisation.code,
    state: dataReturnState(uploads, today),
  };
}

async function pipelineTotals(pipeline: PipelineService) {
  const dashboard = await pipeline.dashboard();
  return {
    overdueTasks: dashboard.overdueTasks.total,
    overdueReviews: dashboard.overdueRiskReviews.total,
    awaitingDecisions: dashboard.awaitingDecisions.reduce((n, b) => n + b.items.length, 0),
  };
}

/** Tendering's next jobs for staff who manage tenders (docs/tendering.md, App C 5.5–5.6). */
async function tenderWork(db: Db, now: Date) {
  const [toOpen, questions, drafts] = await Promise.all([
    tendersToOpen(db, now),
    questionsAwaitingAnswer(db),
    draftTenders(db),
  ]);
  return { toOpen, questions, drafts };
}

/** A supplier's tenders: those its organisation registered interest in. */
async function supplierTenders(db: Db, organisationId: string | null) {
  return organisationId ? interestsOf(db, organisationId) : [];
}

export function createHomeService(db: Db, clock: Clock, pipeline: PipelineService) {
  return {
    /** Everything the person's home page shows of their work, on today's date. */
    async workOf(actor: Actor) {
      const today = clock.today();
      const userId = actor.id;
      const staff = userId !== null && can(actor, "projects:read");
      const [bodies, work, totals, provider, tenders, supplierTenderRows] = await Promise.all([
        staff ? awaitingBodies(db, pipeline, userId, today) : Promise.resolve(null),
        userId && can(actor, "projects:update") ? projectWork(db, userId, today) : Promise.resolve(null),
        staff ? pipelineTotals(pipeline) : Promise.resolve(null),
        actor.roles.includes("provider-user") && can(actor, "datasets:import")
          ? dataReturn(db, actor.organisationId, today)
          : Promise.resolve(null),
        staff && can(actor, "tenders:manage") ? tenderWork(db, clock.now()) : Promise.resolve(null),
        can(actor, "tenders:participate") ? supplierTenders(db, actor.organisationId) : Promise.resolve(null),
      ]);
      return { today, bodies, work, totals, provider, tenders, supplierTenders: supplierTenderRows };
    },
  };
}

export type HomeWork = Awaited<ReturnType<ReturnType<typeof createHomeService>["workOf"]>>;
