import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { renderStatus } from "../../../web/errors.js";
import { pagination } from "../../../web/pagination.js";
import { admittedActor } from "../../../web/guards.js";
import { fragmentFor, permissionsKey, renderFragment } from "../../../web/views.js";
import { STAGE_FILTERS } from "../inputs.js";
import { pageRoute } from "../pages.js";
import { projectPaths } from "../paths.js";
import { stageLabel } from "../presenter.js";
import type { ProjectsService } from "../service.js";

/**
 * The dashboard is a summary a commissioner reads in one go: the oldest few of each list, with the
 * number of all and a link to the whole list (the API returns them all).
 */
const PAGE_LIST_LIMIT = 20;
const PAGE_AWAITED_LIMIT = 10;
/** A body's own page lists what awaits it, this many at a time. */
const AWAITED_PER_PAGE = 50;

const firstOf = <T>(items: readonly T[], n: number) => items.slice(0, n);

const STAGE_COLUMNS = STAGE_FILTERS.map((s) => ({
  value: s,
  text: s === "closed" ? "Closed" : `Stage ${s}`,
}));

function listHref(filter: { programme?: string; stage?: string }) {
  const query = new URLSearchParams(filter).toString();
  return query ? `${projectPaths.list}?${query}` : projectPaths.list;
}

type Dashboard = Awaited<ReturnType<ProjectsService["pipeline"]["dashboard"]>>;

/** What the dashboard's content shows (views/pipeline-page.njk). */
function dashboardContext(pipeline: Dashboard, programmeNames: ReadonlyMap<string, string>) {
  return {
    pipeline,
    overdueTasks: firstOf(pipeline.overdueTasks.items, PAGE_LIST_LIMIT),
    overdueRisks: firstOf(pipeline.overdueRiskReviews.items, PAGE_LIST_LIMIT),
    awaiting: pipeline.awaitingDecisions.map((body) => ({
      ...body,
      total: body.items.length,
      items: firstOf(body.items, PAGE_AWAITED_LIMIT),
    })),
    stages: STAGE_COLUMNS,
    rows: pipeline.byProgramme.map((row) => ({
      programmeCode: row.programmeCode,
      programmeName: programmeNames.get(row.programmeCode) ?? row.programmeCode,
      cells: STAGE_COLUMNS.map((s) => ({
        count: row.stages[s.value],
        href: listHref({ programme: row.programmeCode, stage: s.value }),
        label: `${programmeNames.get(row.programmeCode) ?? row.programmeCode}, ${s.text}`,
      })),
    })),
    totals: STAGE_COLUMNS.map((s) => ({
      count: pipeline.totals[s.value],
      href: listHref({ stage: s.value }),
      label: `All programmes, ${s.text}`,
    })),
    stageLabel,
    p: projectPaths,
  };
}

/** `?page=` as a whole number; anything else is the first page, as a browser's mistyped link would be. */
const awaitingQuery = z.object({
  page: z.string().trim().regex(/^\d+$/).transform(Number).optional().catch(undefined),
});

/** The pipeline dashboard and each governance body's awaited decisions. */
export const pipelineRoutes: FastifyPluginAsyncZod = async (app) => {
  const { projects, clock } = app.services;

  // The dashboard's content, kept per set of roles until the next audited change (or the next day).
  const pipelinePages = app.services.changeCache<string>(20);

  app.get(projectPaths.pipeline, pageRoute("projects:read"), async (request, reply) => {
    const actor = admittedActor(request);
    const html = await pipelinePages.get(`${clock.today()} ${permissionsKey(actor)}`, async () =>
      renderFragment(
        app,
        actor,
        "projects/views/pipeline-page.njk",
        dashboardContext(await projects.pipeline.dashboard(), await projects.programmeNames()),
      ),
    );
    return reply.view("projects/views/pipeline.njk", {
      pageTitle: "Pipeline",
      pageHtml: fragmentFor(request, html),
    });
  });

  app.get(
    projectPaths.awaiting(),
    pageRoute("projects:read", {
      params: z.object({ code: z.string().max(50) }),
      querystring: awaitingQuery,
    }),
    async (request, reply) => {
      const body = await projects.pipeline.awaitingFor(request.params.code);
      if (!body) return renderStatus(reply, 404);
      const pages = Math.max(1, Math.ceil(body.items.length / AWAITED_PER_PAGE));
      const requested = request.query.page ?? 1;
      if (requested < 1 || requested > pages) return renderStatus(reply, 404);
      const href = (n: number) =>
        `${projectPaths.awaiting(body.bodyCode)}${n > 1 ? `?page=${String(n)}` : ""}`;
      return reply.view("projects/views/awaiting.njk", {
        pageTitle: `Awaiting a decision: ${body.bodyName}${pages > 1 ? ` (page ${String(requested)} of ${String(pages)})` : ""}`,
        body,
        total: body.items.length,
        items: body.items.slice((requested - 1) * AWAITED_PER_PAGE, requested * AWAITED_PER_PAGE),
        firstShown: (requested - 1) * AWAITED_PER_PAGE + 1,
        pagination: pagination(requested, pages, href),
        programmeNames: await projects.programmeNames(),
        stageLabel,
        p: projectPaths,
      });
    },
  );
};
