import { and, asc, eq, lt, ne, notInArray, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.js";
import { checklistTasks, governanceBodies, projects, risks } from "../../db/schema/index.js";
import { templateTask } from "../../domain/checklist-template.js";
import { evaluateGate, PROGRAMME_CODES } from "../../domain/stages.js";
import { todayInLondon, STAGE_FILTERS } from "./inputs.js";
import { nextDecisions, stageOf } from "./presenter.js";
import { loadSnapshots } from "./queries.js";

/**
 * The pipeline dashboard (issue 3, item 10): projects by stage and programme, what is overdue across
 * them, and what each governance body must decide. A handful of queries whatever the number of projects.
 */

/** Overdue lists show the oldest first, up to this many; `total` says how many there are. */
export const OVERDUE_LIMIT = 200;

const OPEN = and(eq(projects.outcome, "open"), ne(projects.stage, "closed"));

/**
 * Projects by programme (lead or joint: a joint project counts under each, as the filtered list finds it)
 * and by stage. Grouped in SQL by the few combinations of programmes and stage, spread out here.
 */
async function countsByProgrammeAndStage(ex: Executor) {
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

async function overdueTaskRows(ex: Executor, today: string) {
  const where = and(
    OPEN,
    lt(checklistTasks.plannedOn, today),
    notInArray(checklistTasks.status, ["completed", "not-applicable"]),
  );
  const items = await ex
    .select({
      id: checklistTasks.id,
      taskKey: checklistTasks.taskKey,
      plannedOn: checklistTasks.plannedOn,
      projectId: projects.id,
      projectTitle: projects.title,
    })
    .from(checklistTasks)
    .innerJoin(projects, eq(projects.id, checklistTasks.projectId))
    .where(where)
    .orderBy(
      asc(checklistTasks.plannedOn),
      asc(projects.title),
      asc(checklistTasks.section),
      asc(checklistTasks.position),
    )
    .limit(OVERDUE_LIMIT);
  const [total] = await ex
    .select({ n: sql<number>`count(*)::int` })
    .from(checklistTasks)
    .innerJoin(projects, eq(projects.id, checklistTasks.projectId))
    .where(where);
  return { items, total: total?.n ?? 0 };
}

async function overdueRiskRows(ex: Executor, today: string) {
  const where = and(OPEN, eq(risks.status, "open"), lt(risks.reviewOn, today));
  const items = await ex
    .select({
      id: risks.id,
      title: risks.title,
      reviewOn: risks.reviewOn,
      projectId: projects.id,
      projectTitle: projects.title,
    })
    .from(risks)
    .innerJoin(projects, eq(projects.id, risks.projectId))
    .where(where)
    .orderBy(asc(risks.reviewOn), asc(projects.title))
    .limit(OVERDUE_LIMIT);
  const [total] = await ex
    .select({ n: sql<number>`count(*)::int` })
    .from(risks)
    .innerJoin(projects, eq(projects.id, risks.projectId))
    .where(where);
  return { items, total: total?.n ?? 0 };
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

/** What each governance body must decide: the approvals missing from the gates of every open project. */
async function awaitedDecisions(ex: Executor): Promise<AwaitingBody[]> {
  const [open, bodies] = await Promise.all([
    ex.select().from(projects).where(OPEN).orderBy(asc(projects.title), asc(projects.id)),
    ex
      .select({ code: governanceBodies.code, name: governanceBodies.name })
      .from(governanceBodies)
      .orderBy(asc(governanceBodies.name)),
  ]);
  const snapshots = await loadSnapshots(ex, open);
  const byBody = new Map<string, AwaitingBody>();
  for (const row of open) {
    const snapshot = snapshots.get(row.id);
    if (!snapshot) continue;
    for (const body of nextDecisions(evaluateGate(snapshot), bodies)) {
      const entry = byBody.get(body.bodyCode) ?? {
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
      byBody.set(body.bodyCode, entry);
    }
  }
  // In the order of the bodies (by name), so the page reads the same each time.
  return bodies.flatMap((b) => {
    const entry = byBody.get(b.code);
    return entry ? [entry] : [];
  });
}

export function createPipelineService(db: Db) {
  /** Everything the dashboard shows, and the API returns. */
  async function dashboard() {
    const today = todayInLondon();
    const [counts, tasks, riskReviews, awaiting] = await Promise.all([
      countsByProgrammeAndStage(db),
      overdueTaskRows(db, today),
      overdueRiskRows(db, today),
      awaitedDecisions(db),
    ]);
    const byProgramme = PROGRAMME_CODES.map((code) => ({
      programmeCode: code,
      stages: Object.fromEntries(STAGE_FILTERS.map((s) => [s, counts.count(code, s)])) as Record<
        (typeof STAGE_FILTERS)[number],
        number
      >,
    }));
    const totals = Object.fromEntries(STAGE_FILTERS.map((s) => [s, counts.total(s)])) as Record<
      (typeof STAGE_FILTERS)[number],
      number
    >;
    return {
      today,
      byProgramme,
      totals,
      overdueTasks: {
        total: tasks.total,
        items: tasks.items.map((t) => ({
          ...t,
          plannedOn: t.plannedOn ?? "",
          text: templateTask(t.taskKey)?.text ?? `Checklist task ${t.taskKey}`,
        })),
      },
      overdueRiskReviews: riskReviews,
      awaitingDecisions: awaiting,
    };
  }

  /** What awaits one body's decision; null when no body has this code. */
  async function awaitingFor(code: string) {
    const [body] = await db
      .select({ code: governanceBodies.code, name: governanceBodies.name })
      .from(governanceBodies)
      .where(eq(governanceBodies.code, code));
    if (!body) return null;
    const all = await awaitedDecisions(db);
    return {
      bodyCode: body.code,
      bodyName: body.name,
      items: all.find((b) => b.bodyCode === body.code)?.items ?? [],
    };
  }

  return { dashboard, awaitingFor };
}

export type PipelineService = ReturnType<typeof createPipelineService>;
export type Pipeline = Awaited<ReturnType<PipelineService["dashboard"]>>;
