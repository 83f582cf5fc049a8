import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import type { Executor } from "../../../db/client.js";
import { checklistTasks, governanceBodies, projects, risks } from "../../../db/schema/index.js";
import { evaluateGate, STAGES_AWAITING_DECISIONS, type ProjectSnapshot } from "../../../domain/stages.js";
import type { BodyRef } from "../presenter.js";
import { nextDecisions, stageOf } from "../presenter.js";
import { loadSnapshots } from "../queries.js";
import { taskOverdueOn } from "../../checklist/queries.js";
import { reviewOverdue } from "../../risks/queries.js";

/**
 * The pipeline's reads: projects by stage and programme, what is overdue across them, and what each
 * governance body must decide. A handful of queries whatever the number of projects.
 */

/** Overdue lists show the oldest first, up to this many; `total` says how many there are. */
export const OVERDUE_LIMIT = 200;

const OPEN = and(eq(projects.outcome, "open"), ne(projects.stage, "closed"));

/** Only projects at these stages can await a governance body's decision. */
const STAGES_WITH_APPROVALS = STAGES_AWAITING_DECISIONS.map(String);

/**
 * Projects by programme (lead or joint: a joint project counts under each, as the filtered list finds it)
 * and by stage. Grouped in SQL by the few combinations of programmes and stage, spread out here.
 */
export async function countsByProgrammeAndStage(ex: Executor) {
  const groups = await ex
    .select({
      programmeCode: projects.programmeCode,
      programmeCodes: projects.programmeCodes,
      stage: projects.stage,
      n: sql<number>`count(*)::int`,
    })
    .from(projects)
    .groupBy(projects.programmeCode, projects.programmeCodes, projects.stage);
  const counts = new Map<string, number>();
  const totals = new Map<string, number>();
  for (const g of groups) {
    totals.set(g.stage, (totals.get(g.stage) ?? 0) + g.n);
    for (const code of new Set([g.programmeCode, ...g.programmeCodes])) {
      const key = `${code}:${g.stage}`;
      counts.set(key, (counts.get(key) ?? 0) + g.n);
    }
  }
  return {
    count: (code: string, stage: string) => counts.get(`${code}:${stage}`) ?? 0,
    total: (stage: string) => totals.get(stage) ?? 0,
  };
}

/** Rows of a list with the number of all that match (`count(*) OVER ()`: one query, not two). */
function withTotal<T extends { total: number }>(rows: T[]) {
  return {
    items: rows.map(({ total: _total, ...rest }) => rest),
    total: rows[0]?.total ?? 0,
  };
}

export async function overdueTaskRows(ex: Executor, today: string) {
  const rows = await ex
    .select({
      id: checklistTasks.id,
      taskKey: checklistTasks.taskKey,
      plannedOn: checklistTasks.plannedOn,
      projectId: projects.id,
      projectTitle: projects.title,
      total: sql<number>`(count(*) OVER ())::int`,
    })
    .from(checklistTasks)
    .innerJoin(projects, eq(projects.id, checklistTasks.projectId))
    .where(and(OPEN, taskOverdueOn(today)))
    .orderBy(
      asc(checklistTasks.plannedOn),
      asc(projects.title),
      asc(checklistTasks.section),
      asc(checklistTasks.position),
    )
    .limit(OVERDUE_LIMIT);
  return withTotal(rows);
}

export async function overdueRiskRows(ex: Executor, today: string) {
  const rows = await ex
    .select({
      id: risks.id,
      title: risks.title,
      reviewOn: risks.reviewOn,
      projectId: projects.id,
      projectTitle: projects.title,
      total: sql<number>`(count(*) OVER ())::int`,
    })
    .from(risks)
    .innerJoin(projects, eq(projects.id, risks.projectId))
    .where(and(OPEN, reviewOverdue(today)))
    .orderBy(asc(risks.reviewOn), asc(projects.title))
    .limit(OVERDUE_LIMIT);
  return withTotal(rows);
}

export interface AwaitedItem {
  projectId: string;
  projectTitle: string;
  programmeCode: string;
  stage: ReturnType<typeof stageOf>;
  what: string;
  paragraph: string;
}

export interface AwaitingBody {
  bodyCode: string;
  bodyName: string;
  items: AwaitedItem[];
}

interface AwaitingProject {
  id: string;
  title: string;
  stage: string;
  programmeCode: string;
}

/** Each project's missing approvals, put under the body that must give them, in the order of `bodies`. */
function byBody(
  open: readonly AwaitingProject[],
  snapshots: Map<string, ProjectSnapshot>,
  bodies: readonly BodyRef[],
): AwaitingBody[] {
  const found = new Map<string, AwaitingBody>();
  for (const row of open) {
    const snapshot = snapshots.get(row.id);
    if (!snapshot) continue;
    for (const body of nextDecisions(evaluateGate(snapshot), bodies)) {
      const entry = found.get(body.bodyCode) ?? {
        bodyCode: body.bodyCode,
        bodyName: body.bodyName,
        items: [],
      };
      for (const item of body.items) {
        entry.items.push({
          projectId: row.id,
          projectTitle: row.title,
          programmeCode: row.programmeCode,
          stage: stageOf(row),
          what: item.text,
          paragraph: item.paragraph,
        });
      }
      found.set(body.bodyCode, entry);
    }
  }
  // In the order of the bodies (by name), so the page reads the same each time.
  return bodies.flatMap((b) => {
    const entry = found.get(b.code);
    return entry ? [entry] : [];
  });
}

/** What each governance body must decide: the approvals missing from the gates of every open project. */
export async function awaitedDecisions(ex: Executor): Promise<AwaitingBody[]> {
  // Only the columns the gate and the list read, and only projects at a stage whose gate asks a body
  // for an approval (derived in domain/stages.ts).
  const awaiting = and(OPEN, inArray(projects.stage, STAGES_WITH_APPROVALS));
  const [open, bodies] = await Promise.all([
    ex
      .select({
        id: projects.id,
        title: projects.title,
        stage: projects.stage,
        outcome: projects.outcome,
        estimatedValuePence: projects.estimatedValuePence,
        programmeCode: projects.programmeCode,
        programmeCodes: projects.programmeCodes,
        regime: projects.regime,
      })
      .from(projects)
      .where(awaiting)
      .orderBy(asc(projects.title), asc(projects.id)),
    ex
      .select({ code: governanceBodies.code, name: governanceBodies.name })
      .from(governanceBodies)
      .orderBy(asc(governanceBodies.name)),
  ]);
  const snapshots = await loadSnapshots(
    ex,
    open,
    ex.select({ id: projects.id }).from(projects).where(awaiting).getSQL(),
  );
  return byBody(open, snapshots, bodies);
}

/** One governance body's code and name; null when no body has this code. */
export async function findBodyByCode(ex: Executor, code: string) {
  const [body] = await ex
    .select({ code: governanceBodies.code, name: governanceBodies.name })
    .from(governanceBodies)
    .where(eq(governanceBodies.code, code));
  return body ?? null;
}
