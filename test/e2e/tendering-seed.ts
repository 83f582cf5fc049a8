import { Readable } from "node:stream";
import type { FastifyInstance, InjectOptions } from "fastify";
import { tenderDocuments } from "../../src/db/schema/index.js";
import type { Services } from "../../src/services.js";
import { apiTokenFor, asFixture, createUser, insertProject, multipart } from "../helpers.js";
import { insertSubmission, supplierWithUser } from "../opening-fixtures.js";
import { insertPublishedTender } from "../tenders.js";

const DAY = 86_400_000;

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

/** Sends the request and throws with the answer unless it is a 2xx; the JSON body. */
async function call<T>(app: FastifyInstance, token: string, options: InjectOptions): Promise<T> {
  const headers = { ...(options.headers ?? {}), authorization: `Bearer ${token}` };
  const response = await app.inject({ ...options, headers });
  if (response.statusCode >= 300) {
    const url = typeof options.url === "string" ? options.url : "";
    throw new Error(`${String(options.method)} ${url}: ${response.statusCode} ${response.body}`);
  }
  return response.json<T>();
}

/**
 * Tendering for the every-page sweep, through the API as its users would: in the project, a published
 * tender still open, with a supplier's interest, two clarification questions (one answered to every
 * supplier, one waiting) and a sealed submission with a file; and a tender whose deadline has passed, with
 * a submission, opened by a procurement officer with another as witness (docs/tendering.md).
 */
export async function seedTendering(
  app: FastifyInstance,
  services: Services,
  projectId: string,
): Promise<{ openTenderId: string; openedTenderId: string }> {
  const t = { services, database: services.database };
  const now = Date.now();
  const officer = await createUser(services, ["procurement-officer"]);
  const witness = await createUser(services, ["procurement-officer"]);
  const officerToken = await apiTokenFor(services, officer.id);

  const open = await seedPublishedTender(services, {
    projectId,
    title: "Adult community drug and alcohol treatment and recovery service (Kent-wide)",
    clarificationDeadline: new Date(now + 10 * DAY),
    submissionDeadline: new Date(now + 20 * DAY),
  });
  const { user: supplier } = await supplierWithUser(t, open.tenderId);
  const supplierToken = await apiTokenFor(services, supplier.id);
  const ask = (question: string) =>
    call<{ id: string }>(app, supplierToken, {
      method: "POST",
      url: `/api/v1/tenders/${open.tenderId}/clarifications`,
      payload: { question },
    });
  const answered = await ask("Does the service include the needle and syringe programme in pharmacies?");
  await ask("Is there a TUPE list for the staff of the current east Kent lot?");
  await call(app, officerToken, {
    method: "POST",
    url: `/api/v1/clarifications/${answered.id}/answer`,
    payload: { answer: "Yes: pharmacy needle and syringe provision is part of lot 1.", publish: "all" },
  });
  const form = multipart([
    {
      name: "answers",
      value: JSON.stringify([
        { questionCode: "Q1", value: "yes" },
        { questionCode: "Q2", value: "Recovery hubs in each district, with outreach." },
      ]),
    },
    { name: "priceTotalPence", value: "1250000000" },
    { name: "fileQuestionCodes", value: JSON.stringify(["Q2"]) },
    { name: "files", filename: "delivery-model.pdf", contentType: "application/pdf", data: PDF },
  ]);
  await call(app, supplierToken, {
    method: "PUT",
    url: `/api/v1/tenders/${open.tenderId}/submission`,
    headers: form.headers,
    payload: form.payload,
  });

  const opened = await seedPublishedTender(services, {
    title: "Housing-related support for young people (west Kent)",
    publishedAt: new Date(now - 40 * DAY),
    clarificationDeadline: new Date(now - 20 * DAY),
    submissionDeadline: new Date(now - DAY),
  });
  const { organisationId } = await supplierWithUser(t, opened.tenderId);
  await insertSubmission(t, {
    tenderId: opened.tenderId,
    organisationId,
    submittedAt: new Date(now - 2 * DAY),
    content: { answers: [{ questionCode: "Q1", value: "yes" }], priceTotalPence: 80_000_000 },
  });
  await call(app, officerToken, {
    method: "POST",
    url: `/api/v1/tenders/${opened.tenderId}/opening`,
    payload: { witnessUserIds: [witness.id] },
  });
  return { openTenderId: open.tenderId, openedTenderId: opened.tenderId };
}
