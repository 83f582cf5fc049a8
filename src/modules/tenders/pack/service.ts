import fs from "node:fs";
import { and, eq, isNull } from "drizzle-orm";
import type { Db, Executor } from "../../../db/client.js";
import { tenderDocuments } from "../../../db/schema/index.js";
import type { Clock } from "../../../domain/clock.js";
import type { Actor } from "../../../domain/policy.js";
import { PACK_DOCUMENT_NAMES, type PackDocumentKind } from "../../../domain/tendering.js";
import { ConflictError, NotFoundError, ValidationError } from "../../../errors.js";
import { zodFieldErrors } from "../../../inputs.js";
import { recordAudit } from "../../audit/service.js";
import type { DocumentStore } from "../../documents/store.js";
import { checkDocumentFile, type SpooledFile } from "../../projects/documents/service.js";
import { recordAddendum } from "../addenda.js";
import { packDocumentFields } from "../inputs.js";
import { presentDocument } from "../presenter.js";
import { documentsOf, findTender, findTenderDocument, type TenderRow } from "../queries.js";
import type { Sealer } from "../sealing.js";

/**
 * A tender's document pack (App C 5.4: specification, terms and conditions, pricing schedule,
 * instructions). Each file is checked like a project's documents before a byte is stored (size,
 * emptiness, the type sniffed from the bytes) and kept as a content-addressed blob. A new document of a
 * kind supersedes the current one of that kind (not "other", of which a pack may hold several), and
 * after publication it is an addendum told to every interested supplier (App C 5.5).
 */

export interface TendersDeps {
  db: Db;
  documents: DocumentStore;
  clock: Clock;
  sealer: Sealer;
  /** Where the messages' links point (PUBLIC_URL). */
  publicUrl: string;
}

export async function requireTender(ex: Executor, tenderId: string, options: { lock?: boolean } = {}) {
  const tender = await findTender(ex, tenderId, options);
  if (!tender) throw new NotFoundError("No tender has this id");
  return tender;
}

type StoredBlob = Awaited<ReturnType<DocumentStore["save"]>>;

/** Marks the current documents of the kind superseded; returns their ids. */
async function supersede(tx: Executor, tenderId: string, kind: PackDocumentKind, at: Date) {
  if (kind === "other") return [];
  const rows = await tx
    .update(tenderDocuments)
    .set({ supersededAt: at, updatedAt: at })
    .where(
      and(
        eq(tenderDocuments.tenderId, tenderId),
        eq(tenderDocuments.kind, kind),
        isNull(tenderDocuments.supersededAt),
      ),
    )
    .returning({ id: tenderDocuments.id });
  return rows.map((r) => r.id);
}

interface Upload {
  tender: TenderRow;
  kind: PackDocumentKind;
  title: string;
  blob: StoredBlob;
  mediaType: string;
  fileName: string;
}

/** The document's row, the addendum when the tender is published, and the audit record. */
async function storeDocument(tx: Executor, deps: TendersDeps, actor: Actor, u: Upload) {
  const { tender, kind, title, blob } = u;
  const supersededIds = await supersede(tx, tender.id, kind, new Date());
  const [row] = await tx
    .insert(tenderDocuments)
    .values({
      tenderId: tender.id,
      kind,
      title,
      blobId: blob.id,
      sha256: blob.sha256,
      bytes: blob.bytes,
      mediaType: u.mediaType,
      fileName: u.fileName,
      uploadedById: actor.id,
    })
    .returning();
  if (!row) throw new Error("tender document not stored");
  let addendum: number | null = null;
  if (tender.status === "published") {
    const verb = supersededIds.length ? "replaces the earlier one" : "is added to the pack";
    const made = await recordAddendum(tx, actor, {
      tender,
      summary: `The ${PACK_DOCUMENT_NAMES[kind].toLowerCase()} “${title}” ${verb}.`,
      changes: { documentId: row.id, kind, supersededIds },
      publicUrl: deps.publicUrl,
    });
    addendum = made.addendum.number;
  }
  await recordAudit(tx, actor, {
    entityType: "tender",
    entityId: tender.id,
    action: "document-added",
    summary: {
      documentId: row.id,
      kind,
      title,
      sha256: blob.sha256,
      bytes: blob.bytes,
      supersededIds,
      addendum,
    },
  });
  return { ...presentDocument(row), addendum };
}

async function upload(
  deps: TendersDeps,
  actor: Actor,
  tenderId: string,
  fields: Record<string, string>,
  file: SpooledFile | null,
) {
  const { db, documents } = deps;
  await requireTender(db, tenderId);
  const parsed = packDocumentFields.safeParse(fields);
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error));
  const checked = await checkDocumentFile(file);
  const { path, limitBytes, fileName } = checked.file;
  const blob = await documents.save(fs.createReadStream(path), checked.mediaType, limitBytes);
  return db.transaction(async (tx) => {
    const tender = await requireTender(tx, tenderId, { lock: true });
    if (tender.status === "cancelled") throw new ConflictError("A cancelled tender's pack cannot change");
    const { kind, title } = parsed.data;
    return storeDocument(tx, deps, actor, {
      tender,
      kind,
      title,
      blob,
      mediaType: checked.mediaType,
      fileName,
    });
  });
}

/** One document's bytes, with its type and name (staff; the opportunities' downloads log their own). */
async function open({ db, documents }: TendersDeps, tenderId: string, documentId: string) {
  const doc = await findTenderDocument(db, tenderId, documentId);
  if (!doc) throw new NotFoundError("This tender has no such document");
  const blob = await documents.open(doc.sha256);
  if (!blob) throw new NotFoundError("The file of this document is missing from storage");
  return {
    stream: blob.stream,
    mediaType: doc.mediaType,
    fileName: doc.fileName,
    bytes: doc.bytes,
    sha256: doc.sha256,
  };
}

export function createPackService(deps: TendersDeps) {
  return {
    /** Every document of the pack, those superseded included (with `supersededAt`). */
    list: async (tenderId: string) => {
      await requireTender(deps.db, tenderId);
      return (await documentsOf(deps.db, tenderId)).map(presentDocument);
    },
    upload: (actor: Actor, tenderId: string, fields: Record<string, string>, file: SpooledFile | null) =>
      upload(deps, actor, tenderId, fields, file),
    open: (tenderId: string, documentId: string) => open(deps, tenderId, documentId),
  };
}
