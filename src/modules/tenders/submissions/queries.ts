import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Executor } from "../../../db/client.js";
import {
  organisations,
  submissionFiles,
  tenderInterests,
  tenderOpenings,
  tenderQuestions,
  tenders,
  tenderSubmissions,
  users,
} from "../../../db/schema/index.js";
import type { Section } from "../../../domain/tendering.js";

/** Sealed submissions' reads (docs/tendering.md). None of them opens sealed content: service.ts does. */

export async function findTender(ex: Executor, tenderId: string) {
  const [row] = await ex.select().from(tenders).where(eq(tenders.id, tenderId));
  return row ?? null;
}

export async function sectionQuestions(ex: Executor, tenderId: string, section: Section) {
  return ex
    .select()
    .from(tenderQuestions)
    .where(and(eq(tenderQuestions.tenderId, tenderId), eq(tenderQuestions.section, section)))
    .orderBy(asc(tenderQuestions.position));
}

/** The organisation's interest in the tender; `lock` holds it for the transaction (one submission at a time). */
export async function findInterest(ex: Executor, tenderId: string, organisationId: string, lock = false) {
  const query = ex
    .select()
    .from(tenderInterests)
    .where(and(eq(tenderInterests.tenderId, tenderId), eq(tenderInterests.organisationId, organisationId)));
  const [row] = lock ? await query.for("update") : await query;
  return row ?? null;
}

export async function findOpening(ex: Executor, tenderId: string, section: Section) {
  const [row] = await ex
    .select()
    .from(tenderOpenings)
    .where(and(eq(tenderOpenings.tenderId, tenderId), eq(tenderOpenings.section, section)));
  return row ?? null;
}

/** The organisation's rows in one section, newest first. */
export async function organisationSubmissions(
  ex: Executor,
  tenderId: string,
  organisationId: string,
  section: Section,
) {
  return ex
    .select()
    .from(tenderSubmissions)
    .where(
      and(
        eq(tenderSubmissions.tenderId, tenderId),
        eq(tenderSubmissions.organisationId, organisationId),
        eq(tenderSubmissions.section, section),
      ),
    )
    .orderBy(desc(tenderSubmissions.createdAt));
}

/** How many submissions the section holds now: all the staff may know before the opening. */
export async function submittedCount(ex: Executor, tenderId: string, section: Section): Promise<number> {
  const [row] = await ex
    .select({ n: sql<number>`count(*)::int` })
    .from(tenderSubmissions)
    .where(
      and(
        eq(tenderSubmissions.tenderId, tenderId),
        eq(tenderSubmissions.section, section),
        eq(tenderSubmissions.status, "submitted"),
      ),
    );
  return row?.n ?? 0;
}

/** The section's submitted rows with their organisations' names, earliest first (after the opening). */
export async function submittedRows(ex: Executor, tenderId: string, section: Section) {
  return ex
    .select({ submission: tenderSubmissions, organisationName: organisations.name })
    .from(tenderSubmissions)
    .innerJoin(organisations, eq(organisations.id, tenderSubmissions.organisationId))
    .where(
      and(
        eq(tenderSubmissions.tenderId, tenderId),
        eq(tenderSubmissions.section, section),
        eq(tenderSubmissions.status, "submitted"),
      ),
    )
    .orderBy(asc(tenderSubmissions.submittedAt));
}

export async function filesOf(ex: Executor, submissionIds: string[]) {
  if (submissionIds.length === 0) return [];
  return ex
    .select({
      id: submissionFiles.id,
      submissionId: submissionFiles.submissionId,
      questionCode: submissionFiles.questionCode,
      sealedName: submissionFiles.sealedName,
      sha256: submissionFiles.sha256,
      bytes: submissionFiles.bytes,
      iv: submissionFiles.iv,
      authTag: submissionFiles.authTag,
      mediaType: submissionFiles.mediaType,
      blobSha256: sql<string>`(select b.sha256 from blobs b where b.id = ${submissionFiles.blobId})`,
    })
    .from(submissionFiles)
    .where(inArray(submissionFiles.submissionId, submissionIds))
    .orderBy(asc(submissionFiles.createdAt), asc(submissionFiles.id));
}

/** A file with its submission, for a download after the opening. */
export async function findFile(ex: Executor, fileId: string) {
  const [row] = await ex
    .select({ file: submissionFiles, submission: tenderSubmissions })
    .from(submissionFiles)
    .innerJoin(tenderSubmissions, eq(tenderSubmissions.id, submissionFiles.submissionId))
    .where(eq(submissionFiles.id, fileId));
  return row ?? null;
}

export async function userEmail(ex: Executor, userId: string): Promise<string | null> {
  const [row] = await ex.select({ email: users.email }).from(users).where(eq(users.id, userId));
  return row?.email ?? null;
}

export async function organisationName(ex: Executor, organisationId: string): Promise<string> {
  const [row] = await ex
    .select({ name: organisations.name })
    .from(organisations)
    .where(eq(organisations.id, organisationId));
  return row?.name ?? "";
}
