import { Readable } from "node:stream";
import { tenderDocuments } from "../../src/db/schema/index.js";
import type { Services } from "../../src/services.js";
import { asFixture, insertProject } from "../helpers.js";
import { insertPublishedTender } from "../tenders.js";

/** A small valid PDF: what a pack document, an attachment and a receipt look like to the type sniffer. */
export const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

/**
 * A published open tender (docs/tendering.md) with the fixture questions (Q1 pass/fail, Q2 scored with a
 * 500-word limit and an attachment, Q3 scored with 300 words, P1 price) and a specification in its pack,
 * in a project of its own unless one is named.
 */
export async function seedPublishedTender(
  services: Services,
  values: {
    title: string;
    clarificationDeadline: Date;
    submissionDeadline: Date;
    publishedAt?: Date;
    projectId?: string;
  },
): Promise<{ tenderId: string; documentId: string; projectId: string }> {
  const db = services.database.db;
  const projectId =
    values.projectId ??
    (await insertProject(db, {
      title: `Recommissioning: ${values.title}`,
      programmeCode: "KDAAT",
      estimatedValuePence: 250_000_000,
    }));
  const tenderId = await insertPublishedTender(db, services.sealer, {
    projectId,
    title: values.title,
    publishedAt: values.publishedAt,
    clarificationDeadline: values.clarificationDeadline,
    submissionDeadline: values.submissionDeadline,
  });
  const blob = await services.documents.save(Readable.from(PDF), "application/pdf", 1_000_000);
  const documentId = await asFixture(db, async (tx) => {
    const [row] = await tx
      .insert(tenderDocuments)
      .values({
        tenderId,
        kind: "specification",
        title: "Service specification",
        blobId: blob.id,
        sha256: blob.sha256,
        bytes: blob.bytes,
        mediaType: "application/pdf",
        fileName: "service-specification.pdf",
      })
      .returning({ id: tenderDocuments.id });
    if (!row) throw new Error("document not stored");
    return row.id;
  });
  return { tenderId, documentId, projectId };
}
