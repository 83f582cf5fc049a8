import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { renderStatus } from "../../web/errors.js";
import { pagination } from "../../web/pagination.js";
import { redirectWithErrors, redirectWithSuccess } from "../../web/forms.js";
import { admittedActor, requirePage } from "../../web/guards.js";
import { type FieldError } from "../../errors.js";
import { formRefusal } from "../../web/problems.js";
import { setFlash } from "../../web/sessions.js";
import { fragmentFor, permissionsKey, renderFragment } from "../../web/views.js";
import { ChangeCache } from "../audit/changes.js";
import { incumbentInput, incumbentPatchInput } from "./incumbents.js";
import { dateFromParts, STAGE_FILTERS, zodIssues } from "./inputs.js";
import { projectPaths } from "./paths.js";
import { stageLabel } from "./presenter.js";

type FormBody = Record<string, unknown>;

function text(body: FormBody, name: string): string {
  const v = body[name];
  if (Array.isArray(v)) return typeof v[0] === "string" ? v[0] : "";
  return typeof v === "string" ? v : "";
}

function wholeNumber(raw: string): number | undefined {
  const t = raw.trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

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

/** The page's names for the API's fields, so each message sits by its own field. */
function incumbentFieldErrors(errors: FieldError[]): FieldError[] {
  const names: Record<string, string> = { name: "incumbentName", endsOn: "endsOn.day" };
  return errors.map((e) => ({ ...e, path: names[e.path] ?? e.path }));
}

function noticeFieldErrors(contractId: string, errors: FieldError[]): FieldError[] {
  return errors.map((e) => ({
    ...e,
    path:
      e.path === "noticeGivenOn"
        ? `notice-${contractId}.day`
        : e.path === "noticeDocumentId"
          ? `noticeDocumentId-${contractId}`
          : `notice-${contractId}.day`,
  }));
}

/**
 * The pipeline dashboard and each governance body's awaited decisions, and the forms
 * of the project page's "Contracts being recommissioned" section (item 8).
 */
export const pipelineRoutes: FastifyPluginAsyncZod = async (app) => {
  const { projects, clock } = app.services;
  const page = (action: Parameters<typeof requirePage>[0]) => ({
    preHandler: requirePage(action),
    schema: { hide: true },
  });

  // The dashboard's content, kept per set of roles until the next audited change (or the next day).
  const pipelinePages = new ChangeCache<string>(app.services.changes, 20);

  app.get(projectPaths.pipeline, page("projects:read"), async (request, reply) => {
    const actor = admittedActor(request);
    const html = await pipelinePages.get(`${clock.today()} ${permissionsKey(actor)}`, async () => {
      const pipeline = await projects.pipeline.dashboard();
      return renderFragment(app, actor, "projects/views/pipeline-page.njk", {
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
          cells: STAGE_COLUMNS.map((s) => ({
            count: row.stages[s.value],
            href: listHref({ programme: row.programmeCode, stage: s.value }),
            label: `${row.programmeCode}, ${s.text}`,
          })),
        })),
        totals: STAGE_COLUMNS.map((s) => ({
          count: pipeline.totals[s.value],
          href: listHref({ stage: s.value }),
          label: `All programmes, ${s.text}`,
        })),
        stageLabel,
        p: projectPaths,
      });
    });
    return reply.view("projects/views/pipeline.njk", {
      pageTitle: "Pipeline",
      pageHtml: fragmentFor(request, html),
    });
  });

  app.get(projectPaths.awaiting(), page("projects:read"), async (request, reply) => {
    const code = z
      .string()
      .max(50)
      .safeParse((request.params as { code?: unknown }).code);
    const body = code.success ? await projects.pipeline.awaitingFor(code.data) : null;
    if (!body) return renderStatus(reply, 404);
    const pages = Math.max(1, Math.ceil(body.items.length / AWAITED_PER_PAGE));
    const requested = wholeNumber(text((request.query ?? {}) as FormBody, "page")) ?? 1;
    if (requested < 1 || requested > pages) return renderStatus(reply, 404);
    const href = (n: number) => `${projectPaths.awaiting(body.bodyCode)}${n > 1 ? `?page=${String(n)}` : ""}`;
    return reply.view("projects/views/awaiting.njk", {
      pageTitle: `Awaiting a decision: ${body.bodyName}${pages > 1 ? ` (page ${String(requested)} of ${String(pages)})` : ""}`,
      body,
      total: body.items.length,
      items: body.items.slice((requested - 1) * AWAITED_PER_PAGE, requested * AWAITED_PER_PAGE),
      firstShown: (requested - 1) * AWAITED_PER_PAGE + 1,
      pagination: pagination(requested, pages, href),
      stageLabel,
      p: projectPaths,
    });
  });

  app.post(projectPaths.incumbents(), page("projects:update"), async (request, reply) => {
    const id = z.uuid().safeParse((request.params as { id?: unknown }).id);
    if (!id.success) return renderStatus(reply, 404);
    const back = `${projectPaths.project(id.data)}#incumbents`;
    const body = (request.body ?? {}) as FormBody;
    const days = text(body, "noticeDays").trim();
    const parsed = incumbentInput.safeParse({
      name: text(body, "incumbentName"),
      providerOrganisationId: text(body, "providerOrganisationId") || null,
      endsOn: dateFromParts(body, "endsOn") || undefined,
      noticeDays: days === "" ? undefined : (wholeNumber(days) ?? Number.NaN),
    });
    if (!parsed.success) {
      return redirectWithErrors(request, reply, back, incumbentFieldErrors(zodIssues(parsed.error)));
    }
    try {
      const added = await projects.incumbents.add(admittedActor(request), id.data, parsed.data);
      return await redirectWithSuccess(
        request,
        reply,
        back,
        `“${added.name}” has been added: notice must be given by ${added.noticeByOn}`,
      );
    } catch (error) {
      const refused = formRefusal(error);
      if (!refused) throw error;
      const errors = refused.errors.length
        ? refused.errors
        : [{ path: "incumbentName", message: refused.message }];
      return redirectWithErrors(request, reply, back, incumbentFieldErrors(errors));
    }
  });

  app.post(projectPaths.incumbentNotice(), page("projects:update"), async (request, reply) => {
    const params = z.object({ id: z.uuid(), contractId: z.uuid() }).safeParse(request.params);
    if (!params.success) return renderStatus(reply, 404);
    const { id, contractId } = params.data;
    const back = `${projectPaths.project(id)}#incumbent-${contractId}`;
    const body = (request.body ?? {}) as FormBody;
    const noticeGivenOn = dateFromParts(body, "noticeGivenOn");
    const parsed = incumbentPatchInput.safeParse({
      noticeGivenOn: noticeGivenOn || undefined,
      noticeDocumentId: text(body, "noticeDocumentId") || null,
      version: wholeNumber(text(body, "version")),
    });
    if (!parsed.success || !noticeGivenOn) {
      const errors = parsed.success ? [] : zodIssues(parsed.error);
      if (!noticeGivenOn)
        errors.unshift({ path: "noticeGivenOn", message: "Enter the date notice was given" });
      return redirectWithErrors(request, reply, back, noticeFieldErrors(contractId, errors));
    }
    const contracts = await projects.incumbents.list(id).catch(() => []);
    if (!contracts.some((c) => c.id === contractId)) return renderStatus(reply, 404);
    try {
      const updated = await projects.incumbents.update(admittedActor(request), contractId, parsed.data);
      return await redirectWithSuccess(
        request,
        reply,
        back,
        `Notice to the provider of “${updated.name}” has been recorded`,
      );
    } catch (error) {
      const refused = formRefusal(error);
      if (!refused) throw error;
      const currentVersion = refused.extra.currentVersion;
      if (refused.status === 409 && typeof currentVersion === "number") {
        // Keep what was typed, with the version now current: sending again records it over theirs.
        const { _csrf: _ignored, ...typed } = body;
        await setFlash(request, reply, app.services.accounts, app.config, {
          errors: [{ path: `notice-${contractId}.day`, message: refused.message }],
          values: { ...typed, version: String(currentVersion) },
        });
        return reply.redirect(back, 303);
      }
      const errors = refused.errors.length
        ? refused.errors
        : [{ path: "noticeGivenOn", message: refused.message }];
      return redirectWithErrors(request, reply, back, noticeFieldErrors(contractId, errors));
    }
  });
};
