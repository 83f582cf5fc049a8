import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { can } from "../../../domain/policy.js";
import { ProblemError } from "../../../errors.js";
import { renderStatus } from "../../../web/errors.js";
import { formState } from "../../../web/forms.js";
import { admittedActor, requirePage } from "../../../web/guards.js";
import { pageAction, pathParam } from "../../../web/page-action.js";
import { tenderPaths } from "../paths.js";
import { STATUS_NAMES } from "./presenter.js";
import { answerInput, askInput } from "./service.js";

const ID_PARAMS = z.object({ id: pathParam });
const ANSWER_PARAMS = z.object({ id: pathParam, clarificationId: pathParam });

/** One question's answer form, for staff who answer. */
export const answerPath = (id = ":id", clarificationId = ":clarificationId") =>
  `${tenderPaths.clarifications(id)}/${clarificationId}`;

const UUID = z.uuid();

type App = Parameters<FastifyPluginAsyncZod>[0];

/** The log (staff: all, with who asked, and the pack's downloads; a supplier: what it may see) and the ask form. */
function clarificationLog(app: App) {
  const { clarifications, opportunities, clock } = app.services;
  app.get(
    tenderPaths.clarifications(),
    { preHandler: requirePage("home:view"), schema: { hide: true, params: ID_PARAMS } },
    async (request, reply) => {
      const actor = admittedActor(request);
      let found;
      try {
        found = await clarifications.log(actor, request.params.id);
      } catch (error) {
        if (error instanceof ProblemError && (error.status === 404 || error.status === 403)) {
          return renderStatus(reply, error.status);
        }
        throw error;
      }
      const { tender } = found;
      const state = await formState(request);
      const askOpen = clock.now() <= tender.clarificationDeadline;
      return reply.view("tenders/clarifications/views/clarifications.njk", {
        pageTitle: `Clarifications: ${tender.title}`,
        ...state,
        tender,
        view: found.view,
        interested: found.view === "supplier" ? found.interested : false,
        items: found.items.map((c) => ({ ...c, statusName: STATUS_NAMES[c.status] })),
        askOpen,
        canAnswer: can(actor, "clarifications:answer"),
        downloads: found.view === "staff" ? await opportunities.downloads(tender.id) : [],
        question: typeof state.values.question === "string" ? state.values.question : "",
        answerPath,
        tenderPaths,
      });
    },
  );

  app.post(
    tenderPaths.clarifications(),
    { preHandler: requirePage("tenders:participate"), schema: { hide: true, params: ID_PARAMS } },
    pageAction({
      params: ID_PARAMS,
      load: async ({ id }) => (UUID.safeParse(id).success ? { id } : null),
      form: ({ id }) => tenderPaths.clarifications(id),
      body: askInput,
      refusalField: "question",
      run: async ({ actor, loaded, input }) => {
        const asked = await clarifications.ask(actor, loaded.id, input);
        return {
          to: tenderPaths.clarifications(loaded.id),
          success: `Your question was sent as clarification ${asked.number}. Only the council can see who asked it.`,
        };
      },
    }),
  );
}

/** One question and its answer form (staff who answer, App C 5.5). */
function answerForm(app: App) {
  const { clarifications } = app.services;
  const load = async ({ id, clarificationId }: { id: string; clarificationId: string }) => {
    if (!UUID.safeParse(clarificationId).success) return null;
    const found = await clarifications.find(clarificationId);
    return found?.tenderId === id ? found : null;
  };
  const guard = {
    preHandler: requirePage("clarifications:answer"),
    schema: { hide: true, params: ANSWER_PARAMS },
  };

  app.get(answerPath(), guard, async (request, reply) => {
    const question = await load(request.params);
    if (!question) return renderStatus(reply, 404);
    const log = await clarifications.log(admittedActor(request), question.tenderId);
    const item = log.view === "staff" ? log.items.find((c) => c.id === question.id) : undefined;
    if (!item) return renderStatus(reply, 404);
    const state = await formState(request);
    const typed = (name: string) => (typeof state.values[name] === "string" ? state.values[name] : "");
    return reply.view("tenders/clarifications/views/answer.njk", {
      pageTitle: `Answer clarification ${item.number}`,
      ...state,
      tender: log.tender,
      item: { ...item, statusName: STATUS_NAMES[item.status] },
      form: { answer: typed("answer"), publish: typed("publish"), reason: typed("reason") },
      action: answerPath(question.tenderId, question.id),
      tenderPaths,
    });
  });

  app.post(
    answerPath(),
    guard,
    pageAction({
      params: ANSWER_PARAMS,
      load,
      form: (q) => answerPath(q.tenderId, q.id),
      body: z.preprocess(
        (body) =>
          body && typeof body === "object" && "reason" in body && body.reason === ""
            ? { ...body, reason: undefined }
            : body,
        answerInput,
      ),
      refusalField: "answer",
      run: async ({ actor, loaded, input }) => {
        const done = await clarifications.answer(actor, loaded.id, input);
        const to = input.publish === "all" ? "every interested supplier" : "the supplier that asked";
        return {
          to: tenderPaths.clarifications(loaded.tenderId),
          success: `Clarification ${done.clarification.number} answered: sent to ${to} (${done.notified} ${done.notified === 1 ? "person" : "people"})`,
        };
      },
    }),
  );
}

/** Clarification pages (App C 5.5; docs/tendering.md). */
export const clarificationRoutes: FastifyPluginAsyncZod = async (app) => {
  clarificationLog(app);
  answerForm(app);
};
