import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { dateParts } from "../../web/date-input.js";
import { renderStatus } from "../../web/errors.js";
import { formState } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { pageAction, pathParam, PROJECT_PARAMS } from "../../web/page-action.js";
import { paths } from "../../web/paths.js";
import { projectNavigation } from "../../web/project-navigation.js";
import { IMPACT_NAMES, LIKELIHOOD_NAMES, layoutHeatmap, type RatingCode } from "./heatmap.js";
import { riskPaths } from "./paths.js";
import type { PresentedRisk } from "./presenter.js";
import { RISK_STATUSES, riskInput, riskUpdateInput } from "./service.js";

const RISK_PARAMS = z.object({ id: pathParam, riskId: pathParam });

/** GOV.UK tag colour for each rating (the words say the rating; colour only repeats it). */
export const RATING_TAG_CLASSES: Record<RatingCode, string> = {
  low: "govuk-tag--green",
  moderate: "govuk-tag--yellow",
  high: "govuk-tag--orange",
  extreme: "govuk-tag--red",
};

/** A form's number boxes and radios arrive as text; "" is "not given". */
function numbersIn(names: readonly string[]) {
  return (body: unknown) => {
    if (!body || typeof body !== "object") return body;
    const fields: Record<string, unknown> = { ...body };
    for (const name of names) {
      const raw = fields[name];
      fields[name] = typeof raw === "string" && raw.trim() !== "" ? Number(raw.trim()) : undefined;
    }
    if (fields.status === "") delete fields.status;
    return fields;
  };
}

const reviewOnRequired = z
  .string({ error: "Enter the date the risk is next reviewed" })
  .pipe(riskInput.shape.reviewOn);

/** The add form: the API's fields, with the review date asked for in words. */
export const newRiskForm = z.preprocess(
  numbersIn(["likelihood", "impact"]),
  riskInput.extend({ reviewOn: reviewOnRequired }),
);

/** The edit form asks for every field, so an empty one is an error here even where the API's PATCH allows it. */
export const riskEditForm = z.preprocess(
  numbersIn(["likelihood", "impact", "version"]),
  riskUpdateInput.extend({
    likelihood: riskInput.shape.likelihood,
    impact: riskInput.shape.impact,
    reviewOn: reviewOnRequired,
  }),
);

const RISK_DATES = { reviewOn: "Next review" };

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

type App = Parameters<FastifyPluginAsyncZod>[0];

const read = { preHandler: requirePage("projects:read"), schema: { hide: true, params: PROJECT_PARAMS } };
const manage = { preHandler: requirePage("risks:manage"), schema: { hide: true, params: PROJECT_PARAMS } };
const manageOne = { preHandler: requirePage("risks:manage"), schema: { hide: true, params: RISK_PARAMS } };

/** The register with its heat map. */
function register(app: App) {
  const { risks } = app.services;
  app.get(riskPaths.risks(), read, async (request, reply) => {
    const found = await risks.list(request.params.id);
    if (!found) return renderStatus(reply, 404);
    return reply.view("risks/views/risks.njk", {
      pageTitle: `Risk register: ${found.project.title}`,
      ...(await formState(request)),
      project: found.project,
      projectNav: projectNavigation(request.actor ?? null, found.project.id, "risks"),
      projectPath: paths.project(found.project.id),
      riskPaths,
      risks: found.items.map((r) => ({ ...r, ratingClasses: RATING_TAG_CLASSES[r.rating] })),
      overdue: found.overdue,
      heatmap: layoutHeatmap(found.items),
      impactNames: IMPACT_NAMES,
    });
  });
}

/** Add a risk: the form and its post. */
function addRisk(app: App) {
  const { risks } = app.services;
  app.get(riskPaths.risksNew(), manage, async (request, reply) => {
    const project = await risks.project(request.params.id);
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

  app.post(
    riskPaths.risks(),
    manage,
    pageAction({
      params: PROJECT_PARAMS,
      load: ({ id }) => risks.project(id),
      form: (project) => riskPaths.risksNew(project.id),
      body: newRiskForm,
      dates: RISK_DATES,
      refusalField: "title",
      run: async ({ actor, loaded: project, input }) => {
        const created = await risks.create(actor, project.id, input);
        return { to: riskPaths.risks(project.id), success: `Risk added: ${created.title}` };
      },
    }),
  );
}

/** Change a risk: the form with the risk's history, and its post. */
function changeRisk(app: App) {
  const { risks } = app.services;
  app.get(riskPaths.risk(), manageOne, async (request, reply) => {
    const { id, riskId } = request.params;
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

  app.post(
    riskPaths.risk(),
    manageOne,
    pageAction({
      params: RISK_PARAMS,
      load: async ({ id, riskId }) => {
        const current = await risks.get(riskId);
        return current?.projectId === id ? current : null;
      },
      form: (risk) => riskPaths.risk(risk.projectId, risk.id),
      body: riskEditForm,
      dates: RISK_DATES,
      refusalField: "title",
      stale: {
        field: "current",
        currentVersion: async (risk) => (await risks.get(risk.id))?.version ?? risk.version,
      },
      run: async ({ actor, loaded: risk, input }) => {
        const updated = await risks.update(actor, risk.id, input);
        return { to: riskPaths.risks(risk.projectId), success: `Risk updated: ${updated.title}` };
      },
    }),
  );
}

/** The risk register pages: register with heat map, add a risk, edit a risk with its history. */
export const riskRoutes: FastifyPluginAsyncZod = async (app) => {
  register(app);
  addRisk(app);
  changeRisk(app);
};
