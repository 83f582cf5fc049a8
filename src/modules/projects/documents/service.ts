import fs from "node:fs";
import { eq } from "drizzle-orm";
import type { Db, Executor } from "../../../db/client.js";
import { documentVersions, projectDocuments } from "../../../db/schema/index.js";
import type { Clock } from "../../../domain/clock.js";
import type { Actor } from "../../../domain/policy.js";
import type { DocumentKind } from "../../../domain/stages.js";
import { NotFoundError, ValidationError } from "../../../errors.js";
import { recordAudit } from "../../audit/service.js";
import { recordEvidence } from "../../checklist/service.js";
import type { DocumentStore } from "../../documents/store.js";
import type { MessageLinks } from "../../notifications/links.js";
import { announceAwaitedDecisions, gateNow } from "../decision-notices.js";
import { documentFields } from "../inputs.js";
import { zodFieldErrors } from "../../../inputs.js";
import { requireProject } from "../refusals.js";
import { checkDocumentFile, type SpooledFile } from "../upload.js";
import { documentsWithVersions, findDocument, findDocumentByTitle, findVersion } from "./queries.js";

/** A project's documents: each upload a new document or a new version of one; nothing overwritten. */

interface Deps {
  db: Db;
  documents: DocumentStore;
  links: MessageLinks;
  clock: Clock;
}

type StoredBlob = Awaited<ReturnType<DocumentStore["save"]>>;

/** The document of this kind and title gets its next version; a new title is a new document. */
async function nextVersion(tx: Executor, projectId: string, kind: string, title: string) {
  const existing = await findDocumentByTitle(tx, projectId, kind, title);
  if (existing) {
    const version = existing.latestVersion + 1;
    await tx
      .update(projectDocuments)
      .set({ latestVersion: version, updatedAt: new Date() })
      .where(eq(projectDocuments.id, existing.id));
    return { documentId: existing.id, version, title: existing.title };
  }
  const [inserted] = await tx
    .insert(projectDocuments)
    .values({ projectId, kind, title, latestVersion: 1 })
    .returning({ id: projectDocuments.id });
  if (!inserted) throw new Error("document not stored");
  return { documentId: inserted.id, version: 1, title };
}

/** The stored version's record, its audit record and its evidence on the checklist; what leaves the API. */
async function recordVersion(
  tx: Executor,
  { clock }: Deps,
  actor: Actor,
  upload: {
    projectId: string;
    kind: DocumentKind;
    title: string;
    blob: StoredBlob;
    file: SpooledFile;
    mediaType: string;
  },
) {
  const { projectId, kind, blob, file, mediaType } = upload;
  const { documentId, version, title } = await nextVersion(tx, projectId, kind, upload.title);
  await tx.insert(documentVersions).values({
    documentId,
    version,
    blobId: blob.id,
    sha256: blob.sha256,
    bytes: blob.bytes,
    mediaType,
    fileName: file.fileName,
    uploadedById: actor.id,
  });
  const stored = { sha256: blob.sha256, bytes: blob.bytes, mediaType, fileName: file.fileName };
  await recordAudit(tx, actor, {
    entityType: "document",
    entityId: documentId,
    action: "uploaded",
    summary: { projectId, kind, title, version, ...stored },
  });
  await recordEvidence(tx, { projectId, type: "document", kind, id: documentId, on: clock.today(), actor });
  return { id: documentId, projectId, kind, title, version, ...stored };
}

/**
 * Stores a new document, or a new version of the document of the same kind and title. Every check
 * runs before a byte reaches the store: fields, size, emptiness and the type sniffed from the bytes.
 */
async function upload(
  deps: Deps,
  actor: Actor,
  projectId: string,
  fields: Record<string, string>,
  file: SpooledFile | null,
) {
  const { db, documents, links, clock } = deps;
  await requireProject(db, projectId);
  const parsed = documentFields.safeParse(fields);
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error));
  const { mediaType, file: spooled } = await checkDocumentFile(file);
  const blob = await documents.save(fs.createReadStream(spooled.path), mediaType, spooled.limitBytes);
  const { kind, title } = parsed.data;
  return db.transaction(async (tx) => {
    // One upload at a time per project, so two uploads of a new title cannot make two documents.
    await requireProject(tx, projectId, { lock: true });
    const gateBefore = await gateNow(tx, projectId);
    const stored = await recordVersion(tx, deps, actor, {
      projectId,
      kind,
      title,
      blob,
      file: spooled,
      mediaType,
    });
    await announceAwaitedDecisions(tx, links, projectId, gateBefore, clock.today());
    return stored;
  });
}

async function list(db: Db, projectId: string) {
  await requireProject(db, projectId);
  const docs = await documentsWithVersions(db, projectId);
  return docs.map((d) => ({
    id: d.id,
    kind: d.kind,
    title: d.title,
    latestVersion: d.latestVersion,
    versions: d.versions.map((v) => ({
      version: v.version,
      sha256: v.sha256,
      bytes: v.bytes,
      mediaType: v.mediaType,
      fileName: v.fileName,
      uploadedAt: v.uploadedAt.toISOString(),
      uploadedBy: v.uploadedBy,
    })),
  }));
}

/** One version of a document, as a stream with its type and name; earlier versions stay readable. */
async function openVersion({ db, documents }: Deps, projectId: string, documentId: string, version: number) {
  const doc = await findDocument(db, documentId);
  if (doc?.projectId !== projectId) throw new NotFoundError("This project has no such document");
  const found = await findVersion(db, documentId, version);
  if (!found) throw new NotFoundError("This document has no such version");
  const blob = await documents.open(found.sha256);
  if (!blob) throw new NotFoundError("The file of this version is missing from storage");
  return {
    stream: blob.stream,
    mediaType: found.mediaType,
    fileName: found.fileName,
    bytes: found.bytes,
    sha256: found.sha256,
  };
}

export function createDocumentsService(deps: Deps) {
  return {
    upload: (actor: Actor, projectId: string, fields: Record<string, string>, file: SpooledFile | null) =>
      upload(deps, actor, projectId, fields, file),
    list: (projectId: string) => list(deps.db, projectId),
    openVersion: (projectId: string, documentId: string, version: number) =>
      openVersion(deps, projectId, documentId, version),
  };
}

/** Receiving and checking a document, for the other capabilities that store documents (tender packs). */
export {
  checkDocumentFile,
  receiveUpload,
  UploadStopped,
  type ReceivedUpload,
  type SpooledFile,
} from "../upload.js";
