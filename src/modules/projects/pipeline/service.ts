import type { Db } from "../../../db/client.js";
import type { Clock } from "../../../domain/clock.js";
import { templateTask } from "../../../domain/checklist-template.js";
import { PROGRAMME_CODES } from "../../../domain/governance.js";
import type { ChangeCacheFactory } from "../../audit/changes.js";
import { STAGE_FILTERS } from "../inputs.js";
import {
  awaitedDecisions,
  countsByProgrammeAndStage,
  findBodyByCode,
  overdueRiskRows,
  overdueTaskRows,
  type AwaitingBody,
} from "./queries.js";

/**
 * The pipeline dashboard: projects by stage and programme, what is overdue across
 * them, and what each governance body must decide (pipeline/queries.ts), kept until the next change.
 */

type StageFilter = (typeof STAGE_FILTERS)[number];

/** One number for each stage filter, in the API's field names. */
function byStage(count: (stage: StageFilter) => number): Record<StageFilter, number> {
  return {
    "1": count("1"),
    "2": count("2"),
    "3": count("3"),
    "4": count("4"),
    "5": count("5"),
    closed: count("closed"),
  };
}

/** Everything the dashboard shows, and the API returns, on the given day. */
async function computeDashboard(db: Db, today: string, awaited: () => Promise<AwaitingBody[]>) {
  const [counts, tasks, riskReviews, awaiting] = await Promise.all([
    countsByProgrammeAndStage(db),
    overdueTaskRows(db, today),
    overdueRiskRows(db, today),
    awaited(),
  ]);
  return {
    today,
    byProgramme: PROGRAMME_CODES.map((code) => ({
      programmeCode: code,
      stages: byStage((s) => counts.count(code, s)),
    })),
    totals: byStage((s) => counts.total(s)),
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

type Dashboard = Awaited<ReturnType<typeof computeDashboard>>;

export function createPipelineService(db: Db, changeCache: ChangeCacheFactory, clock: Clock) {
  // Kept until the next audited change (or the next day): the awaited decisions evaluate the gate of
  // every open project, which is too much work to repeat for each view of the dashboard.
  const dashboards = changeCache<Dashboard>(2);
  const awaitedLists = changeCache<AwaitingBody[]>(2);

  function awaited(): Promise<AwaitingBody[]> {
    return awaitedLists.get(clock.today(), () => awaitedDecisions(db));
  }

  return {
    /** Everything the dashboard shows, and the API returns. */
    async dashboard(): Promise<Dashboard> {
      const today = clock.today();
      return dashboards.get(today, () => computeDashboard(db, today, awaited));
    },

    /** What awaits one body's decision; null when no body has this code. */
    async awaitingFor(code: string) {
      const body = await findBodyByCode(db, code);
      if (!body) return null;
      const all = await awaited();
      return {
        bodyCode: body.code,
        bodyName: body.name,
        items: all.find((b) => b.bodyCode === body.code)?.items ?? [],
      };
    },
  };
}
