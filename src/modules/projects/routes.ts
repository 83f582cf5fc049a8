import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { PROGRAMME_CODES } from "../../domain/governance.js";
import { DOCUMENT_KIND_NAMES, DOCUMENT_KINDS, STAGE_NAMES } from "../../domain/stages.js";
import { REGIME_CODES } from "../../domain/regimes.js";
import { renderStatus } from "../../web/errors.js";
import { formState } from "../../web/forms.js";
import { fragmentFor, permissionsKey, renderFragment } from "../../web/views.js";
import { admittedActor } from "../../web/guards.js";
import { NO_PARAMS, pageAction } from "../../web/page-action.js";
import { pagePath, PROJECT_DATES, projectEditForm, projectForm, STAGE_FILTERS } from "./inputs.js";
import { pageRoute, projectParams } from "./pages.js";
import { projectPaths } from "./paths.js";
import {
  fileSize,
  fileTypeName,
  kindName,
  money,
  stageLabel,
  stageTag,
  type PresentedProject,
} from "./presenter.js";
import type { ProjectsService } from "./service.js";
import { ACCEPTED_TYPES_TEXT } from "./upload.js";

const PROGRAMME_ITEMS = PROGRAMME_CODES.map((code) => ({ value: code, text: code }));
const REGIME_ITEMS = REGIME_CODES.map((code) => ({ value: code, text: code }));
const KIND_ITEMS = DOCUMENT_KINDS.map((kind) => ({ value: kind, text: DOCUMENT_KIND_NAMES[kind] }));
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

type HomePage = NonNullable<Awaited<ReturnType<ProjectsService["homePage"]>>>;
type FormState = Awaited<ReturnType<typeof formState>>;

function documentRows(home: HomePage) {
  return home.documents.map((d) => ({
    id: d.id,
    kindName: kindName(d.kind),
    title: d.title,
    latestVersion: d.latestVersion,
    versions: d.versions.map((v) => ({
      version: v.version,
      href: projectPaths.documentVersion(home.project.id, d.id, v.version),
      fileName: v.fileName,
      type: fileTypeName(v.mediaType),
      size: fileSize(v.bytes),
      uploadedAt: v.uploadedAt.toISOString(),
      uploadedBy: v.uploadedBy ?? "",
      sha256: v.sha256,
    })),
  }));
}

function decisionRows(home: HomePage) {
  return home.decisions.map((d) => ({
    ...d,
    subjectText:
      d.subjectType === "project"
        ? "The project"
        : `${kindName(d.subjectKind ?? "")} “${d.subjectTitle ?? ""}” (version ${d.subjectVersion ?? "?"})`,
    decisionText:
      d.decision === "approved-with-conditions"
        ? "Approved with conditions"
        : d.decision === "approved"
          ? "Approved"
          : "Rejected",
  }));
}

/** The choices of the page's forms: what a decision is on, bodies, members, providers, letters. */
function formChoices(home: HomePage) {
  return {
    subjects: [
      { value: home.project.id, text: "The project itself (procurement plan, recommendation)" },
      ...home.documents.map((d) => ({
        value: d.id,
        text: `${kindName(d.kind)}: “${d.title}” (version ${d.latestVersion})`,
      })),
    ],
    bodies: home.bodies.map((b) => ({ value: b.code, text: b.name })),
    members: home.members.map((m) => ({ value: m.userId, text: `${m.name} (${m.bodyName})` })),
    kinds: KIND_ITEMS,
    acceptedTypes: ACCEPTED_TYPES_TEXT,
    providers: home.providers.map((o) => ({ value: o.id, text: o.name })),
    noticeLetters: home.documents
      .filter((d) => d.kind === "notice-letter")
      .map((d) => ({ value: d.id, text: d.title })),
  };
}

/** What the project page's content shows (views/show-page.njk). */
function showContext(home: HomePage, state: FormState) {
  const { project, gate } = home;
  const next = gate.nextStage;
  return {
    ...state,
    project,
    tag: stageTag(project.stage),
    gate,
    nextStageLabel: next === null ? null : next === "closed" ? "Close the project" : `Move to stage ${next}`,
    nextStageName: next === null ? null : STAGE_NAMES[next],
    nextDecisions: home.nextDecisions,
    overdueTasks: home.overdueTasks,
    overdueRiskReviews: home.overdueRiskReviews,
    value: money(project.estimatedValuePence),
    documents: documentRows(home),
    decisions: decisionRows(home),
    ...formChoices(home),
    costAvoidancePaper: home.costAvoidancePaper,
    incumbentContracts: home.incumbentContracts,
    stageLabel: stageLabel(project.stage),
    p: projectPaths,
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
        programmes: PROGRAMME_ITEMS,
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
      programmes: PROGRAMME_ITEMS,
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

/** The project's home page. */
function homePage(app: ZodApp) {
  const { projects, clock } = app.services;
  // The project page's content, kept per project and set of roles until the next audited change: it
  // is read far more often than a project changes, and rendering it is most of what a view costs.
  const projectPages = app.services.changeCache<{ title: string; html: string } | null>(200);

  app.get(
    projectPaths.project(),
    pageRoute("projects:read", { params: projectParams }),
    async (request, reply) => {
      const { id } = request.params;
      const actor = admittedActor(request);
      const state = await formState(request);
      const render = async () => {
        const home = await projects.homePage(id);
        if (!home) return null;
        const html = await renderFragment(
          app,
          actor,
          "projects/views/show-page.njk",
          showContext(home, state),
        );
        return { title: home.project.title, html };
      };
      // What was typed into a refused form is this person's alone: that page is never kept.
      const typed = Boolean(state.errors) || Object.keys(state.values).length > 0;
      const content = typed
        ? await render()
        : await projectPages.get(`${id} ${clock.today()} ${permissionsKey(actor)}`, render);
      if (content === null) return renderStatus(reply, 404);
      return reply.view("projects/views/show.njk", {
        pageTitle: content.title,
        ...state,
        pageHtml: fragmentFor(request, content.html),
        p: projectPaths,
      });
    },
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
        action: projectPaths.edit(project.id),
        commissioners: options.commissioners,
        programmes: PROGRAMME_ITEMS,
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

/** Commissioning project pages: list, start, home page, edit and timeline. */
export const projectRoutes: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;
  listPage(app);
  startPages(app);
  homePage(app);
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
        items,
        p: projectPaths,
      });
    },
  );
};
