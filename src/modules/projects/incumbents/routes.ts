import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { FieldError } from "../../../errors.js";
import { redirectWithErrors, redirectWithSuccess } from "../../../web/forms.js";
import { admittedActor } from "../../../web/guards.js";
import { renderStatus } from "../../../web/errors.js";
import { formRefusal } from "../../../web/problems.js";
import { dateFromParts, text, wholeNumber, zodIssues, type FormBody } from "../inputs.js";
import { formBody, keepTypedOverStale, pageRoute, projectParams, staleVersion } from "../pages.js";
import { projectPaths } from "../paths.js";
import { incumbentInput, incumbentPatchInput } from "./inputs.js";

/** The page's names for the API's fields, so each message sits by its own field. */
function incumbentFieldErrors(errors: FieldError[]): FieldError[] {
  const names: Record<string, string> = { name: "incumbentName", endsOn: "endsOn.day" };
  return errors.map((e) => ({ ...e, path: names[e.path] ?? e.path }));
}

function noticeFieldErrors(contractId: string, errors: FieldError[]): FieldError[] {
  return errors.map((e) => ({
    ...e,
    path: e.path === "noticeDocumentId" ? `noticeDocumentId-${contractId}` : `notice-${contractId}.day`,
  }));
}

/** The "Add a contract" form, as the API's input. */
function parseIncumbentForm(body: FormBody) {
  const days = text(body, "noticeDays").trim();
  return incumbentInput.safeParse({
    name: text(body, "incumbentName"),
    providerOrganisationId: text(body, "providerOrganisationId") || null,
    endsOn: dateFromParts(body, "endsOn") || undefined,
    noticeDays: days === "" ? undefined : (wholeNumber(days) ?? Number.NaN),
  });
}

/** The "Record notice given" form, as the API's input; its date is required here. */
function parseNoticeForm(body: FormBody) {
  const noticeGivenOn = dateFromParts(body, "noticeGivenOn");
  const parsed = incumbentPatchInput.safeParse({
    noticeGivenOn: noticeGivenOn || undefined,
    noticeDocumentId: text(body, "noticeDocumentId") || null,
    version: wholeNumber(text(body, "version")),
  });
  if (parsed.success && noticeGivenOn) return { ok: true as const, value: parsed.data };
  const errors = parsed.success ? [] : zodIssues(parsed.error);
  if (!noticeGivenOn) errors.unshift({ path: "noticeGivenOn", message: "Enter the date notice was given" });
  return { ok: false as const, errors };
}

const contractParams = z.object({ id: z.uuid(), contractId: z.uuid() });

/** The forms of the project page's "Contracts being recommissioned" section (App C 1). */
export const incumbentRoutes: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;
  const form = { params: projectParams, body: formBody };

  app.post(projectPaths.incumbents(), pageRoute("projects:update", form), async (request, reply) => {
    const back = `${projectPaths.project(request.params.id)}#incumbents`;
    const parsed = parseIncumbentForm(request.body);
    if (!parsed.success) {
      return redirectWithErrors(request, reply, back, incumbentFieldErrors(zodIssues(parsed.error)));
    }
    try {
      const added = await projects.incumbents.add(admittedActor(request), request.params.id, parsed.data);
      const message = `“${added.name}” has been added: notice must be given by ${added.noticeByOn}`;
      return await redirectWithSuccess(request, reply, back, message);
    } catch (error) {
      const refused = formRefusal(error);
      if (!refused) throw error;
      const errors = refused.errors.length
        ? refused.errors
        : [{ path: "incumbentName", message: refused.message }];
      return redirectWithErrors(request, reply, back, incumbentFieldErrors(errors));
    }
  });

  app.post(
    projectPaths.incumbentNotice(),
    pageRoute("projects:update", { params: contractParams, body: formBody }),
    async (request, reply) => {
      const { id, contractId } = request.params;
      const back = `${projectPaths.project(id)}#incumbent-${contractId}`;
      const parsed = parseNoticeForm(request.body);
      if (!parsed.ok)
        return redirectWithErrors(request, reply, back, noticeFieldErrors(contractId, parsed.errors));
      const contracts = await projects.incumbents.list(id).catch(() => []);
      if (!contracts.some((c) => c.id === contractId)) return renderStatus(reply, 404);
      try {
        const updated = await projects.incumbents.update(admittedActor(request), contractId, parsed.value);
        const message = `Notice to the provider of “${updated.name}” has been recorded`;
        return await redirectWithSuccess(request, reply, back, message);
      } catch (error) {
        const refused = formRefusal(error);
        if (!refused) throw error;
        const current = staleVersion(refused);
        if (current !== null) {
          // Keep what was typed, with the version now current: sending again records it over theirs.
          const path = `notice-${contractId}.day`;
          return keepTypedOverStale(request, reply, back, { path, message: refused.message }, current);
        }
        const errors = refused.errors.length
          ? refused.errors
          : [{ path: "noticeGivenOn", message: refused.message }];
        return redirectWithErrors(request, reply, back, noticeFieldErrors(contractId, errors));
      }
    },
  );
};
