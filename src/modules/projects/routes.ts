import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { PROGRAMME_CODES } from "../../domain/governance.js";
import { DOCUMENT_KIND_NAMES, DOCUMENT_KINDS, STAGE_NAMES, type MissingOutput } from "../../domain/stages.js";
import { REGIME_CODES } from "../../domain/regimes.js";
import { MAX_UPLOAD_BYTES } from "../../web/limits.js";
import { renderStatus } from "../../web/errors.js";
import { formState, redirectWithErrors, redirectWithSuccess } from "../../web/forms.js";
import { fragmentFor, permissionsKey, renderFragment } from "../../web/views.js";
import { ChangeCache } from "../audit/changes.js";
import { admittedActor, requirePage } from "../../web/guards.js";
import { ProblemError, type FieldError } from "../../errors.js";
import { formRefusal } from "../../web/problems.js";
import { csrfTokenValid, setFlash } from "../../web/sessions.js";
import {
  formVersion,
  parseDecisionForm,
  parseProjectEditForm,
  parseProjectForm,
  parseRejectForm,
  STAGE_FILTERS,
  toPagePaths,
} from "./inputs.js";
import { projectPaths } from "./paths.js";
import {
  fileSize,
  fileTypeName,
  kindName,
  missingAsErrors,
  money,
  stageLabel,
  stageTag,
  type PresentedProject,
} from "./presenter.js";
import {
  ACCEPTED_TYPES_TEXT,
  attachmentHeader,
  receiveUpload,
  UploadStopped,
  type ReceivedUpload,
} from "./upload.js";
import type { ProjectsService } from "./service.js";

const uuid = z.uuid();

function idParam(request: FastifyRequest): string | null {
  const parsed = uuid.safeParse((request.params as { id?: unknown }).id);
  return parsed.success ? parsed.data : null;
}

/** A refusal the person can act on goes back to the form; anything else is the error page's. */

function errorsOf(error: ProblemError, fallbackPath: string): FieldError[] {
  const missing = error.extra.missing;
  if (Array.isArray(missing)) return missingAsErrors(missing as MissingOutput[]);
  const fields = error.errors.length ? error.errors : [{ path: fallbackPath, message: error.message }];
  return toPagePaths(fields);
}

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

const uploads = new WeakMap<FastifyRequest, ReceivedUpload>();

/** Commissioning project pages: list, start, home page, edit, documents, decisions, advance, reject, timeline. */
type HomePage = NonNullable<Awaited<ReturnType<ProjectsService["homePage"]>>>;
type FormState = Awaited<ReturnType<typeof formState>>;

/** What the project page's content shows (views/show-page.njk). */
function showContext(home: HomePage, state: FormState) {
  const { project, gate } = home;
  return {
    ...state,
    project,
    tag: stageTag(project.stage),
    gate,
    nextStageLabel:
      gate.nextStage === null
        ? null
        : gate.nextStage === "closed"
          ? "Close the project"
          : `Move to stage ${gate.nextStage}`,
    nextStageName: gate.nextStage === null ? null : STAGE_NAMES[gate.nextStage],
    nextDecisions: home.nextDecisions,
    overdueTasks: home.overdueTasks,
    overdueRiskReviews: home.overdueRiskReviews,
    value: money(project.estimatedValuePence),
    documents: home.documents.map((d) => ({
      id: d.id,
      kindName: kindName(d.kind),
      title: d.title,
      latestVersion: d.latestVersion,
      versions: d.versions.map((v) => ({
        version: v.version,
        href: projectPaths.documentVersion(project.id, d.id, v.version),
        fileName: v.fileName,
        type: fileTypeName(v.mediaType),
        size: fileSize(v.bytes),
        uploadedAt: v.uploadedAt.toISOString(),
        uploadedBy: v.uploadedBy ?? "",
        sha256: v.sha256,
      })),
    })),
    decisions: home.decisions.map((d) => ({
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
    })),
    subjects: [
      { value: project.id, text: "The project itself (procurement plan, recommendation)" },
      ...home.documents.map((d) => ({
        value: d.id,
        text: `${kindName(d.kind)}: “${d.title}” (version ${d.latestVersion})`,
      })),
    ],
    bodies: home.bodies.map((b) => ({ value: b.code, text: b.name })),
    members: home.members.map((m) => ({ value: m.userId, text: `${m.name} (${m.bodyName})` })),
    kinds: KIND_ITEMS,
    acceptedTypes: ACCEPTED_TYPES_TEXT,
    costAvoidancePaper: home.costAvoidancePaper,
    incumbentContracts: home.incumbentContracts,
    providers: home.providers.map((o) => ({ value: o.id, text: o.name })),
    noticeLetters: home.documents
      .filter((d) => d.kind === "notice-letter")
      .map((d) => ({ value: d.id, text: d.title })),
    stageLabel: stageLabel(project.stage),
    p: projectPaths,
  };
}

export const projectRoutes: FastifyPluginAsyncZod = async (app) => {
  const { projects, clock } = app.services;
  const page = (action: Parameters<typeof requirePage>[0]) => ({
    preHandler: requirePage(action),
    schema: { hide: true },
  });

  app.get(projectPaths.list, page("projects:read"), async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const programme = PROGRAMME_CODES.find((c) => c === q.programme);
    const stage = STAGE_FILTERS.find((s) => s === q.stage);
    const overdue = q.overdue === "true";
    const cursor = typeof q.cursor === "string" ? q.cursor.slice(0, 200) : undefined;
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
      previous: result.previousCursor !== undefined ? projectPaths.list + query(result.previousCursor) : null,
      p: projectPaths,
    });
  });

  app.get(projectPaths.create, page("projects:create"), async (request, reply) => {
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

  app.post(projectPaths.list, page("projects:create"), async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = parseProjectForm(body);
    if (!parsed.ok) return redirectWithErrors(request, reply, projectPaths.create, parsed.errors);
    try {
      const created = await projects.create(admittedActor(request), parsed.value);
      return await redirectWithSuccess(
        request,
        reply,
        projectPaths.project(created.id),
        `“${created.title}” has been started at Stage 1`,
      );
    } catch (error) {
      const refused = formRefusal(error);
      if (!refused) throw error;
      return redirectWithErrors(request, reply, projectPaths.create, errorsOf(refused, "title"));
    }
  });

  // The project page's content, kept per project and set of roles until the next audited change: it
  // is read far more often than a project changes, and rendering it is most of what a view costs.
  const projectPages = new ChangeCache<{ title: string; html: string } | null>(app.services.changes, 200);

  app.get(projectPaths.project(), page("projects:read"), async (request, reply) => {
    const id = idParam(request);
    if (!id) return renderStatus(reply, 404);
    const actor = admittedActor(request);
    const state = await formState(request);
    const render = async () => {
      const home = await projects.homePage(id);
      if (!home) return null;
      const html = await renderFragment(app, actor, "projects/views/show-page.njk", showContext(home, state));
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
  });

  app.get(projectPaths.edit(), page("projects:update"), async (request, reply) => {
    const id = idParam(request);
    const project = id ? await projects.get(id) : null;
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
  });

  app.post(projectPaths.edit(), page("projects:update"), async (request, reply) => {
    const id = idParam(request);
    if (!id) return renderStatus(reply, 404);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = parseProjectEditForm(body);
    if (!parsed.ok) return redirectWithErrors(request, reply, projectPaths.edit(id), parsed.errors);
    try {
      const updated = await projects.update(admittedActor(request), id, parsed.value);
      return await redirectWithSuccess(
        request,
        reply,
        projectPaths.project(id),
        `“${updated.title}” has been changed`,
      );
    } catch (error) {
      const refused = formRefusal(error);
      if (!refused) throw error;
      const currentVersion = refused.extra.currentVersion;
      if (refused.status === 409 && typeof currentVersion === "number") {
        // Keep everything typed, and the version now current: sending again saves these values over theirs.
        const { _csrf: _ignored, ...typed } = body;
        await setFlash(request, reply, app.services.accounts, app.config, {
          errors: [{ path: "current-details", message: refused.message }],
          values: { ...typed, version: String(currentVersion) },
        });
        return reply.redirect(projectPaths.edit(id), 303);
      }
      return redirectWithErrors(request, reply, projectPaths.edit(id), errorsOf(refused, "title"));
    }
  });

  // Uploads are multipart: the permission is checked and the form read before the CSRF check (which reads
  // `request.body._csrf`), and the token is checked as soon as it arrives, before a byte of the file is kept.
  app.post(
    projectPaths.documents(),
    {
      schema: { hide: true },
      preValidation: [
        requirePage("documents:upload"),
        async (request: FastifyRequest, reply: FastifyReply) => {
          const valid = (fields: Record<string, string>) =>
            csrfTokenValid(request, fields._csrf, app.config.sessionSecret);
          let received: ReceivedUpload;
          try {
            received = await receiveUpload(request, { maxBytes: MAX_UPLOAD_BYTES, beforeFile: valid });
          } catch (error) {
            if (!(error instanceof UploadStopped)) throw error;
            request.log.warn(
              { url: request.routeOptions.url },
              "upload refused before the file (CSRF token)",
            );
            return reply.code(403).view("errors/csrf.njk", { pageTitle: "Your form could not be sent" });
          }
          if (!valid(received.fields)) {
            await received.discard();
            return reply.code(403).view("errors/csrf.njk", { pageTitle: "Your form could not be sent" });
          }
          uploads.set(request, received);
          request.body = received.fields;
        },
      ],
      onResponse: async (request: FastifyRequest) => {
        await uploads.get(request)?.discard();
      },
    },
    async (request, reply) => {
      const id = idParam(request);
      if (!id) return renderStatus(reply, 404);
      const received = uploads.get(request);
      try {
        const document = await projects.uploadDocument(
          admittedActor(request),
          id,
          received?.fields ?? {},
          received?.file ?? null,
        );
        return await redirectWithSuccess(
          request,
          reply,
          projectPaths.project(id),
          `${kindName(document.kind)} “${document.title}” version ${document.version} has been uploaded`,
        );
      } catch (error) {
        const refused = formRefusal(error);
        if (!refused) throw error;
        return redirectWithErrors(request, reply, projectPaths.project(id), errorsOf(refused, "file"));
      }
    },
  );

  app.get(projectPaths.documentVersion(), page("projects:read"), async (request, reply) => {
    const params = z
      .object({ id: z.uuid(), documentId: z.uuid(), version: z.coerce.number().int().min(1) })
      .safeParse(request.params);
    if (!params.success) return renderStatus(reply, 404);
    const { id, documentId, version } = params.data;
    try {
      const file = await projects.openDocumentVersion(id, documentId, version);
      return await reply
        .type(file.mediaType)
        .header("content-disposition", attachmentHeader(file.fileName))
        .header("content-length", file.bytes)
        .send(file.stream);
    } catch (error) {
      if (error instanceof ProblemError && error.status === 404) return renderStatus(reply, 404);
      throw error;
    }
  });

  app.post(projectPaths.decisions(), page("decisions:record"), async (request, reply) => {
    const id = idParam(request);
    if (!id) return renderStatus(reply, 404);
    const parsed = parseDecisionForm((request.body ?? {}) as Record<string, unknown>);
    if (!parsed.ok) return redirectWithErrors(request, reply, projectPaths.project(id), parsed.errors);
    try {
      const decision = await projects.recordDecision(admittedActor(request), id, parsed.value);
      return await redirectWithSuccess(
        request,
        reply,
        projectPaths.project(id),
        `The decision of ${decision.bodyCode} (minutes ${decision.minutesRef}) has been recorded`,
      );
    } catch (error) {
      const refused = formRefusal(error);
      if (!refused) throw error;
      return redirectWithErrors(request, reply, projectPaths.project(id), errorsOf(refused, "bodyCode"));
    }
  });

  app.post(projectPaths.advance(), page("projects:update"), async (request, reply) => {
    const id = idParam(request);
    if (!id) return renderStatus(reply, 404);
    const version = formVersion((request.body ?? {}) as Record<string, unknown>);
    try {
      const result = await projects.advance(admittedActor(request), id, version);
      return await redirectWithSuccess(
        request,
        reply,
        projectPaths.project(id),
        result.stage === "closed"
          ? "The project has been closed"
          : `The project has moved to stage ${result.stage}`,
      );
    } catch (error) {
      const refused = formRefusal(error);
      if (!refused) throw error;
      return redirectWithErrors(request, reply, projectPaths.project(id), errorsOf(refused, "gate"));
    }
  });

  app.get(projectPaths.reject(), page("projects:update"), async (request, reply) => {
    const id = idParam(request);
    const project = id ? await projects.get(id) : null;
    if (!project) return renderStatus(reply, 404);
    return reply.view("projects/views/reject.njk", {
      pageTitle: `Record that the recommendation was rejected: ${project.title}`,
      ...(await formState(request)),
      project,
      p: projectPaths,
    });
  });

  app.post(projectPaths.reject(), page("projects:update"), async (request, reply) => {
    const id = idParam(request);
    if (!id) return renderStatus(reply, 404);
    const parsed = parseRejectForm((request.body ?? {}) as Record<string, unknown>);
    if (!parsed.ok) return redirectWithErrors(request, reply, projectPaths.reject(id), parsed.errors);
    try {
      const result = await projects.reject(admittedActor(request), id, parsed.value);
      return await redirectWithSuccess(
        request,
        reply,
        projectPaths.project(id),
        `The procurement has ended (§3.17). ${result.costAvoidancePaper.required ? "A cost avoidance paper is required." : ""}`.trim(),
      );
    } catch (error) {
      const refused = formRefusal(error);
      if (!refused) throw error;
      return redirectWithErrors(request, reply, projectPaths.reject(id), errorsOf(refused, "reason"));
    }
  });

  app.get(projectPaths.timeline(), page("projects:read"), async (request, reply) => {
    const id = idParam(request);
    const project = id ? await projects.get(id) : null;
    if (!project) return renderStatus(reply, 404);
    const { items } = await projects.timeline(project.id);
    return reply.view("projects/views/timeline.njk", {
      pageTitle: `Timeline: ${project.title}`,
      project,
      items,
      p: projectPaths,
    });
  });
};
