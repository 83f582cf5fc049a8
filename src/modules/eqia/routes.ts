import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { can } from "../../domain/policy.js";
import { renderStatus } from "../../web/errors.js";
import { formState, redirectWithErrors, redirectWithSuccess, zodFieldErrors } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { ConflictError, ForbiddenError, ProblemError, type FieldError } from "../../errors.js";
import { eqiaPaths } from "./paths.js";
import { CHARACTERISTICS, IMPACTS, IMPACT_NAMES } from "./screening.js";
import { STALE_EQIA_MESSAGE, eqiaInput, type EqiaInput, type PresentedEqia } from "./service.js";

/** API paths (screening.3.impact) → the page's field ids (impact-race). */
function pagePath(error: FieldError): FieldError {
  const m = /^screening\.(\d+)\.(\w+)$/.exec(error.path);
  if (m) {
    const code = CHARACTERISTICS[Number(m[1])]?.code ?? "age";
    const field = m[2] === "characteristic" ? "impact" : (m[2] ?? "impact");
    return { ...error, path: `${field}-${code}` };
  }
  if (error.path === "version") return { ...error, path: "current" };
  return error;
}

/** The screening form's body → the PUT fields (every characteristic, in order), or the form's errors. */
export function parseEqiaForm(body: Record<string, unknown>): { input?: EqiaInput; errors: FieldError[] } {
  const text = (name: string) => (typeof body[name] === "string" ? body[name].trim() : "");
  const candidate = {
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
  const parsed = eqiaInput.safeParse(candidate);
  if (!parsed.success) return { errors: zodFieldErrors(parsed.error).map(pagePath) };
  return { input: parsed.data, errors: [] };
}

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

/** The equality impact assessment page: screening form and sign-off. */
export const eqiaRoutes: FastifyPluginAsyncZod = async (app) => {
  const { eqia } = app.services;
  const read = { preHandler: requirePage("projects:read"), schema: { hide: true } };
  const manage = { preHandler: requirePage("eqia:manage"), schema: { hide: true } };
  const signOff = { preHandler: requirePage("eqia:sign-off"), schema: { hide: true } };
  const projectId = (request: FastifyRequest) => (request.params as { id?: string }).id ?? "";

  app.get(eqiaPaths.eqia(), read, async (request, reply) => {
    const found = await eqia.get(projectId(request));
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
    });
  });

  app.post(eqiaPaths.eqia(), manage, async (request, reply) => {
    const actor = request.actor;
    if (!actor) return reply;
    const found = await eqia.get(projectId(request));
    if (!found) return renderStatus(reply, 404);
    const formPath = eqiaPaths.eqia(found.project.id);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = parseEqiaForm(body);
    if (!parsed.input) return redirectWithErrors(request, reply, formPath, parsed.errors);
    try {
      const saved = await eqia.save(actor, found.project.id, parsed.input);
      const message = saved.screeningDone
        ? "Equality impact assessment saved: the screening is finished"
        : `Equality impact assessment saved: ${saved.missing.length} characteristics still need an impact and evidence`;
      return await redirectWithSuccess(request, reply, formPath, message);
    } catch (error) {
      if (error instanceof ConflictError && error.message === STALE_EQIA_MESSAGE) {
        const latest = await eqia.get(found.project.id);
        request.body = { ...body, version: String(latest?.eqia.version ?? found.eqia.version) };
        return redirectWithErrors(request, reply, formPath, [
          { path: "current", message: STALE_EQIA_MESSAGE },
        ]);
      }
      if (error instanceof ProblemError && error.status < 500) {
        const errors = error.errors.length ? error.errors : [{ path: "current", message: error.message }];
        return redirectWithErrors(request, reply, formPath, errors.map(pagePath));
      }
      throw error;
    }
  });

  app.post(eqiaPaths.eqiaSignOff(), signOff, async (request, reply) => {
    const actor = request.actor;
    if (!actor) return reply;
    const found = await eqia.get(projectId(request));
    if (!found) return renderStatus(reply, 404);
    const formPath = eqiaPaths.eqia(found.project.id);
    const version = Number((request.body as { version?: unknown } | undefined)?.version ?? 0);
    try {
      await eqia.signOff(actor, found.project.id, version);
      return await redirectWithSuccess(
        request,
        reply,
        formPath,
        "The equality impact assessment is signed off",
      );
    } catch (error) {
      if (error instanceof ForbiddenError) return renderStatus(reply, 403);
      if (error instanceof ProblemError && error.status < 500) {
        // Nothing was typed here: leave the screening form showing what is saved.
        request.body = {};
        return redirectWithErrors(request, reply, formPath, [{ path: "sign-off", message: error.message }]);
      }
      throw error;
    }
  });
};
