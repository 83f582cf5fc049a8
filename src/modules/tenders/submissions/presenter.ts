import { SECTION_NAMES, wordCount, type Section } from "../../../domain/tendering.js";
import type { FieldError } from "../../../errors.js";
import type { QuestionRule } from "./inputs.js";
import type { Receipt } from "./receipt.js";
import type { ReceiptPdfData } from "./receipt-pdf.js";

/** View models of the submission pages and the receipt PDF (docs/tendering.md); no database here. */

const ukDateTime = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "numeric",
  minute: "2-digit",
  second: "2-digit",
  hour12: true,
  timeZone: "Europe/London",
});

export function ukTime(iso: string): string {
  return ukDateTime.format(new Date(iso));
}

interface OwnView {
  tender: { id: string; reference: string; title: string };
  organisationName: string;
  receipt: Receipt | null;
}

export function presentReceiptPdf(own: OwnView): ReceiptPdfData {
  if (!own.receipt) throw new ReceiptMissing();
  return {
    receipt: own.receipt,
    tenderReference: own.tender.reference,
    tenderTitle: own.tender.title,
    organisationName: own.organisationName,
    submittedAtUk: ukTime(own.receipt.submittedAt),
  };
}

/** No current submission, so no receipt: the caller answers 404. */
export class ReceiptMissing extends Error {}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1_048_576) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** Pence as pounds for the price box: 125050 → "1250.50". */
export function penceToPounds(pence: number | null): string {
  if (pence === null) return "";
  return `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, "0")}`;
}

export interface QuestionField {
  code: string;
  kind: QuestionRule["kind"];
  name: string;
  text: string;
  wordLimit: number | null;
  attachmentAllowed: boolean;
  value: string;
  words: number;
}

/**
 * The form's questions with what the supplier typed (after a refusal) or saved (a draft): the page's
 * fields are named `answer-<code>`, the price `price`, a question's file `file-<code>`.
 */
export function presentQuestions(questions: QuestionRule[], values: Record<string, string>): QuestionField[] {
  return questions
    .filter((q) => q.kind !== "price")
    .map((q) => {
      const value = values[`answer-${q.code}`] ?? "";
      return {
        code: q.code,
        kind: q.kind,
        name: `answer-${q.code}`,
        text: q.text,
        wordLimit: q.wordLimit,
        attachmentAllowed: q.attachmentAllowed,
        value,
        words: wordCount(value),
      };
    });
}

/** The API's field paths as the page's field ids, so the error summary links to the right box. */
export function pageFieldFor(path: string, answeredCodes: string[], fileCodes: string[]): string {
  const answer = /^answers\.(\d+)\./.exec(path);
  if (answer) return `answer-${answeredCodes[Number(answer[1])] ?? ""}`;
  const file = /^(?:files|fileQuestionCodes)\.(\d+)/.exec(path);
  if (file) return `file-${fileCodes[Number(file[1])] ?? ""}`;
  if (path === "priceTotalPence") return "price";
  return path;
}

export function pageErrors(errors: FieldError[], answeredCodes: string[], fileCodes: string[]): FieldError[] {
  return errors.map((e) => ({ path: pageFieldFor(e.path, answeredCodes, fileCodes), message: e.message }));
}

export function sectionName(section: Section): string {
  return SECTION_NAMES[section];
}
