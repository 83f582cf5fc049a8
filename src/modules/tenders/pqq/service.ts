import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db, Executor } from "../../../db/client.js";
import { pqqAssessments, pqqOutcomes, tenderInterests } from "../../../db/schema/index.js";
import type { Clock } from "../../../domain/clock.js";
import type { Actor } from "../../../domain/policy.js";
import { ConflictError, NotFoundError, ProblemError, type FieldError } from "../../../errors.js";
import { recordAudit } from "../../audit/service.js";
import { recordEvidence } from "../../checklist/service.js";
import { enqueueMessage } from "../../notifications/service.js";
import { tenderPaths } from "../paths.js";
import { openContent } from "../sealed-content.js";
import type { Sealer } from "../sealing.js";
import { openingRecordSchema, ukDeadline } from "../opening/presenter.js";
import {
  findOpening,
  findTender,
  lockTender,
  sectionQuestions,
  supplierRecipients,
  type TenderRow,
} from "../opening/queries.js";
import { presentOutcome, presentPqq } from "./presenter.js";
import { assessmentsOf, outcomesOf, sealedPqqContent } from "./queries.js";

/**
 * The PQQ stage of a restricted procedure (App C 5.2–5.4, §3.14): after the PQQ's opening, each response
 * is assessed question by question (pass/fail, or a score on the 0–5 scale), then the shortlist is
 * decided; every supplier is told its own outcome and only the shortlisted are invited to tender.
 */
export const PQQ_SCORE_MAX = 5;

export const assessmentInput = z.object({
  submissionId: z.uuid("Select the PQQ response"),
  questionCode: z.string().trim().min(1, "Select the question").max(40),
  passed: z.boolean({ error: "Select pass or fail" }).optional(),
  score: z
    .number({ error: `Enter a score from 0 to ${PQQ_SCORE_MAX}` })
    .int(`Enter a whole score from 0 to ${PQQ_SCORE_MAX}`)
    .min(0, `Enter a score from 0 to ${PQQ_SCORE_MAX}`)
    .max(PQQ_SCORE_MAX, `Enter a score from 0 to ${PQQ_SCORE_MAX}`)
    .optional(),
  rationale: z
    .string({ error: "Give the rationale for the assessment" })
    .trim()
    .min(1, "Give the rationale for the assessment")
    .max(4000, "Rationale must be 4,000 characters or fewer"),
});
export type AssessmentInput = z.output<typeof assessmentInput>;

export const outcomesInput = z.object({
  outcomes: z
    .array(
      z.object({
        submissionId: z.uuid("Select the PQQ response"),
        shortlisted: z.boolean({ error: "Select whether the supplier is shortlisted" }),
        reason: z.string().trim().max(4000, "Reason must be 4,000 characters or fewer").default(""),
      }),
    )
    .min(1, "Give an outcome for every PQQ response"),
});
export type OutcomesInput = z.output<typeof outcomesInput>;

const unprocessable = (errors: FieldError[]) =>
  new ProblemError(422, "Unprocessable content", errors[0]?.message ?? "The request cannot be met", errors);

/** The tender and its PQQ opening; 404 without the tender, 409 before the PQQ is opened. */
async function openedPqq(ex: Executor, tenderId: string) {
  const tender = await findTender(ex, tenderId);
  if (!tender) throw new NotFoundError("No tender has this id");
  const opening = await findOpening(ex, tenderId, "pqq");
  if (!opening)
    throw new ConflictError("The PQQ responses have not been opened: record the PQQ opening first");
  return { tender, opening, record: openingRecordSchema.parse(opening.record) };
}

/** The PQQ page and GET: each opened response with its answers, assessments and outcome; null before. */
async function overview(db: Db, sealer: Sealer, tenderId: string) {
  const tender = await findTender(db, tenderId);
  if (!tender) return null;
  const opening = await findOpening(db, tenderId, "pqq");
  if (!opening) return { tender, opened: false as const };
  const record = openingRecordSchema.parse(opening.record);
  const ids = record.submissions.map((s) => s.submissionId);
  const dataKey = sealer.dataKey(tender.id, tender.wrappedDataKey);
  const [questions, sealed, assessments, outcomes] = await Promise.all([
    sectionQuestions(db, tenderId, "pqq"),
    sealedPqqContent(db, tenderId, ids),
    assessmentsOf(db, ids),
    outcomesOf(db, tenderId),
  ]);
  const contents = new Map(sealed.map((s) => [s.id, openContent(dataKey, s.id, s.sealedContent)]));
  return {
    tender,
    opened: true as const,
    ...presentPqq({ record, questions, contents, assessments, outcomes }),
  };
}

type PqqQuestion = Awaited<ReturnType<typeof sectionQuestions>>[number];

/** What is wrong with one assessment, with paths relative to it (passed, score, questionCode). */
function assessmentProblems(question: PqqQuestion | undefined, input: AssessmentInput): FieldError[] {
  if (!question) return [{ path: "questionCode", message: "The PQQ has no question with this code" }];
  if (question.kind === "price") {
    return [{ path: "questionCode", message: "Price is evaluated with the tenders, not at the PQQ" }];
  }
  if (question.kind === "pass-fail" && (input.passed === undefined || input.score !== undefined)) {
    return [
      { path: "passed", message: `Select pass or fail for ${question.code}: it is a pass/fail question` },
    ];
  }
  if (question.kind === "scored" && (input.score === undefined || input.passed !== undefined)) {
    return [
      {
        path: "score",
        message: `Enter a score from 0 to ${PQQ_SCORE_MAX} for ${question.code}: it is scored`,
      },
    ];
  }
  return [];
}

/**
 * Questions of one response assessed (App C 5.3), all or none; changed freely until the outcomes are
 * decided. `pathOf` says where each assessment's problems are reported (the API's fields, a page's).
 */
async function assessMany(
  db: Db,
  actor: Actor,
  tenderId: string,
  inputs: AssessmentInput[],
  pathOf: (input: AssessmentInput, field: string) => string,
) {
  const { record } = await openedPqq(db, tenderId);
  const questions = await sectionQuestions(db, tenderId, "pqq");
  const errors = inputs.flatMap((input) => {
    if (!record.submissions.some((s) => s.submissionId === input.submissionId)) {
      return [
        { path: pathOf(input, "submissionId"), message: "This is not an opened PQQ response of the tender" },
      ];
    }
    const question = questions.find((q) => q.code === input.questionCode);
    return assessmentProblems(question, input).map((e) => ({ ...e, path: pathOf(input, e.path) }));
  });
  if (errors.length) throw unprocessable(errors);
  return db.transaction(async (tx) => {
    await lockTender(tx, tenderId);
    if ((await outcomesOf(tx, tenderId)).length > 0) {
      throw new ConflictError("The PQQ outcomes are decided: the assessments can no longer change");
    }
    const saved = [];
    for (const input of inputs) saved.push(await storeAssessment(tx, actor, input));
    await recordAudit(tx, actor, {
      entityType: "tender",
      entityId: tenderId,
      action: "pqq-assessed",
      summary: { assessments: saved.map(({ rationale: _rationale, ...rest }) => rest) },
    });
    return saved;
  });
}

/** One assessment, new or replacing the earlier one of the same question. */
async function storeAssessment(tx: Executor, actor: Actor, input: AssessmentInput) {
  const values = {
    passed: input.passed ?? null,
    score: input.score ?? null,
    rationale: input.rationale,
    assessedById: actor.id,
  };
  const [row] = await tx
    .insert(pqqAssessments)
    .values({ submissionId: input.submissionId, questionCode: input.questionCode, ...values })
    .onConflictDoUpdate({
      target: [pqqAssessments.submissionId, pqqAssessments.questionCode],
      set: { ...values, updatedAt: new Date() },
    })
    .returning();
  if (!row) throw new Error("assessment not stored");
  return {
    submissionId: row.submissionId,
    questionCode: row.questionCode,
    passed: row.passed,
    score: row.score,
    rationale: row.rationale,
  };
}

/** PUT /tenders/:id/pqq-assessments: one question of one response. */
async function assess(db: Db, actor: Actor, tenderId: string, input: AssessmentInput) {
  const [saved] = await assessMany(db, actor, tenderId, [input], (_input, field) => field);
  if (!saved) throw new Error("assessment not stored");
  return saved;
}

/** Every opened response has one outcome, every question is assessed, and a failure shortlisted says why. */
async function checkOutcomes(db: Db, tenderId: string, ids: string[], input: OutcomesInput) {
  const questions = (await sectionQuestions(db, tenderId, "pqq")).filter((q) => q.kind !== "price");
  const assessments = await assessmentsOf(db, ids);
  const errors: FieldError[] = [];
  input.outcomes.forEach((o, i) => {
    const path = `outcomes.${i}`;
    if (!ids.includes(o.submissionId)) {
      errors.push({
        path: `${path}.submissionId`,
        message: "This is not an opened PQQ response of the tender",
      });
      return;
    }
    if (input.outcomes.findIndex((x) => x.submissionId === o.submissionId) !== i) {
      errors.push({ path: `${path}.submissionId`, message: "Give each PQQ response one outcome" });
      return;
    }
    const own = assessments.filter((a) => a.submissionId === o.submissionId);
    const unassessed = questions
      .filter((q) => !own.some((a) => a.questionCode === q.code))
      .map((q) => q.code);
    if (unassessed.length) {
      errors.push({
        path: `${path}.submissionId`,
        message: `Assess every PQQ question first: ${unassessed.join(", ")}`,
      });
    }
    const failed = own.filter((a) => a.passed === false).map((a) => a.questionCode);
    if (!o.shortlisted && !o.reason) {
      errors.push({ path: `${path}.reason`, message: "Say why the supplier is not shortlisted" });
    }
    if (o.shortlisted && failed.length && !o.reason) {
      errors.push({
        path: `${path}.reason`,
        message: `Say why a supplier that failed ${failed.join(", ")} is shortlisted`,
      });
    }
  });
  const missing = ids.filter((id) => !input.outcomes.some((o) => o.submissionId === id));
  if (missing.length) {
    errors.push({
      path: "outcomes",
      message: `Give an outcome for every PQQ response (${missing.length} without one)`,
    });
  }
  if (errors.length) throw unprocessable(errors);
}

interface OutcomeMessageContext {
  tender: TenderRow;
  publicUrl: string;
}

/** Each supplier's verified, active users get their own outcome, and the shortlisted the invitation. */
async function tellSupplier(
  tx: Executor,
  ctx: OutcomeMessageContext,
  organisationId: string,
  outcome: { shortlisted: boolean; reason: string },
) {
  const { tender, publicUrl } = ctx;
  const recipients = await supplierRecipients(tx, [organisationId]);
  const common = { tenderReference: tender.reference, tenderTitle: tender.title };
  const words = outcome.shortlisted
    ? "Your organisation has been shortlisted and is invited to tender: the invitation follows in a separate message."
    : `Your organisation has not been shortlisted for the invitation to tender. The reason: ${outcome.reason}`;
  for (const r of recipients) {
    await enqueueMessage(tx, {
      templateKey: "pqq-outcome",
      recipient: r.email,
      personalisation: {
        ...common,
        outcome: words,
        link: `${publicUrl}${tenderPaths.opportunity(tender.id)}`,
      },
    });
    if (outcome.shortlisted) {
      await enqueueMessage(tx, {
        templateKey: "itt-invitation",
        recipient: r.email,
        personalisation: {
          ...common,
          deadline: ukDeadline(tender.submissionDeadline),
          link: `${publicUrl}${tenderPaths.submission(tender.id)}`,
        },
      });
    }
  }
  return recipients.length;
}

/** The shortlisted organisation's interest marks it invited to tender (App C 5.4). */
async function markInvited(tx: Executor, tenderId: string, organisationId: string, at: Date) {
  const updated = await tx
    .update(tenderInterests)
    .set({ invitedToTenderAt: at, updatedAt: at })
    .where(and(eq(tenderInterests.tenderId, tenderId), eq(tenderInterests.organisationId, organisationId)))
    .returning({ id: tenderInterests.id });
  if (updated.length === 0) {
    await tx.insert(tenderInterests).values({ tenderId, organisationId, invitedToTenderAt: at });
  }
}

/**
 * The shortlist (App C 5.3–5.4): an outcome for every opened PQQ response, each supplier told its own,
 * the shortlisted invited to tender; the checklist's "PQQ evaluated" and "ITT issued" records. Once only.
 */
async function decideOutcomes(
  db: Db,
  clock: Clock,
  publicUrl: string,
  actor: Actor,
  tenderId: string,
  input: OutcomesInput,
) {
  const { tender, record } = await openedPqq(db, tenderId);
  const ids = record.submissions.map((s) => s.submissionId);
  if ((await outcomesOf(db, tenderId)).length > 0)
    throw new ConflictError("The PQQ outcomes are already decided");
  await checkOutcomes(db, tenderId, ids, input);
  const organisationOf = new Map(record.submissions.map((s) => [s.submissionId, s.organisationId]));
  const now = clock.now();
  await db.transaction(async (tx) => {
    await lockTender(tx, tenderId);
    if ((await outcomesOf(tx, tenderId)).length > 0)
      throw new ConflictError("The PQQ outcomes are already decided");
    let messaged = 0;
    for (const o of input.outcomes) {
      await tx.insert(pqqOutcomes).values({
        submissionId: o.submissionId,
        shortlisted: o.shortlisted,
        reason: o.reason,
        decidedById: actor.id,
        notifiedAt: now,
      });
      const organisationId = organisationOf.get(o.submissionId) ?? "";
      if (o.shortlisted) await markInvited(tx, tenderId, organisationId, now);
      messaged += await tellSupplier(tx, { tender, publicUrl }, organisationId, o);
    }
    await recordAudit(tx, actor, {
      entityType: "tender",
      entityId: tenderId,
      action: "pqq-outcomes-decided",
      summary: {
        outcomes: input.outcomes.map((o) => ({ submissionId: o.submissionId, shortlisted: o.shortlisted })),
        messaged,
      },
    });
    const evidence = {
      projectId: tender.projectId,
      type: "record" as const,
      id: tenderId,
      on: clock.today(),
      actor,
    };
    await recordEvidence(tx, { ...evidence, kind: "pqq-evaluated" });
    if (input.outcomes.some((o) => o.shortlisted))
      await recordEvidence(tx, { ...evidence, kind: "itt-issued" });
  });
  return { outcomes: (await outcomesOf(db, tenderId)).map(presentOutcome) };
}

export function createPqqService(db: Db, clock: Clock, sealer: Sealer, publicUrl: string) {
  return {
    overview: (tenderId: string) => overview(db, sealer, tenderId),
    assess: (actor: Actor, tenderId: string, input: AssessmentInput) => assess(db, actor, tenderId, input),
    /** A response's questions at once (the page's form); problems reported at `<code>.<field>`. */
    assessResponse: (actor: Actor, tenderId: string, inputs: AssessmentInput[]) =>
      assessMany(db, actor, tenderId, inputs, (input, field) => `${input.questionCode}.${field}`),
    decideOutcomes: (actor: Actor, tenderId: string, input: OutcomesInput) =>
      decideOutcomes(db, clock, publicUrl, actor, tenderId, input),
  };
}
