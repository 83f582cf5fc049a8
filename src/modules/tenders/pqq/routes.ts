import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ProblemError, ValidationError, type FieldError } from "../../../errors.js";
import { zodFieldErrors } from "../../../inputs.js";
import { renderStatus } from "../../../web/errors.js";
import { formState } from "../../../web/forms.js";
import { requirePage } from "../../../web/guards.js";
import { pageAction, pathParam } from "../../../web/page-action.js";
import { tenderPaths } from "../paths.js";
import { pqqPaths } from "./paths.js";
import { assessmentInput, PQQ_SCORE_MAX, type AssessmentInput, type OutcomesInput } from "./service.js";

const TENDER_PARAMS = z.object({ id: pathParam });
const RESPONSE_PARAMS = z.object({ id: pathParam, submissionId: pathParam });
const anyFields = z.record(z.string(), z.unknown());

type App = Parameters<FastifyPluginAsyncZod>[0];
type Fields = Record<string, unknown>;

const text = (fields: Fields, name: string) => {
  const v = fields[name];
  return typeof v === "string" ? v.trim() : "";
};

/** A response's form: for each question `<code>-passed` (pass|fail) or `<code>-score`, and `<code>-rationale`. */
export function assessmentsFromForm(
  fields: Fields,
  submissionId: string,
  questions: { code: string; kind: string }[],
): AssessmentInput[] {
  const inputs: AssessmentInput[] = [];
  const errors: FieldError[] = [];
  for (const q of questions.filter((x) => x.kind !== "price")) {
    const passed = text(fields, `${q.code}-passed`);
    const score = text(fields, `${q.code}-score`);
    const rationale = text(fields, `${q.code}-rationale`);
    if (!passed && !score && !rationale) continue;
    const parsed = assessmentInput.safeParse({
      submissionId,
      questionCode: q.code,
      passed: passed ? passed === "pass" : undefined,
      score: score ? Number(score) : q.kind === "scored" ? Number.NaN : undefined,
      rationale,
    });
    if (parsed.success) inputs.push(parsed.data);
    else errors.push(...zodFieldErrors(parsed.error).map((e) => ({ ...e, path: `${q.code}.${e.path}` })));
  }
  if (errors.length) throw new ValidationError(errors);
  if (inputs.length === 0) {
    const first = questions.find((x) => x.kind !== "price");
    throw new ValidationError([
      { path: `${first?.code ?? "assessment"}.rationale`, message: "Assess at least one question" },
    ]);
  }
  return inputs;
}

/** The shortlist form: `shortlisted-<submissionId>` (yes|no) and `reason-<submissionId>` for each response. */
export function outcomesFromForm(fields: Fields, submissionIds: string[]): OutcomesInput {
  const errors: FieldError[] = [];
  const outcomes = submissionIds.map((id) => {
    const choice = text(fields, `shortlisted-${id}`);
    if (choice !== "yes" && choice !== "no") {
      errors.push({ path: `shortlisted-${id}`, message: "Select whether the supplier is shortlisted" });
    }
    return { submissionId: id, shortlisted: choice === "yes", reason: text(fields, `reason-${id}`) };
  });
  if (errors.length) throw new ValidationError(errors);
  return { outcomes };
}

/** The service's `outcomes.<i>.<field>` paths as the page's field ids. */
function outcomeErrorsOnPage(error: unknown, submissionIds: string[]): unknown {
  if (!(error instanceof ProblemError) || error.errors.length === 0) return error;
  const errors = error.errors.map((e) => {
    const m = /^outcomes\.(\d+)\.(\w+)$/.exec(e.path);
    const id = m ? submissionIds[Number(m[1])] : undefined;
    if (!m || !id) return { ...e, path: "outcomes" };
    return { ...e, path: m[2] === "reason" ? `reason-${id}` : `shortlisted-${id}` };
  });
  return new ProblemError(error.status, error.title, error.message, errors, error.extra);
}

/** The PQQ page: each opened response, its assessment so far, and the shortlist form (App C 5.3–5.4). */
function pqqPage(app: App) {
  const { pqq } = app.services.tenderOpening;
  const guard = { preHandler: requirePage("pqq:assess"), schema: { hide: true, params: TENDER_PARAMS } };
  app.get(tenderPaths.pqq(), guard, async (request, reply) => {
    const found = await pqq.overview(request.params.id);
    if (!found) return renderStatus(reply, 404);
    const state = await formState(request);
    return reply.view("tenders/pqq/views/pqq.njk", {
      pageTitle: `PQQ evaluation: ${found.tender.title}`,
      ...state,
      tender: found.tender,
      tenderPath: tenderPaths.tender(found.tender.id),
      openingPath: tenderPaths.opening(found.tender.id),
      pqqPaths,
      opened: found.opened,
      decided: found.opened ? found.decided : false,
      responses: found.opened ? found.responses : [],
      typed: state.values,
    });
  });

  app.post(
    pqqPaths.outcomes(),
    guard,
    pageAction({
      params: TENDER_PARAMS,
      load: async ({ id }) => {
        const found = await pqq.overview(id);
        return found?.opened ? found : null;
      },
      form: (found) => tenderPaths.pqq(found.tender.id),
      body: anyFields,
      refusalField: "outcomes",
      run: async ({ actor, loaded, input }) => {
        const ids = loaded.responses.map((r) => r.submissionId);
        try {
          const decided = await pqq.decideOutcomes(actor, loaded.tender.id, outcomesFromForm(input, ids));
          const shortlisted = decided.outcomes.filter((o) => o.shortlisted).length;
          return {
            to: tenderPaths.pqq(loaded.tender.id),
            success: `Shortlist decided: ${shortlisted} of ${decided.outcomes.length} invited to tender, and every supplier told its outcome`,
          };
        } catch (error) {
          throw outcomeErrorsOnPage(error, ids);
        }
      },
    }),
  );
}

interface Assessed {
  code: string;
  assessment: { passed: boolean | null; score: number | null; rationale: string } | null;
}

/** A question's fields as typed (after a refusal), else as saved. */
function answerForm(a: Assessed, typed: Fields | null) {
  if (typed) {
    return {
      passed: text(typed, `${a.code}-passed`),
      score: text(typed, `${a.code}-score`),
      rationale: text(typed, `${a.code}-rationale`),
    };
  }
  const passed = a.assessment?.passed;
  return {
    passed: passed === true ? "pass" : passed === false ? "fail" : "",
    score: a.assessment?.score?.toString() ?? "",
    rationale: a.assessment?.rationale ?? "",
  };
}

/** One response's answers and the form that assesses its questions. */
function responsePage(app: App) {
  const { pqq } = app.services.tenderOpening;
  const guard = { preHandler: requirePage("pqq:assess"), schema: { hide: true, params: RESPONSE_PARAMS } };
  const load = async ({ id, submissionId }: { id: string; submissionId: string }) => {
    const found = await pqq.overview(id);
    if (!found?.opened) return null;
    const response = found.responses.find((r) => r.submissionId === submissionId);
    return response
      ? { tender: found.tender, decided: found.decided, questions: found.questions, response }
      : null;
  };

  app.get(pqqPaths.response(), guard, async (request, reply) => {
    const loaded = await load(request.params);
    if (!loaded) return renderStatus(reply, 404);
    const state = await formState(request);
    const typed = Object.keys(state.values).length > 0;
    return reply.view("tenders/pqq/views/response.njk", {
      pageTitle: `PQQ response: ${loaded.response.organisationName}`,
      ...state,
      ...loaded,
      pqqPath: tenderPaths.pqq(loaded.tender.id),
      action: pqqPaths.response(loaded.tender.id, loaded.response.submissionId),
      scoreMax: PQQ_SCORE_MAX,
      answers: loaded.response.answers.map((a) => ({
        ...a,
        form: answerForm(a, typed ? state.values : null),
      })),
    });
  });

  app.post(
    pqqPaths.response(),
    guard,
    pageAction({
      params: RESPONSE_PARAMS,
      load,
      form: (loaded) => pqqPaths.response(loaded.tender.id, loaded.response.submissionId),
      body: anyFields,
      refusalField: "assessment",
      run: async ({ actor, loaded, input }) => {
        const inputs = assessmentsFromForm(input, loaded.response.submissionId, loaded.questions);
        await pqq.assessResponse(actor, loaded.tender.id, inputs);
        return {
          to: tenderPaths.pqq(loaded.tender.id),
          success: `Assessment saved: ${loaded.response.organisationName}`,
        };
      },
    }),
  );
}

/** The PQQ stage's pages. */
export const pqqRoutes: FastifyPluginAsyncZod = async (app) => {
  pqqPage(app);
  responsePage(app);
};
