import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../../db/client.js";
import { clarifications, tenders } from "../../../db/schema/index.js";
import type { Clock } from "../../../domain/clock.js";
import { can, type Actor } from "../../../domain/policy.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../../../errors.js";
import { recordAudit } from "../../audit/service.js";
import { recordEvidence } from "../../checklist/service.js";
import { enqueueMessage } from "../../notifications/service.js";
import { ukDateTime } from "../opportunities/presenter.js";
import { findInterest, findTender, type TenderRow } from "../opportunities/queries.js";
import { tenderPaths } from "../paths.js";
import { presentForStaff, presentForSupplier } from "./presenter.js";
import {
  clarificationLogRows,
  findClarification,
  nextClarificationNumber,
  recipientEmails,
  supplierLogRows,
} from "./queries.js";

/** POST /tenders/:id/clarifications: `{question}`. */
export const askInput = z.object({
  question: z
    .string({ error: "Enter your question" })
    .trim()
    .min(1, "Enter your question")
    .max(5000, "Your question must be 5,000 characters or fewer"),
});
export type AskInput = z.output<typeof askInput>;

export const PUBLISH_CHOICES = ["all", "private"] as const;

/** POST /clarifications/:id/answer: `{answer, publish: all|private, reason?}`; private needs its reason. */
export const answerInput = z
  .object({
    answer: z
      .string({ error: "Enter the answer" })
      .trim()
      .min(1, "Enter the answer")
      .max(10000, "The answer must be 10,000 characters or fewer"),
    publish: z.enum(PUBLISH_CHOICES, {
      error: "Select whether the answer goes to every interested supplier or only to the asker",
    }),
    reason: z.string().trim().max(2000, "The reason must be 2,000 characters or fewer").optional(),
  })
  .superRefine((value, ctx) => {
    if (value.publish === "private" && !value.reason) {
      ctx.addIssue({
        code: "custom",
        path: ["reason"],
        message: "Enter why the answer goes only to the supplier that asked",
      });
    }
  });
export type AnswerInput = z.output<typeof answerInput>;

export const ANSWER_FINAL_MESSAGE =
  "This question has already been answered, and an answer cannot be changed: to correct or add to it, " +
  "publish an addendum to the tender";

interface Links {
  publicUrl: string;
}

/** The actor's supplier organisation; refused for anyone else. */
function supplierOf(actor: Actor): string {
  if (!can(actor, "tenders:participate") || !actor.organisationId) {
    throw new ForbiddenError("Only a supplier's users can ask clarification questions");
  }
  return actor.organisationId;
}

/**
 * The tender's log as the actor may see it (App C 5.5): staff all of it with who asked; a supplier the
 * published answers and its own organisation's questions, never another's identity or private question.
 */
async function log(db: Db, actor: Actor, tenderId: string) {
  const tender = await findTender(db, tenderId);
  if (can(actor, "tenders:read")) {
    if (!tender) throw new NotFoundError("No tender has this id");
    const rows = await clarificationLogRows(db, tenderId);
    return { tender, view: "staff" as const, items: rows.map(presentForStaff) };
  }
  const organisationId = supplierOf(actor);
  if (tender?.status !== "published") throw new NotFoundError("No published tender has this id");
  const rows = await supplierLogRows(db, tenderId, organisationId);
  const interested = Boolean(await findInterest(db, tenderId, organisationId));
  return { tender, view: "supplier" as const, interested, items: rows.map(presentForSupplier) };
}

/** A supplier asks privately, until the clarification deadline; numbered in the tender's log. */
async function ask(db: Db, now: Date, actor: Actor, tenderId: string, input: AskInput) {
  const organisationId = supplierOf(actor);
  const tender = await findTender(db, tenderId);
  if (tender?.status !== "published") throw new NotFoundError("No published tender has this id");
  if (now > tender.clarificationDeadline) {
    throw new ConflictError(
      `The deadline for clarification questions was ${ukDateTime(tender.clarificationDeadline)}: ` +
        "questions are no longer taken",
    );
  }
  if (!(await findInterest(db, tenderId, organisationId))) {
    throw new ConflictError("Register your organisation's interest in this tender before asking a question");
  }
  return db.transaction(async (tx) => {
    // One question at a time per tender, so that numbers follow on without gaps.
    await tx.select({ id: tenders.id }).from(tenders).where(eq(tenders.id, tenderId)).for("update");
    const number = await nextClarificationNumber(tx, tenderId);
    const [row] = await tx
      .insert(clarifications)
      .values({ tenderId, number, organisationId, askedById: actor.id, question: input.question })
      .returning();
    if (!row) throw new Error("clarification not stored");
    await recordAudit(tx, actor, {
      entityType: "clarification",
      entityId: row.id,
      action: "asked",
      summary: { tenderId, number, organisationId },
    });
    return presentForSupplier({ ...row, ours: true, askedAt: row.createdAt });
  });
}

function messageFor(tender: TenderRow, number: number, links: Links) {
  return {
    tenderReference: tender.reference,
    tenderTitle: tender.title,
    number: String(number),
    link: `${links.publicUrl}${tenderPaths.clarifications(tender.id)}`,
  };
}

/**
 * An officer answers (App C 5.5): to every interested supplier without naming the asker, or privately
 * to the asker with the reason recorded. The messages, the audit record and the checklist's evidence
 * are written in the same transaction as the answer. An answer is final: it cannot be changed.
 */
async function answer(db: Db, clock: Clock, links: Links, actor: Actor, id: string, input: AnswerInput) {
  if (!can(actor, "clarifications:answer")) throw new ForbiddenError();
  const question = await findClarification(db, id);
  if (!question) throw new NotFoundError("No clarification has this id");
  if (question.answer !== null) throw new ConflictError(ANSWER_FINAL_MESSAGE);
  const tender = await findTender(db, question.tenderId);
  if (!tender) throw new NotFoundError("No tender has this id");
  const privateReason = input.publish === "private" ? (input.reason ?? null) : null;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(clarifications)
      .set({
        answer: input.answer,
        visibility: input.publish,
        privateReason,
        answeredAt: clock.now(),
        answeredById: actor.id,
        updatedAt: clock.now(),
      })
      .where(and(eq(clarifications.id, id), isNull(clarifications.answer)))
      .returning();
    if (!row) throw new ConflictError(ANSWER_FINAL_MESSAGE);
    const emails = await recipientEmails(
      tx,
      row.tenderId,
      input.publish === "private" ? row.organisationId : undefined,
    );
    const personalisation = messageFor(tender, row.number, links);
    for (const recipient of emails) {
      await enqueueMessage(tx, { templateKey: "clarification-answered", recipient, personalisation });
    }
    await recordAudit(tx, actor, {
      entityType: "clarification",
      entityId: row.id,
      action: input.publish === "all" ? "answered-published" : "answered-privately",
      summary: {
        tenderId: row.tenderId,
        number: row.number,
        publish: input.publish,
        reason: privateReason,
        recipients: emails.length,
      },
    });
    await recordEvidence(tx, {
      projectId: tender.projectId,
      type: "record",
      kind: "clarification-answered",
      id: row.id,
      on: clock.today(),
      actor,
    });
    const [logged] = (await clarificationLogRows(tx, row.tenderId)).filter((r) => r.id === row.id);
    if (!logged) throw new Error("clarification not found after answering");
    return { clarification: presentForStaff(logged), notified: emails.length };
  });
}

/** Clarifications (App C 5.5; docs/tendering.md, "Clarifications"). */
export function createClarificationsService(db: Db, clock: Clock, links: Links) {
  return {
    log: (actor: Actor, tenderId: string) => log(db, actor, tenderId),
    ask: (actor: Actor, tenderId: string, input: AskInput) => ask(db, clock.now(), actor, tenderId, input),
    answer: (actor: Actor, id: string, input: AnswerInput) => answer(db, clock, links, actor, id, input),
    find: (id: string) => findClarification(db, id),
  };
}
