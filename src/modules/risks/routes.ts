import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { renderStatus } from "../../web/errors.js";
import { formState, redirectWithErrors, redirectWithSuccess, zodFieldErrors } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { ConflictError, ProblemError, type FieldError } from "../../errors.js";
import { dateFromParts, dateParts } from "../checklist/project-context.js";
import { IMPACT_NAMES, LIKELIHOOD_NAMES, layoutHeatmap, type RatingCode } from "./heatmap.js";
import { riskPaths } from "./paths.js";
import {
  RISK_STATUSES,
  STALE_RISK_MESSAGE,
  riskInput,
  riskUpdateInput,
  type PresentedRisk,
  type RiskInput,
  type RiskUpdateInput,
} from "./service.js";

/** GOV.UK tag colour for each rating (the words say the rating; colour only repeats it). */
export const RATING_TAG_CLASSES: Record<RatingCode, string> = {
  low: "govuk-tag--green",
  moderate: "govuk-tag--yellow",
  high: "govuk-tag--orange",
  extreme: "govuk-tag--red",
};

function pagePath(error: FieldError): FieldError {
  return error.path === "reviewOn" ? { ...error, path: "reviewOn.day" } : error;
}

/** The add and edit forms' body → the API's fields, or the form's errors. */
export function parseRiskForm(
  body: Record<string, unknown>,
  editing: boolean,
): { create?: RiskInput; update?: RiskUpdateInput; errors: FieldError[] } {
  const text = (name: string) => (typeof body[name] === "string" ? body[name].trim() : "");
  const number = (name: string) => (text(name) === "" ? undefined : Number(text(name)));
  const errors: FieldError[] = [];
  const reviewOn = dateFromParts(body["reviewOn-day"], body["reviewOn-month"], body["reviewOn-year"]);
  if (reviewOn === null)
    errors.push({ path: "reviewOn.day", message: "Review date must be a real date, for example 27 3 2025" });
  if (reviewOn === "")
    errors.push({ path: "reviewOn.day", message: "Enter the date the risk is next reviewed" });
  const fields = {
    title: text("title"),
    description: text("description"),
    likelihood: number("likelihood"),
    impact: number("impact"),
    owner: text("owner"),
    mitigation: text("mitigation"),
    reviewOn: reviewOn || undefined,
  };
  const parsed = editing
    ? riskUpdateInput.safeParse({
        ...fields,
        status: text("status") || undefined,
        version: number("version"),
      })
    : riskInput.safeParse(fields);
  if (!parsed.success) {
    const seen = new Set(errors.map((e) => e.path));
    for (const e of zodFieldErrors(parsed.error).map(pagePath)) if (!seen.has(e.path)) errors.push(e);
  }
  // Every field is asked for on the page, so an empty one is an error here even where the API's PATCH allows it.
  if (editing) {
    if (fields.likelihood === undefined)
      errors.push({ path: "likelihood", message: "Select the likelihood, from 1 to 5" });
    if (fields.impact === undefined)
      errors.push({ path: "impact", message: "Select the impact, from 1 to 5" });
  }
  if (errors.length || !parsed.success) return { errors };
  return editing
    ? { update: parsed.data as RiskUpdateInput, errors: [] }
    : { create: parsed.data as RiskInput, errors: [] };
}

const SCALE_ITEMS = {
  likelihood: LIKELIHOOD_NAMES.map((name, i) => ({ value: String(i + 1), text: `${i + 1} ${name}` })),
  impact: IMPACT_NAMES.map((name, i) => ({ value: String(i + 1), text: `${i + 1} ${name}` })),
};

function formValues(risk: PresentedRisk | null, typed: Record<string, unknown>) {
  const hasTyped = Object.keys(typed).length > 0;
  const value = (name: string, saved: string) =>
    hasTyped ? (typeof typed[name] === "string" ? typed[name] : "") : saved;
  const review = dateParts(risk?.reviewOn);
  return {
    title: value("title", risk?.title ?? ""),
    description: value("description", risk?.description ?? ""),
    likelihood: value("likelihood", risk ? String(risk.likelihood) : ""),
    impact: value("impact", risk ? String(risk.impact) : ""),
    owner: value("owner", risk?.owner ?? ""),
    mitigation: value("mitigation", risk?.mitigation ?? ""),
    reviewOn: {
      day: value("reviewOn-day", review.day),
      month: value("reviewOn-month", review.month),
      year: value("reviewOn-year", review.year),
    },
    status: value("status", risk?.status ?? "open"),
    version: value("version", risk ? String(risk.version) : ""),
  };
}

/** The risk register pages: register with heat map, add a risk, edit a risk with its history. */
export const riskRoutes: FastifyPluginAsyncZod = async (app) => {
  const { risks } = app.services;
  const read = { preHandler: requirePage("projects:read"), schema: { hide: true } };
  const manage = { preHandler: requirePage("risks:manage"), schema: { hide: true } };
  const params = (request: FastifyRequest) => request.params as { id?: string; riskId?: string };

  app.get(riskPaths.risks(), read, async (request, reply) => {
    const found = await risks.list(params(request).id ?? "");
    if (!found) return renderStatus(reply, 404);
    return reply.view("risks/views/risks.njk", {
      pageTitle: `Risk register: ${found.project.title}`,
      ...(await formState(request)),
      project: found.project,
      projectPath: paths.project(found.project.id),
      riskPaths,
      risks: found.items.map((r) => ({ ...r, ratingClasses: RATING_TAG_CLASSES[r.rating] })),
      overdue: found.overdue,
      heatmap: layoutHeatmap(found.items),
      impactNames: IMPACT_NAMES,
    });
  });

  app.get(riskPaths.risksNew(), manage, async (request, reply) => {
    const project = await risks.project(params(request).id ?? "");
    if (!project) return renderStatus(reply, 404);
    const state = await formState(request);
    return reply.view("risks/views/risk-form.njk", {
      pageTitle: "Add a risk",
      ...state,
      project,
      riskPaths,
      risk: null,
      history: [],
      form: formValues(null, state.values),
      scales: SCALE_ITEMS,
      statuses: RISK_STATUSES,
    });
  });

  app.post(riskPaths.risks(), manage, async (request, reply) => {
    const actor = request.actor;
    if (!actor) return reply;
    const project = await risks.project(params(request).id ?? "");
    if (!project) return renderStatus(reply, 404);
    const parsed = parseRiskForm((request.body ?? {}) as Record<string, unknown>, false);
    if (!parsed.create)
      return redirectWithErrors(request, reply, riskPaths.risksNew(project.id), parsed.errors);
    try {
      const created = await risks.create(actor, project.id, parsed.create);
      return await redirectWithSuccess(
        request,
        reply,
        riskPaths.risks(project.id),
        `Risk added: ${created.title}`,
      );
    } catch (error) {
      if (error instanceof ProblemError && error.status < 500) {
        const errors = error.errors.length ? error.errors : [{ path: "title", message: error.message }];
        return redirectWithErrors(request, reply, riskPaths.risksNew(project.id), errors.map(pagePath));
      }
      throw error;
    }
  });

  app.get(riskPaths.risk(), manage, async (request, reply) => {
    const { id = "", riskId = "" } = params(request);
    const found = await risks.getWithHistory(riskId);
    if (found?.risk.projectId !== id) return renderStatus(reply, 404);
    const project = await risks.project(id);
    if (!project) return renderStatus(reply, 404);
    const state = await formState(request);
    return reply.view("risks/views/risk-form.njk", {
      pageTitle: `Change a risk: ${found.risk.title}`,
      ...state,
      conflict: Boolean(state.errors?.fields.current),
      project,
      riskPaths,
      risk: { ...found.risk, ratingClasses: RATING_TAG_CLASSES[found.risk.rating] },
      history: found.history,
      form: formValues(found.risk, state.values),
      scales: SCALE_ITEMS,
      statuses: RISK_STATUSES,
    });
  });

  app.post(riskPaths.risk(), manage, async (request, reply) => {
    const actor = request.actor;
    if (!actor) return reply;
    const { id = "", riskId = "" } = params(request);
    const current = await risks.get(riskId);
    if (current?.projectId !== id) return renderStatus(reply, 404);
    const formPath = riskPaths.risk(id, riskId);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = parseRiskForm(body, true);
    if (!parsed.update) return redirectWithErrors(request, reply, formPath, parsed.errors);
    try {
      const updated = await risks.update(actor, riskId, parsed.update);
      return await redirectWithSuccess(request, reply, riskPaths.risks(id), `Risk updated: ${updated.title}`);
    } catch (error) {
      if (error instanceof ConflictError) {
        // Keep what was typed; carry the saved version so that saving again is a deliberate overwrite.
        const latest = await risks.get(riskId);
        request.body = { ...body, version: String(latest?.version ?? current.version) };
        return redirectWithErrors(request, reply, formPath, [
          { path: "current", message: STALE_RISK_MESSAGE },
        ]);
      }
      if (error instanceof ProblemError && error.status < 500) {
        const errors = error.errors.length ? error.errors : [{ path: "title", message: error.message }];
        return redirectWithErrors(request, reply, formPath, errors.map(pagePath));
      }
      throw error;
    }
  });
};
