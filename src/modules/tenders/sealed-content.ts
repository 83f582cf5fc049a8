import { z } from "zod";
import { openBytes, openJson, sealBytes, sealJson } from "./sealing.js";

/**
 * What a submission seals (docs/tendering.md, the seal): its answers and its price, bound to the
 * submission's id; and each file's name, bound to the file's id. The one place that knows the shape,
 * for the supplier's own draft, the submission, and the opening alike.
 */
export const sealedContentSchema = z.object({
  answers: z.array(z.object({ questionCode: z.string(), value: z.string() })),
  /** Integer pence; null while a draft has none. */
  priceTotalPence: z.number().int().nonnegative().nullable(),
});
export type SealedContent = z.infer<typeof sealedContentSchema>;

export function sealContent(dataKey: Buffer, submissionId: string, content: SealedContent): string {
  return sealJson(dataKey, sealedContentSchema.parse(content), `submission:${submissionId}`);
}

export function openContent(dataKey: Buffer, submissionId: string, sealed: string): SealedContent {
  return sealedContentSchema.parse(openJson(dataKey, sealed, `submission:${submissionId}`));
}

export function sealFileName(dataKey: Buffer, fileId: string, name: string): string {
  return sealBytes(dataKey, Buffer.from(name, "utf8"), `file-name:${fileId}`);
}

export function openFileName(dataKey: Buffer, fileId: string, sealed: string): string {
  const name = openBytes(dataKey, sealed, `file-name:${fileId}`);
  if (!name) throw new Error("a file name does not open under its tender's key");
  return name.toString("utf8");
}

/** The additional data of a file's bytes (sealing.ts fileEncryption / fileDecryption). */
export function fileBytesAad(fileId: string): string {
  return `file:${fileId}`;
}
