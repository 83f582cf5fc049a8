import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { PROGRAMME_CODES } from "../../domain/governance.js";
import { getRegime, isRegimeCode, REGIME_CODES } from "../../domain/regimes.js";
import { renderStatus } from "../../web/errors.js";
import { formState } from "../../web/forms.js";
import { NO_PARAMS, pageAction } from "../../web/page-action.js";
import { pagePath, PROJECT_DATES, projectEditForm, projectForm, STAGE_FILTERS } from "./inputs.js";
import { pageRoute, projectParams } from "./pages.js";
import { projectPaths } from "./paths.js";
import { admittedActor } from "../../web/guards.js";
import { projectNavigation } from "../../web/project-navigation.js";
import { overviewContext } from "./page-models.js";
import { loadProjectRulesPanel } from "../rules/queries.js";
import { projectPageServer, type ProjectPage } from "./project-page.js";
import { money, stageTag, type PresentedProject } from "./presenter.js";

/** Programmes offered by name (their code kept as the value integrators send). */
function programmeItems(names: ReadonlyMap<string, string>) {
  return PROGRAMME_CODES.map((code) => ({ value: code, text: names.get(code) ?? code }));
}
const REGIME_ITEMS = REGIME_CODES.map((code) => ({ value: code, text: getRegime(code).name }));
const STAGE_ITEMS = STAGE_FILTERS.map((s) => ({ value: s, text: s === "closed" ? "Closed" : `Stage ${s}` }));

function listRow(p: PresentedProject & { overdue?: boolean }) {
  return {
    id: p.id,
    title: p.title,
    href: projectPaths.project(p.id),
    programmes: [p.programmeCode, ...p.programmeCodes].join(", "),
    tag: stageTag(p.stage),
    value: money(p.estimatedValuePence),
    lead: p.leadCommissionerName ?? "",
    ready: p.gate.canAdvance,
    missingCount: p.gate.missing.length,
    overdue: Boolean(p.overdue),
    outcome: p.outcome,
  };
}

/** The form's fields as the edit page starts them: the project as it is now. */
function editValues(p: PresentedProject): Record<string, unknown> {
  const [year, month, day] = p.startedOn.split("-");
  return {
    title: p.title,
    description: p.description,
    programmeCode: p.programmeCode,
    programmeCodes: p.programmeCodes,
    leadCommissionerId: p.leadCommissionerId ?? "",
    estimatedValue: money(p.estimatedValuePence).replace(/^£/, ""),
    contractMonths: p.contractMonths === null ? "" : String(p.contractMonths),
    regime: p.regime,
    "startedOn-day": day,
    "startedOn-month": month,
    "startedOn-year": year,
    version: String(p.version),
  };
}

/** The list's filters as a link keeps them; anything unknown is no filter. */
const listQuery = z.object({
  programme: z.enum(PROGRAMME_CODES).optional().catch(undefined),
  stage: z.enum(STAGE_FILTERS).optional().catch(undefined),
  overdue: z.string().optional().catch(undefined),
  cursor: z
    .string()
    .transform((c) => c.slice(0, 200))
    .optional()
    .catch(undefined),
});
type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

/** The list of projects, filtered by programme, stage and what is overdue. */
function listPage(app: ZodApp) {
  const { projects } = app.services;

  app.get(
    projectPaths.list,
    pageRoute("projects:read", { querystring: listQuery }),
    async (request, reply) => {
      const { programme, stage, cursor } = request.query;
      const overdue = request.query.overdue === "true";
      const result = await projects.list({ programmeCode: programme, stage, overdue, limit: 50, cursor });
      const query = (c: string) =>
        `?${new URLSearchParams({
          ...(programme ? { programme } : {}),
          ...(stage ? { stage } : {}),
          ...(overdue ? { overdue: "true" } : {}),
          cursor: c,
        }).toString()}`;
      return reply.view("projects/views/list.njk", {
        pageTitle: "Commissioning projects",
        ...(await formState(request)),
        projects: result.items.map(listRow),
        total: result.total,
        filter: { programme: programme ?? "", stage: stage ?? "", overdue },
        programmes: programmeItems(await projects.programmeNames()),
        stages: STAGE_ITEMS,
        next: result.nextCursor ? projectPaths.list + query(result.nextCursor) : null,
        previous:
          result.previousCursor !== undefined ? projectPaths.list + query(result.previousCursor) : null,
        p: projectPaths,
      });
    },
  );
}

/** The form that starts a project. */
function startPages(app: ZodApp) {
  const { projects } = app.services;

  app.get(projectPaths.create, pageRoute("projects:create"), async (request, reply) => {
    const state = await formState(request);
    const options = await projects.formOptions();
    return reply.view("projects/views/form.njk", {
      pageTitle: "Start a commissioning project",
      ...state,
      values: { leadCommissionerId: request.actor?.id ?? "", ...state.values },
      mode: "create",
      action: projectPaths.list,
      commissioners: options.commissioners,
      programmes: programmeItems(options.programmeNames),
      regimes: REGIME_ITEMS,
      p: projectPaths,
    });
  });

  app.post(
    projectPaths.list,
    pageRoute("projects:create"),
    pageAction({
      params: NO_PARAMS,
      load: async () => ({}),
      form: () => projectPaths.create,
      body: projectForm,
      dates: PROJECT_DATES,
      pageFields: pagePath,
      refusalField: "title",
      run: async ({ actor, input }) => {
        const created = await projects.create(actor, input);
        return {
          to: projectPaths.project(created.id),
          success: `“${created.title}” has been started at Stage 1`,
        };
      },
    }),
  );
}

/** The project's overview: its stage, what the gate needs, what is overdue, its details. */
function overviewPage(app: ZodApp) {
  const serve = projectPageServer(app);
  const page: ProjectPage = {
    section: "overview",
    key: "overview",
    template: "projects/views/show-page.njk",
    title: (title) => title,
    context: overviewContext,
    more: async (id) => ({ rulesPanel: await loadProjectRulesPanel(app.services.database.db, id) }),
  };
  app.get(
    projectPaths.project(),
    pageRoute("projects:read", { params: projectParams }),
    async (request, reply) => serve(request, reply, request.params.id, page),
  );
}

/** Changing the project's details. */
function editPages(app: ZodApp) {
  const { projects } = app.services;

  app.get(
    projectPaths.edit(),
    pageRoute("projects:update", { params: projectParams }),
    async (request, reply) => {
      const project = await projects.get(request.params.id);
      if (!project) return renderStatus(reply, 404);
      const state = await formState(request);
      const options = await projects.formOptions();
      const stale = state.errors?.summary.some((e) => e.href === "#current-details") ?? false;
      return reply.view("projects/views/form.njk", {
        pageTitle: `Change ${project.title}`,
        ...state,
        values: { ...editValues(project), ...state.values },
        mode: "edit",
        stale,
        current: project,
        currentValue: money(project.estimatedValuePence),
        currentProgramme: options.programmeNames.get(project.programmeCode) ?? project.programmeCode,
        currentRegime: isRegimeCode(project.regime) ? getRegime(project.regime).name : project.regime,
        action: projectPaths.edit(project.id),
        commissioners: options.commissioners,
        programmes: programmeItems(options.programmeNames),
        regimes: REGIME_ITEMS,
        p: projectPaths,
      });
    },
  );

  app.post(
    projectPaths.edit(),
    pageRoute("projects:update", { params: projectParams }),
    pageAction({
      params: projectParams,
      load: ({ id }) => projects.find(id),
      form: (project) => projectPaths.edit(project.id),
      body: projectEditForm,
      dates: PROJECT_DATES,
      pageFields: pagePath,
      refusalField: "title",
      // Keep everything typed, and the version now current: sending again saves these values over theirs.
      stale: {
        field: "current-details",
        currentVersion: async (project) => (await projects.find(project.id))?.version ?? null,
      },
      run: async ({ actor, loaded: project, input }) => {
        const updated = await projects.update(actor, project.id, input);
        return { to: projectPaths.project(project.id), success: `“${updated.title}” has been changed` };
      },
    }),
  );
}

/** Commissioning project pages: list, start, overview, edit and timeline. */
export const projectRoutes: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;
  listPage(app);
  startPages(app);
  overviewPage(app);
  editPages(app);

  app.get(
    projectPaths.timeline(),
    pageRoute("projects:read", { params: projectParams }),
    async (request, reply) => {
      const project = await projects.get(request.params.id);
      if (!project) return renderStatus(reply, 404);
      const { items } = await projects.timeline(project.id);
      return reply.view("projects/views/timeline.njk", {
        pageTitle: `Timeline: ${project.title}`,
        project,
        projectNav: projectNavigation(admittedActor(request), project.id, "timeline"),
        items,
        p: projectPaths,
      });
    },
  );
};
