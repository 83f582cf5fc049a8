import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { can } from "../../domain/policy.js";
import { renderStatus } from "../../web/errors.js";
import { formState } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { pageAction, PROJECT_PARAMS } from "../../web/page-action.js";
import { paths } from "../../web/paths.js";
import { projectNavigation } from "../../web/project-navigation.js";
import { eqiaPaths } from "./paths.js";
import { CHARACTERISTICS, IMPACTS, IMPACT_NAMES } from "./screening.js";
import type { PresentedEqia } from "./presenter.js";
import { eqiaInput } from "./service.js";

/** API paths (screening.3.impact) → the page's field ids (impact-race). */
function pageField(path: string): string {
  const m = /^screening\.(\d+)\.(\w+)$/.exec(path);
  if (m) {
    const code = CHARACTERISTICS[Number(m[1])]?.code ?? "age";
    const field = m[2] === "characteristic" ? "impact" : (m[2] ?? "impact");
    return `${field}-${code}`;
  }
  return path === "version" ? "current" : path;
}

/** The screening form's fields → the PUT body (every characteristic, in order). */
function screeningFromForm(raw: unknown) {
  const body: Record<string, unknown> = raw && typeof raw === "object" ? { ...raw } : {};
  const text = (name: string) => {
    const value = body[name];
    return typeof value === "string" ? value.trim() : "";
  };
  return {
    screening: CHARACTERISTICS.map((c) => ({
      characteristic: c.code,
      impact: text(`impact-${c.code}`) || null,
      evidence: text(`evidence-${c.code}`),
      mitigation: text(`mitigation-${c.code}`) || null,
    })),
    fullAssessmentRequired: text("fullAssessmentRequired") === "yes",
    fullAssessmentDocumentId: text("fullAssessmentDocumentId") || null,
    updatedAfterConsultation: text("updatedAfterConsultation") === "yes",
    version: Number(text("version") || "0"),
  };
}

export const eqiaForm = z.preprocess(screeningFromForm, eqiaInput);
const signOffForm = z.object({ version: z.coerce.number().int().catch(0) });

function formValues(eqia: PresentedEqia, typed: Record<string, unknown>) {
  const hasTyped = Object.keys(typed).length > 0;
  const value = (name: string, saved: string) =>
    hasTyped ? (typeof typed[name] === "string" ? typed[name] : "") : saved;
  return {
    entries: eqia.screening.map((e) => ({
      code: e.characteristic,
      name: e.name,
      impact: value(`impact-${e.characteristic}`, e.impact ?? ""),
      evidence: value(`evidence-${e.characteristic}`, e.evidence),
      mitigation: value(`mitigation-${e.characteristic}`, e.mitigation ?? ""),
    })),
    fullAssessmentRequired:
      value("fullAssessmentRequired", eqia.fullAssessmentRequiredByHand ? "yes" : "") === "yes",
    fullAssessmentDocumentId: value("fullAssessmentDocumentId", eqia.fullAssessmentDocumentId ?? ""),
    updatedAfterConsultation:
      value("updatedAfterConsultation", eqia.updatedAfterConsultation ? "yes" : "") === "yes",
    version: value("version", String(eqia.version)),
  };
}

type App = Parameters<FastifyPluginAsyncZod>[0];
type FoundEqia = NonNullable<Awaited<ReturnType<App["services"]["eqia"]["get"]>>>;

const schema = { hide: true, params: PROJECT_PARAMS };

const formOf = (found: FoundEqia) => eqiaPaths.eqia(found.project.id);

/** The assessment's page: the screening form, and sign-off for the Equalities team. */
function eqiaPage(app: App) {
  const { eqia } = app.services;
  const read = { preHandler: requirePage("projects:read"), schema };
  app.get(eqiaPaths.eqia(), read, async (request, reply) => {
    const found = await eqia.get(request.params.id);
    if (!found) return renderStatus(reply, 404);
    const state = await formState(request);
    return reply.view("eqia/views/eqia.njk", {
      pageTitle: `Equality impact assessment: ${found.project.title}`,
      ...state,
      conflict: Boolean(state.errors?.fields.current),
      project: found.project,
      projectPath: paths.project(found.project.id),
      eqiaPaths,
      eqia: found.eqia,
      form: formValues(found.eqia, state.values),
      impacts: IMPACTS.map((i) => ({ value: i, text: IMPACT_NAMES[i] })),
      impactNames: IMPACT_NAMES,
      documents: await eqia.documentOptions(found.project.id),
      mayEdit: can(request.actor, "eqia:manage"),
      maySignOff: await eqia.canSignOff(request.actor),
      projectNav: projectNavigation(request.actor ?? null, found.project.id, "eqia"),
    });
  });
}

/** The screening form's post. */
function saveScreening(app: App) {
  const { eqia } = app.services;
  const manage = { preHandler: requirePage("eqia:manage"), schema };
  app.post(
    eqiaPaths.eqia(),
    manage,
    pageAction({
      params: PROJECT_PARAMS,
      load: ({ id }) => eqia.get(id),
      form: formOf,
      body: eqiaForm,
      refusalField: "current",
      pageFields: pageField,
      stale: {
        field: "current",
        currentVersion: async (found) =>
          (await eqia.get(found.project.id))?.eqia.version ?? found.eqia.version,
      },
      run: async ({ actor, loaded: found, input }) => {
        const saved = await eqia.save(actor, found.project.id, input);
        const success = saved.screeningDone
          ? "Equality impact assessment saved: the screening is finished"
          : `Equality impact assessment saved: ${saved.missing.length} characteristics still need an impact and evidence`;
        return { to: formOf(found), success };
      },
    }),
  );
}

/** The sign-off button's own page (App C 3), for those who see the screening form on the EqIA page. */
function signOffAssessment(app: App) {
  const { eqia } = app.services;
  const signOff = { preHandler: requirePage("eqia:sign-off"), schema };
  app.get(eqiaPaths.eqiaSignOff(), signOff, async (request, reply) => {
    const found = await eqia.get(request.params.id);
    if (!found) return renderStatus(reply, 404);
    return reply.view("eqia/views/sign-off.njk", {
      pageTitle: `Sign off the equality impact assessment: ${found.project.title}`,
      ...(await formState(request)),
      project: found.project,
      projectPath: paths.project(found.project.id),
      eqiaPaths,
      eqia: found.eqia,
      maySignOff: await eqia.canSignOff(request.actor),
      projectNav: projectNavigation(request.actor ?? null, found.project.id, "eqia"),
    });
  });
  app.post(
    eqiaPaths.eqiaSignOff(),
    signOff,
    pageAction({
      params: PROJECT_PARAMS,
      load: ({ id }) => eqia.get(id),
      form: formOf,
      body: signOffForm,
      refusalField: "sign-off",
      // Nothing was typed here: the screening form goes on showing what is saved.
      keepTyped: false,
      run: async ({ actor, loaded: found, input }) => {
        await eqia.signOff(actor, found.project.id, input.version);
        return { to: formOf(found), success: "The equality impact assessment is signed off" };
      },
    }),
  );
}

/** The equality impact assessment page: screening form and sign-off. */
export const eqiaRoutes: FastifyPluginAsyncZod = async (app) => {
  eqiaPage(app);
  saveScreening(app);
  signOffAssessment(app);
};
