import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { StaleVersionError, type FieldError } from "../../../errors.js";
import { redirectOverStale, redirectWithErrors, redirectWithSuccess } from "../../../web/forms.js";
import { admittedActor } from "../../../web/guards.js";
import { renderStatus } from "../../../web/errors.js";
import { formRefusal } from "../../../web/problems.js";
import { invalidDateMessage, readDateInput } from "../../../web/date-input.js";
import { pageAction } from "../../../web/page-action.js";
import { text, wholeNumber, type FormBody } from "../inputs.js";
import { zodFieldErrors } from "../../../inputs.js";
import { formBody, pageRoute, projectParams } from "../pages.js";
import { incumbentsContext, noticeContext } from "../page-models.js";
import { projectPaths } from "../paths.js";
import { projectPageServer, type ProjectPage } from "../project-page.js";
import { incumbentInput, incumbentPatchInput } from "./inputs.js";

const NOTICE_DATE = "Date notice was given";

function noticeFieldErrors(contractId: string, errors: FieldError[]): FieldError[] {
  return errors.map((e) => ({
    ...e,
    path: e.path === "noticeDocumentId" ? `noticeDocumentId-${contractId}` : `notice-${contractId}.day`,
  }));
}

/** A whole number as typed, its sign kept so that a negative one is told it must be 0 or more. */
const signedWholeNumber = (typed: string) => (/^-?\d+$/.test(typed) ? Number(typed) : Number.NaN);

/** The "Add a contract" form, as the API's input (its date input already folded by pageAction). */
const incumbentForm = z.preprocess((posted) => {
  const body = formBody.parse(posted);
  const days = text(body, "noticeDays").trim();
  return {
    name: text(body, "incumbentName"),
    providerOrganisationId: text(body, "providerOrganisationId") || null,
    endsOn: text(body, "endsOn") || undefined,
    noticeDays: days === "" ? undefined : signedWholeNumber(days),
  };
}, incumbentInput);

/** The "Record notice given" form, as the API's input; its date is required here. */
function parseNoticeForm(body: FormBody) {
  const date = readDateInput(body, "noticeGivenOn");
  const noticeGivenOn = date.kind === "date" ? date.iso : "";
  const parsed = incumbentPatchInput.safeParse({
    noticeGivenOn: noticeGivenOn || undefined,
    noticeDocumentId: text(body, "noticeDocumentId") || null,
    version: wholeNumber(text(body, "version")),
  });
  if (parsed.success && noticeGivenOn) return { ok: true as const, value: parsed.data };
  const errors = parsed.success ? [] : zodFieldErrors(parsed.error);
  if (date.kind === "empty")
    errors.unshift({ path: "noticeGivenOn", message: "Enter the date notice was given" });
  if (date.kind === "invalid")
    errors.unshift({ path: "noticeGivenOn", message: invalidDateMessage(NOTICE_DATE) });
  return { ok: false as const, errors };
}

const contractParams = z.object({ id: z.uuid(), contractId: z.uuid() });

const INCUMBENTS_PAGE: ProjectPage = {
  section: "incumbents",
  key: "incumbents",
  template: "projects/views/incumbents-page.njk",
  title: (title) => `Current contracts: ${title}`,
  context: incumbentsContext,
};

/** One contract's "Record notice given" page. */
function noticePage(contractId: string): ProjectPage {
  return {
    section: "incumbents",
    key: `notice ${contractId}`,
    template: "projects/views/notice-page.njk",
    title: (title) => `Record notice given: ${title}`,
    context: (home) => noticeContext(home, contractId),
  };
}

type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

/** The current contracts page, and each contract's "Record notice given" page. */
function incumbentPages(app: ZodApp) {
  const serve = projectPageServer(app);

  app.get(
    projectPaths.incumbents(),
    pageRoute("projects:read", { params: projectParams }),
    async (request, reply) => serve(request, reply, request.params.id, INCUMBENTS_PAGE),
  );

  app.get(
    projectPaths.incumbentNotice(),
    pageRoute("projects:update", { params: contractParams }),
    async (request, reply) => {
      const { id, contractId } = request.params;
      return serve(request, reply, id, noticePage(contractId));
    },
  );
}

/** A project's current contracts page (App C 1): the contracts, the form that adds one, each one's notice. */
export const incumbentRoutes: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;
  incumbentPages(app);
  app.post(
    projectPaths.incumbents(),
    pageRoute("projects:update", { params: projectParams }),
    pageAction({
      params: projectParams,
      load: ({ id }) => projects.find(id),
      form: (project) => projectPaths.incumbents(project.id),
      body: incumbentForm,
      dates: { endsOn: "Date the contract ends" },
      pageFields: { name: "incumbentName" },
      refusalField: "incumbentName",
      run: async ({ actor, loaded: project, input }) => {
        const added = await projects.incumbents.add(actor, project.id, input);
        return {
          to: projectPaths.incumbents(project.id),
          success: `“${added.name}” has been added: notice must be given by ${added.noticeByOn}`,
        };
      },
    }),
  );

  app.post(
    projectPaths.incumbentNotice(),
    pageRoute("projects:update", { params: contractParams, body: formBody }),
    async (request, reply) => {
      const { id, contractId } = request.params;
      const back = projectPaths.incumbentNotice(id, contractId);
      const parsed = parseNoticeForm(request.body);
      if (!parsed.ok)
        return redirectWithErrors(request, reply, back, noticeFieldErrors(contractId, parsed.errors));
      const contracts = await projects.incumbents.list(id).catch(() => []);
      if (!contracts.some((c) => c.id === contractId)) return renderStatus(reply, 404);
      try {
        const updated = await projects.incumbents.update(admittedActor(request), contractId, parsed.value);
        const message = `Notice to the provider of “${updated.name}” has been recorded`;
        const done = `${projectPaths.incumbents(id)}#incumbent-${contractId}`;
        return await redirectWithSuccess(request, reply, done, message);
      } catch (error) {
        const refused = formRefusal(error);
        if (!refused) throw error;
        if (refused instanceof StaleVersionError) {
          const saved = refused.extra.currentVersion;
          const path = `notice-${contractId}.day`;
          const version = typeof saved === "number" ? saved : null;
          return redirectOverStale(request, reply, back, { path, message: refused.message }, version);
        }
        const errors = refused.errors.length
          ? refused.errors
          : [{ path: "noticeGivenOn", message: refused.message }];
        return redirectWithErrors(request, reply, back, noticeFieldErrors(contractId, errors));
      }
    },
  );
};
