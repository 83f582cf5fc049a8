import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { can } from "../../domain/policy.js";
import { isRegimeCode } from "../../domain/regimes.js";
import {
  PACK_DOCUMENT_KINDS,
  PACK_DOCUMENT_NAMES,
  PROCEDURE_NAMES,
  PROCEDURES_BY_REGIME,
  QUESTION_KINDS,
} from "../../domain/tendering.js";
import { renderStatus } from "../../web/errors.js";
import { formState, redirectWithErrors, redirectWithSuccess } from "../../web/forms.js";
import { admittedActor, requirePage } from "../../web/guards.js";
import { MAX_UPLOAD_BYTES } from "../../web/limits.js";
import { pageAction, pathParam, PROJECT_PARAMS } from "../../web/page-action.js";
import { paths } from "../../web/paths.js";
import { formRefusal } from "../../web/problems.js";
import { projectNavigation } from "../../web/project-navigation.js";
import { csrfTokenValid } from "../../web/sessions.js";
import { receiveUpload, UploadStopped, type ReceivedUpload } from "../projects/documents/service.js";
import {
  DEADLINE_DATES,
  deadlinesForm,
  deadlineValues,
  newTenderForm,
  questionForm,
  questionValues,
  typedOr,
} from "./page-forms.js";
import { tenderPaths } from "./paths.js";
import { pounds, questionKindName, questionSections, type PresentedTender } from "./presenter.js";

/** The staff's tender pages (docs/tendering.md): a project's tenders, the set-up form, the tender page. */

/** The tender page's own forms, under the tender's path. */
export const tenderPagePaths = {
  publish: (id = ":id") => `${tenderPaths.tender(id)}/publish`,
  documents: (id = ":id") => `${tenderPaths.tender(id)}/documents`,
  deadlines: (id = ":id") => `${tenderPaths.tender(id)}/deadlines`,
  questions: (id = ":id") => `${tenderPaths.tender(id)}/questions`,
  newQuestion: (id = ":id") => `${tenderPaths.tender(id)}/questions/new`,
  question: (id = ":id", questionId = ":questionId") => `${tenderPaths.tender(id)}/questions/${questionId}`,
  removeQuestion: (id = ":id", questionId = ":questionId") =>
    `${tenderPaths.tender(id)}/questions/${questionId}/remove`,
} as const;

const TENDER_PARAMS = z.object({ id: pathParam });
const QUESTION_PARAMS = z.object({ id: pathParam, questionId: pathParam });

type App = Parameters<FastifyPluginAsyncZod>[0];

const readProject = {
  preHandler: requirePage("tenders:read"),
  schema: { hide: true, params: PROJECT_PARAMS },
};
const manageProject = {
  preHandler: requirePage("tenders:manage"),
  schema: { hide: true, params: PROJECT_PARAMS },
};
const readTender = { preHandler: requirePage("tenders:read"), schema: { hide: true, params: TENDER_PARAMS } };
const manageTender = {
  preHandler: requirePage("tenders:manage"),
  schema: { hide: true, params: TENDER_PARAMS },
};
const manageQuestion = {
  preHandler: requirePage("tenders:manage"),
  schema: { hide: true, params: QUESTION_PARAMS },
};

/** The links to the other parts of tendering, each built by its own part (clarifications, submissions…). */
function partLinks(tender: PresentedTender) {
  const links = [
    { text: "Clarifications", href: tenderPaths.clarifications(tender.id) },
    { text: "Submissions", href: tenderPaths.submissions(tender.id) },
    { text: "Opening", href: tenderPaths.opening(tender.id) },
  ];
  if (tender.procedure === "restricted")
    links.push({ text: "PQQ assessment", href: tenderPaths.pqq(tender.id) });
  return tender.status === "draft" ? [] : links;
}

/** A project's tenders, and the set-up form with its post. */
function projectPages(app: App) {
  const { tenders } = app.services;
  app.get(tenderPaths.projectTenders(), readProject, async (request, reply) => {
    const found = await tenders.list(request.params.id);
    if (!found) return renderStatus(reply, 404);
    return reply.view("tenders/views/tenders.njk", {
      pageTitle: `Tenders: ${found.project.title}`,
      ...(await formState(request)),
      project: found.project,
      projectPath: paths.project(found.project.id),
      projectNav: projectNavigation(request.actor ?? null, found.project.id, "tenders"),
      tenderPaths,
      tenders: found.items.map((item) => ({ ...item, value: pounds(item.valuePence) })),
    });
  });
}

/** The set-up form and its post. */
function newTenderPages(app: App) {
  const { tenders } = app.services;
  app.get(tenderPaths.newTender(), manageProject, async (request, reply) => {
    const project = await tenders.project(request.params.id);
    if (!project) return renderStatus(reply, 404);
    const state = await formState(request);
    const offered = isRegimeCode(project.regime) ? PROCEDURES_BY_REGIME[project.regime] : [];
    const value = typedOr(state.values);
    return reply.view("tenders/views/tender-form.njk", {
      pageTitle: "Set up a tender",
      ...state,
      project,
      projectPath: paths.project(project.id),
      tenderPaths,
      procedures: offered.map((code) => ({ value: code, text: PROCEDURE_NAMES[code] })),
      form: {
        title: value("title", ""),
        procedure: value("procedure", offered.length === 1 ? (offered[0] ?? "") : ""),
        description: value("description", ""),
        lots: value("lots", ""),
        plannedAwardOn: {
          day: value("plannedAwardOn-day", ""),
          month: value("plannedAwardOn-month", ""),
          year: value("plannedAwardOn-year", ""),
        },
        ...deadlineValues(null, state.values),
      },
    });
  });

  app.post(
    tenderPaths.projectTenders(),
    manageProject,
    pageAction({
      params: PROJECT_PARAMS,
      load: ({ id }) => tenders.project(id),
      form: (project) => tenderPaths.newTender(project.id),
      body: newTenderForm,
      dates: DEADLINE_DATES,
      refusalField: "title",
      pageFields: (path) => (path === "lots" || path.startsWith("lots.") ? "lots" : path),
      run: async ({ actor, loaded: project, input }) => {
        const created = await tenders.create(actor, project.id, input);
        return {
          to: tenderPaths.tender(created.id),
          success: `Tender ${created.reference} set up as a draft`,
        };
      },
    }),
  );
}

/** The tender page: timetable, pack, questions, what stops publication, addenda. */
function tenderPage(app: App) {
  const { tenders } = app.services;
  app.get(tenderPaths.tender(), readTender, async (request, reply) => {
    const tender = await tenders.get(request.params.id);
    if (!tender) return renderStatus(reply, 404);
    const project = await tenders.project(tender.projectId);
    if (!project) return renderStatus(reply, 404);
    const state = await formState(request);
    const manage = can(request.actor, "tenders:manage");
    return reply.view("tenders/views/tender.njk", {
      pageTitle: `${tender.reference}: ${tender.title}`,
      ...state,
      tender,
      value: pounds(tender.valuePence),
      project,
      projectPath: paths.project(project.id),
      projectNav: projectNavigation(request.actor ?? null, project.id, "tenders"),
      tenderPaths,
      pagePaths: tenderPagePaths,
      partLinks: partLinks(tender),
      sections: questionSections(tender.procedure, tender.questions).map((s) => ({
        ...s,
        questions: s.questions.map((q) => ({ ...q, kindName: questionKindName(q.kind) })),
      })),
      currentDocuments: tender.documents.filter((d) => d.supersededAt === null),
      supersededDocuments: tender.documents.filter((d) => d.supersededAt !== null),
      packKinds: PACK_DOCUMENT_KINDS.map((kind) => ({ value: kind, text: PACK_DOCUMENT_NAMES[kind] })),
      manage,
      deadlines: deadlineValues(tender, state.values),
    });
  });
}

/** Publishing, and a published tender's deadlines moved as an addendum. */
function publishing(app: App) {
  const { tenders } = app.services;
  app.post(
    tenderPagePaths.publish(),
    manageTender,
    pageAction({
      params: TENDER_PARAMS,
      load: ({ id }) => tenders.get(id),
      form: (tender) => tenderPaths.tender(tender.id),
      body: z.object({}),
      refusalField: "publish",
      run: async ({ actor, loaded }) => {
        const published = await tenders.publish(actor, loaded.id);
        return { to: tenderPaths.tender(loaded.id), success: `Tender ${published.reference} is published` };
      },
    }),
  );

  app.post(
    tenderPagePaths.deadlines(),
    manageTender,
    pageAction({
      params: TENDER_PARAMS,
      load: ({ id }) => tenders.get(id),
      form: (tender) => `${tenderPaths.tender(tender.id)}#change-deadlines`,
      body: deadlinesForm,
      dates: DEADLINE_DATES,
      refusalField: "submissionDeadline",
      run: async ({ actor, loaded, input }) => {
        const updated = await tenders.update(actor, loaded.id, input);
        const last = updated.addenda.at(-1);
        const moved = last && last.number > loaded.addenda.length;
        return {
          to: tenderPaths.tender(loaded.id),
          success: moved ? `Addendum ${String(last.number)} issued: ${last.summary}` : "No deadline changed",
        };
      },
    }),
  );
}

/** A draft's questions: add, change, remove. */
function questionPages(app: App) {
  const { tenders } = app.services;
  const showForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    questionId: string | null,
  ) => {
    const tender = await tenders.get(id);
    if (!tender) return renderStatus(reply, 404);
    const question = questionId ? (tender.questions.find((q) => q.id === questionId) ?? null) : null;
    if (questionId && !question) return renderStatus(reply, 404);
    const state = await formState(request);
    return reply.view("tenders/views/question-form.njk", {
      pageTitle: question ? `Change question ${question.code}` : "Add a question",
      ...state,
      tender,
      question,
      tenderPaths,
      pagePaths: tenderPagePaths,
      sections: tender.procedure === "restricted" ? ["pqq", "itt"] : ["itt"],
      kinds: QUESTION_KINDS.map((kind) => ({ value: kind, text: questionKindName(kind) })),
      form: questionValues(question, state.values),
    });
  };
  app.get(tenderPagePaths.newQuestion(), manageTender, (request, reply) =>
    showForm(request, reply, request.params.id, null),
  );
  app.get(tenderPagePaths.question(), manageQuestion, (request, reply) =>
    showForm(request, reply, request.params.id, request.params.questionId),
  );
}

/** The question forms' posts: add, change, remove. */
function questionPosts(app: App) {
  const { tenders } = app.services;
  const loadTender = ({ id }: { id: string }) => tenders.get(id);
  app.post(
    tenderPagePaths.questions(),
    manageTender,
    pageAction({
      params: TENDER_PARAMS,
      load: loadTender,
      form: (tender) => tenderPagePaths.newQuestion(tender.id),
      body: questionForm,
      refusalField: "code",
      run: async ({ actor, loaded, input }) => {
        await tenders.addQuestion(actor, loaded.id, input);
        return { to: `${tenderPaths.tender(loaded.id)}#questions`, success: `Question ${input.code} added` };
      },
    }),
  );
  app.post(
    tenderPagePaths.question(),
    manageQuestion,
    pageAction({
      params: QUESTION_PARAMS,
      load: loadTender,
      form: (tender, params) => tenderPagePaths.question(tender.id, params.questionId),
      body: questionForm,
      refusalField: "code",
      run: async ({ actor, loaded, params, input }) => {
        await tenders.changeQuestion(actor, loaded.id, params.questionId, input);
        return { to: `${tenderPaths.tender(loaded.id)}#questions`, success: `Question ${input.code} saved` };
      },
    }),
  );
  app.post(
    tenderPagePaths.removeQuestion(),
    manageQuestion,
    pageAction({
      params: QUESTION_PARAMS,
      load: loadTender,
      form: (tender) => `${tenderPaths.tender(tender.id)}#questions`,
      body: z.object({}),
      refusalField: "questions",
      run: async ({ actor, loaded, params }) => {
        await tenders.removeQuestion(actor, loaded.id, params.questionId);
        return { to: `${tenderPaths.tender(loaded.id)}#questions`, success: "Question removed" };
      },
    }),
  );
}

const uploads = new WeakMap<FastifyRequest, ReceivedUpload>();

/** Reads the multipart form, checking its CSRF token before a byte of the file is kept. */
function receivePackForm(sessionSecret: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const valid = (fields: Record<string, string>) => csrfTokenValid(request, fields._csrf, sessionSecret);
    const refuse = () =>
      reply.code(403).view("errors/csrf.njk", { pageTitle: "Your form could not be sent" });
    let received: ReceivedUpload;
    try {
      received = await receiveUpload(request, { maxBytes: MAX_UPLOAD_BYTES, beforeFile: valid });
    } catch (error) {
      if (!(error instanceof UploadStopped)) throw error;
      return refuse();
    }
    if (!valid(received.fields)) {
      await received.discard();
      return refuse();
    }
    uploads.set(request, received);
    request.body = received.fields;
  };
}

/** The pack's upload form: its post (multipart). */
function packUpload(app: App) {
  const { tenders } = app.services;
  app.post(
    tenderPagePaths.documents(),
    {
      schema: { hide: true, params: TENDER_PARAMS },
      preValidation: [requirePage("tenders:manage"), receivePackForm(app.config.sessionSecret)],
      onResponse: async (request: FastifyRequest) => {
        await uploads.get(request)?.discard();
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const received = uploads.get(request);
      const back = `${tenderPaths.tender(id)}#pack`;
      try {
        const actor = admittedActor(request);
        const stored = await tenders.pack.upload(actor, id, received?.fields ?? {}, received?.file ?? null);
        const addendum = stored.addendum ? ` (addendum ${String(stored.addendum)})` : "";
        return await redirectWithSuccess(
          request,
          reply,
          back,
          `${stored.kindName} “${stored.title}” added${addendum}`,
        );
      } catch (error) {
        const refused = formRefusal(error);
        if (!refused) throw error;
        if (refused.status === 404) return renderStatus(reply, 404);
        // The upload form's title box is "doc-title": the page has the tender's title too.
        const found = refused.errors.length ? refused.errors : [{ path: "file", message: refused.message }];
        const errors = found.map((e) => (e.path === "title" ? { ...e, path: "doc-title" } : e));
        return redirectWithErrors(request, reply, back, errors);
      }
    },
  );
}

/** The staff's tender pages. */
export const tenderRoutes: FastifyPluginAsyncZod = async (app) => {
  projectPages(app);
  newTenderPages(app);
  tenderPage(app);
  publishing(app);
  questionPages(app);
  questionPosts(app);
  packUpload(app);
};
