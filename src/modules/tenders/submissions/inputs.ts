import { z } from "zod";
import type { FieldError } from "../../../errors.js";
import { isOneOf } from "../../../domain/codes.js";
import { SECTIONS, wordCount, type Section } from "../../../domain/tendering.js";
import type { SealedContent } from "../sealed-content.js";

/**
 * What a supplier sends (docs/tendering.md, sealed submissions), checked against the section's
 * questions: every refusal is named by its field path (`answers.2.value`, `priceTotalPence`, `files.0`)
 * so that the API's problem document and the page's error summary say the same.
 */

export interface QuestionRule {
  code: string;
  kind: "pass-fail" | "scored" | "price";
  text: string;
  wordLimit: number | null;
  attachmentAllowed: boolean;
}

/** Fields as the multipart request or the page's form carry them: text, with JSON in two of them. */
export interface RawSubmission {
  section?: string | undefined;
  answers?: unknown;
  priceTotalPence?: unknown;
  fileQuestionCodes?: unknown;
}

const answerSchema = z.array(z.object({ questionCode: z.string().min(1), value: z.string() }));

export function parseSection(value: unknown): Section | undefined | "invalid" {
  if (value === undefined || value === null || value === "") return undefined;
  return typeof value === "string" && isOneOf(SECTIONS, value) ? value : "invalid";
}

function jsonField(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed;
  } catch {
    return Symbol.for("invalid-json");
  }
}

/** A price in whole pence: a negative, a fraction or a word is refused with what is wrong. */
export function parsePence(value: unknown): { pence: number | null; error?: string } {
  if (value === undefined || value === null || value === "") return { pence: null };
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  if (/^-\d+(\.\d+)?$/.test(text)) return { pence: null, error: "The price must not be negative" };
  if (!/^\d+$/.test(text))
    return { pence: null, error: "The price must be a whole number of pence, like 125000" };
  const pence = Number(text);
  if (!Number.isSafeInteger(pence)) return { pence: null, error: "The price is too large" };
  return { pence };
}

/** Pounds as typed on the page (“1,250.50”, “£1250”) in pence; the same refusals. */
export function poundsToPence(value: string): { pence: number | null; error?: string } {
  const text = value.trim().replace(/^£/, "").replace(/,/g, "");
  if (text === "") return { pence: null };
  if (text.startsWith("-")) return { pence: null, error: "The price must not be negative" };
  if (!/^\d+(\.\d{1,2})?$/.test(text))
    return { pence: null, error: "Enter the price in pounds, like 1250.50" };
  const [whole = "0", fraction = ""] = text.split(".");
  const pence = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  if (!Number.isSafeInteger(pence)) return { pence: null, error: "The price is too large" };
  return { pence };
}

type Questions = Map<string, QuestionRule>;

/** The answers, each against its question: known, once, yes/no for pass/fail, within its word limit. */
function checkAnswers(value: unknown, byCode: Questions, errors: FieldError[]): SealedContent["answers"] {
  const answersJson = value === undefined || value === "" ? [] : jsonField(value);
  const parsedAnswers = answerSchema.safeParse(answersJson);
  const answers: SealedContent["answers"] = [];
  if (!parsedAnswers.success) {
    errors.push({ path: "answers", message: "Answers must be a JSON array of {questionCode, value}" });
  } else {
    const seen = new Set<string>();
    for (const [i, answer] of parsedAnswers.data.entries()) {
      const question = byCode.get(answer.questionCode);
      const at = `answers.${i}`;
      if (!question) {
        errors.push({
          path: `${at}.questionCode`,
          message: `There is no question ${answer.questionCode} in this section`,
        });
        continue;
      }
      if (seen.has(question.code)) {
        errors.push({ path: `${at}.questionCode`, message: `Question ${question.code} is answered twice` });
        continue;
      }
      seen.add(question.code);
      if (question.kind === "price") {
        errors.push({
          path: `${at}.questionCode`,
          message: `Give the price for ${question.code} as priceTotalPence`,
        });
        continue;
      }
      if (question.kind === "pass-fail" && answer.value !== "yes" && answer.value !== "no") {
        errors.push({ path: `${at}.value`, message: `Answer ${question.code} with yes or no` });
        continue;
      }
      const words = wordCount(answer.value);
      if (question.wordLimit !== null && words > question.wordLimit) {
        errors.push({
          path: `${at}.value`,
          message: `Your answer to ${question.code} has ${words} words: it must be ${question.wordLimit} words or fewer`,
        });
        continue;
      }
      if (answer.value.trim() !== "") answers.push({ questionCode: question.code, value: answer.value });
    }
  }
  return answers;
}

/** Which question each file answers, in order; the question must take attachments. */
function checkFileCodes(value: unknown, byCode: Questions, fileCount: number, errors: FieldError[]) {
  const fileQuestionCodes: (string | null)[] = Array.from({ length: fileCount }, () => null);
  if (value !== undefined && value !== "") {
    const codes = z.array(z.string().nullable()).safeParse(jsonField(value));
    if (!codes.success || codes.data.length !== fileCount) {
      errors.push({
        path: "fileQuestionCodes",
        message: "fileQuestionCodes must be a JSON array with one question code (or null) per file, in order",
      });
    } else {
      for (const [i, code] of codes.data.entries()) {
        if (code === null || code === "") continue;
        const question = byCode.get(code);
        if (!question?.attachmentAllowed) {
          errors.push({
            path: `fileQuestionCodes.${i}`,
            message: `Question ${code} does not take an attachment`,
          });
        } else fileQuestionCodes[i] = code;
      }
    }
  }
  return fileQuestionCodes;
}

export interface CheckedSubmission {
  content: SealedContent;
  fileQuestionCodes: (string | null)[];
}

/**
 * The answers, the price and the files' questions, checked. `complete` (a submission, not a draft)
 * requires the price when the section asks one.
 */
export function checkSubmission(
  raw: RawSubmission,
  questions: QuestionRule[],
  fileCount: number,
  complete: boolean,
): { value: CheckedSubmission; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const byCode = new Map(questions.map((q) => [q.code, q]));
  const answers = checkAnswers(raw.answers, byCode, errors);
  const price = parsePence(raw.priceTotalPence);
  if (price.error) errors.push({ path: "priceTotalPence", message: price.error });
  else if (complete && price.pence === null && questions.some((q) => q.kind === "price")) {
    errors.push({ path: "priceTotalPence", message: "Enter your total price" });
  }
  const fileQuestionCodes = checkFileCodes(raw.fileQuestionCodes, byCode, fileCount, errors);
  return { value: { content: { answers, priceTotalPence: price.pence }, fileQuestionCodes }, errors };
}
