import { z } from "zod";
import { PACK_DOCUMENT_KINDS, PROCEDURES, QUESTION_KINDS, SECTIONS } from "../../domain/tendering.js";
import { isoDateField } from "../../inputs.js";

/**
 * What setting up a tender takes (docs/api.md "Tenders", docs/tendering.md): the shapes the API and
 * the pages parse alike. Rules across fields (weights total 100, one price question, the timetable's
 * order, the regime's procedures) are the service's, with the same field paths.
 */

/** An instant with its offset (ISO 8601), e.g. `2026-03-27T12:00:00+00:00`. */
export function instantField(label: string) {
  const message = `${label} must be a date and time with its offset, like 2026-03-27T12:00:00+00:00`;
  return z.iso.datetime({ offset: true, error: message });
}

const text = (label: string, max: number) =>
  z
    .string({ error: `Enter the ${label}` })
    .trim()
    .min(1, `Enter the ${label}`)
    .max(max, `The ${label} must be ${max.toLocaleString("en-GB")} characters or fewer`);

export const questionInput = z.object({
  code: text("question's code, like Q1", 20).regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    "A question's code is letters and numbers, like Q1 or PQ2.1",
  ),
  section: z.enum(SECTIONS, { error: "Select the section: PQQ or ITT" }),
  kind: z.enum(QUESTION_KINDS, { error: "Select the kind of question: pass or fail, scored, or price" }),
  text: text("question", 4000),
  weightPct: z
    .number({ error: "The weight must be a whole number of per cent" })
    .int("The weight must be a whole number of per cent")
    .min(1, "The weight must be between 1% and 100%")
    .max(100, "The weight must be between 1% and 100%")
    .optional(),
  wordLimit: z
    .number({ error: "The word limit must be a whole number" })
    .int("The word limit must be a whole number")
    .positive("The word limit must be a whole number above 0")
    .max(100_000, "The word limit must be 100,000 or fewer")
    .optional(),
  guidance: z.string().trim().max(4000, "Guidance must be 4,000 characters or fewer").optional(),
  attachmentAllowed: z.boolean({ error: "Say whether an attachment is allowed" }).optional(),
});
export type QuestionInput = z.output<typeof questionInput>;

export const lotInput = z.object({
  code: text("lot's code", 20),
  title: text("lot's title", 200),
  valuePence: z.number().int().min(0, "A lot's value cannot be negative").optional(),
});

const tenderFields = {
  title: text("tender's title", 200),
  procedure: z.enum(PROCEDURES, { error: "Select the procedure" }),
  lots: z.array(lotInput).max(50, "A tender has at most 50 lots"),
  clarificationDeadline: instantField("The clarification deadline"),
  pqqDeadline: instantField("The PQQ deadline"),
  submissionDeadline: instantField("The tender deadline"),
  plannedAwardOn: isoDateField("The planned award date"),
  description: z.string().trim().max(10_000, "The description must be 10,000 characters or fewer"),
  valuePence: z
    .number({ error: "The value must be a whole number of pence" })
    .int("The value must be a whole number of pence")
    .min(0, "The value cannot be negative"),
  questions: z.array(questionInput).max(200, "A tender has at most 200 questions"),
};

/** POST /projects/:id/tenders. */
export const tenderInput = z.object({
  ...tenderFields,
  lots: tenderFields.lots.optional(),
  pqqDeadline: tenderFields.pqqDeadline.optional(),
  plannedAwardOn: tenderFields.plannedAwardOn.optional(),
  description: tenderFields.description.optional(),
  valuePence: tenderFields.valuePence.optional(),
  questions: tenderFields.questions.default([]),
});
export type TenderInput = z.output<typeof tenderInput>;

/**
 * PATCH /tenders/:id: a draft takes any field; a published tender only its deadlines and description,
 * each change an addendum (App C 5.5). `pqqDeadline: null` removes it from a draft.
 */
export const tenderUpdateInput = z.object({
  title: tenderFields.title.optional(),
  procedure: tenderFields.procedure.optional(),
  lots: tenderFields.lots.optional(),
  clarificationDeadline: tenderFields.clarificationDeadline.optional(),
  pqqDeadline: tenderFields.pqqDeadline.nullable().optional(),
  submissionDeadline: tenderFields.submissionDeadline.optional(),
  plannedAwardOn: tenderFields.plannedAwardOn.nullable().optional(),
  description: tenderFields.description.optional(),
  valuePence: tenderFields.valuePence.optional(),
  questions: tenderFields.questions.optional(),
  /** The version read; a stale one is refused. */
  version: z.number().int().min(1).optional(),
});
export type TenderUpdateInput = z.output<typeof tenderUpdateInput>;

/** The fields of a pack document's upload (multipart, before the file). */
export const packDocumentFields = z.object({
  kind: z.enum(PACK_DOCUMENT_KINDS, { error: "Select the kind of document" }),
  title: text("document's title", 200),
});
