import { createHash } from "node:crypto";
import { z } from "zod";
import { SECTIONS, type Section } from "../../../domain/tendering.js";

/**
 * The receipt's hash of a whole submission (docs/tendering.md, "Sealed submissions"): SHA-256, in hex,
 * of the UTF-8 JSON of exactly these keys in this order, with no spaces:
 * `{submissionId, tenderId, section, submittedAt, answers, priceTotalPence, files}`, where `submittedAt`
 * is ISO 8601 in UTC with milliseconds, `answers` are `{questionCode, value}` sorted by question code,
 * `priceTotalPence` is an integer or null, and `files` are `{name, sha256, bytes, questionCode}` in the
 * order they were uploaded (`questionCode` null when the file answers no question). Anyone holding
 * what they sent and the receipt can recompute it.
 */
export interface HashedSubmission {
  submissionId: string;
  tenderId: string;
  section: Section;
  submittedAt: Date;
  answers: { questionCode: string; value: string }[];
  priceTotalPence: number | null;
  files: { name: string; sha256: string; bytes: number; questionCode: string | null }[];
}

export function canonicalSubmission(s: HashedSubmission): string {
  const answers = [...s.answers]
    .sort((a, b) => (a.questionCode < b.questionCode ? -1 : a.questionCode > b.questionCode ? 1 : 0))
    .map((a) => ({ questionCode: a.questionCode, value: a.value }));
  return JSON.stringify({
    submissionId: s.submissionId,
    tenderId: s.tenderId,
    section: s.section,
    submittedAt: s.submittedAt.toISOString(),
    answers,
    priceTotalPence: s.priceTotalPence,
    files: s.files.map((f) => ({
      name: f.name,
      sha256: f.sha256,
      bytes: f.bytes,
      questionCode: f.questionCode,
    })),
  });
}

export function submissionHash(s: HashedSubmission): string {
  return createHash("sha256").update(canonicalSubmission(s), "utf8").digest("hex");
}

/**
 * The receipt as stored on the row: no file names, which are sealed (a name can say who bid); the
 * supplier's own view adds them back, opened (service.ts).
 */
export const storedReceiptSchema = z.object({
  submissionId: z.string(),
  tenderId: z.string(),
  section: z.enum(SECTIONS),
  submittedAt: z.string(),
  sha256: z.string(),
  files: z.array(z.object({ id: z.string(), sha256: z.string(), bytes: z.number().int() })),
});
export type StoredReceipt = z.infer<typeof storedReceiptSchema>;

export interface Receipt {
  submissionId: string;
  tenderId: string;
  section: Section;
  submittedAt: string;
  sha256: string;
  files: { name: string; sha256: string; bytes: number }[];
}

export function withNames(stored: StoredReceipt, names: string[]): Receipt {
  return {
    submissionId: stored.submissionId,
    tenderId: stored.tenderId,
    section: stored.section,
    submittedAt: stored.submittedAt,
    sha256: stored.sha256,
    files: stored.files.map((f, i) => ({ name: names[i] ?? "", sha256: f.sha256, bytes: f.bytes })),
  };
}
