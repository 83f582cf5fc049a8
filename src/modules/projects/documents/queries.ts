import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Executor } from "../../../db/client.js";
import { documentVersions, projectDocuments, users } from "../../../db/schema/index.js";

/** Reads of a project's documents and their versions. */

export async function findDocument(ex: Executor, documentId: string, options: { lock?: boolean } = {}) {
  const query = ex.select().from(projectDocuments).where(eq(projectDocuments.id, documentId));
  const [row] = options.lock ? await query.for("update") : await query;
  return row ?? null;
}

/** The document of this kind and title in the project (titles match whatever their case). */
export async function findDocumentByTitle(ex: Executor, projectId: string, kind: string, title: string) {
  const [row] = await ex
    .select()
    .from(projectDocuments)
    .where(
      and(
        eq(projectDocuments.projectId, projectId),
        eq(projectDocuments.kind, kind),
        eq(sql`lower(${projectDocuments.title})`, title.toLowerCase()),
      ),
    )
    .limit(1);
  return row ?? null;
}

/** Every document of a project with all its versions, newest version first. */
export async function documentsWithVersions(ex: Executor, projectId: string) {
  const docs = await ex
    .select()
    .from(projectDocuments)
    .where(eq(projectDocuments.projectId, projectId))
    .orderBy(asc(projectDocuments.kind), asc(projectDocuments.title));
  if (docs.length === 0) return [];
  const versions = await ex
    .select({
      documentId: documentVersions.documentId,
      version: documentVersions.version,
      sha256: documentVersions.sha256,
      bytes: documentVersions.bytes,
      mediaType: documentVersions.mediaType,
      fileName: documentVersions.fileName,
      uploadedAt: documentVersions.createdAt,
      uploadedBy: users.name,
    })
    .from(documentVersions)
    .leftJoin(users, eq(users.id, documentVersions.uploadedById))
    .where(
      inArray(
        documentVersions.documentId,
        docs.map((d) => d.id),
      ),
    )
    .orderBy(desc(documentVersions.version));
  return docs.map((d) => ({ ...d, versions: versions.filter((v) => v.documentId === d.id) }));
}

export async function findVersion(ex: Executor, documentId: string, version: number) {
  const [row] = await ex
    .select()
    .from(documentVersions)
    .where(and(eq(documentVersions.documentId, documentId), eq(documentVersions.version, version)));
  return row ?? null;
}

/** Whether the user uploaded any version of the document (separation of duties). */
export async function uploadedAVersion(ex: Executor, documentId: string, userId: string) {
  const [row] = await ex
    .select({ id: documentVersions.id })
    .from(documentVersions)
    .where(and(eq(documentVersions.documentId, documentId), eq(documentVersions.uploadedById, userId)))
    .limit(1);
  return Boolean(row);
}
