import { reachableSupplierUser } from "../suppliers/queries.js";
import { and, asc, count, desc, eq, inArray, isNull, like, sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client.js";
import {
  tenderAddenda,
  tenderDocuments,
  tenderInterests,
  tenderQuestions,
  tenders,
  users,
} from "../../db/schema/index.js";
import { findProject, loadSnapshot } from "../projects/queries.js";
import { NotFoundError } from "../../errors.js";
import { procedureOf } from "./drafts.js";
import { presentPublicTender, presentTender } from "./presenter.js";
import { publishMissing } from "./readiness.js";

/**
 * Tendering's reads (docs/tendering.md, setting up and publishing a tender). The other parts of
 * tendering (opportunities, clarifications, submissions, the opening) read a tender through here.
 */

export type TenderRow = typeof tenders.$inferSelect;
export type TenderQuestionRow = typeof tenderQuestions.$inferSelect;
export type TenderDocumentRow = typeof tenderDocuments.$inferSelect;
export type TenderAddendumRow = typeof tenderAddenda.$inferSelect;

/** One tender's row, or null (an id that is no uuid names none). */
export async function findTender(ex: Executor, tenderId: string, options: { lock?: boolean } = {}) {
  if (!z.uuid().safeParse(tenderId).success) return null;
  const query = ex.select().from(tenders).where(eq(tenders.id, tenderId));
  const [row] = options.lock ? await query.for("update") : await query;
  return row ?? null;
}

/** A project's tenders, newest first. */
export async function tendersOfProject(ex: Executor, projectId: string) {
  return ex
    .select()
    .from(tenders)
    .where(eq(tenders.projectId, projectId))
    .orderBy(desc(tenders.createdAt), desc(tenders.id));
}

/** A tender's questions in their order (PQQ and ITT together; the presenter groups them). */
export async function questionsOf(ex: Executor, tenderId: string) {
  return ex
    .select()
    .from(tenderQuestions)
    .where(eq(tenderQuestions.tenderId, tenderId))
    .orderBy(asc(tenderQuestions.position), asc(tenderQuestions.code));
}

/** The pack's documents: the current ones only, or every one with those superseded (App C 5.5). */
export async function documentsOf(ex: Executor, tenderId: string, options: { current?: boolean } = {}) {
  const where = options.current
    ? and(eq(tenderDocuments.tenderId, tenderId), isNull(tenderDocuments.supersededAt))
    : eq(tenderDocuments.tenderId, tenderId);
  return ex
    .select()
    .from(tenderDocuments)
    .where(where)
    .orderBy(asc(tenderDocuments.kind), asc(tenderDocuments.createdAt), asc(tenderDocuments.id));
}

/** One document of a tender's pack, or null. */
export async function findTenderDocument(ex: Executor, tenderId: string, documentId: string) {
  if (!z.uuid().safeParse(documentId).success) return null;
  const [row] = await ex
    .select()
    .from(tenderDocuments)
    .where(and(eq(tenderDocuments.id, documentId), eq(tenderDocuments.tenderId, tenderId)));
  return row ?? null;
}

/** The tender's addenda in their order (App C 5.5). */
export async function addendaOf(ex: Executor, tenderId: string) {
  return ex
    .select({
      id: tenderAddenda.id,
      number: tenderAddenda.number,
      summary: tenderAddenda.summary,
      changes: tenderAddenda.changes,
      createdAt: tenderAddenda.createdAt,
      createdBy: users.name,
    })
    .from(tenderAddenda)
    .leftJoin(users, eq(users.id, tenderAddenda.createdById))
    .where(eq(tenderAddenda.tenderId, tenderId))
    .orderBy(asc(tenderAddenda.number));
}

/** The next addendum's number in the tender's log. */
export async function nextAddendumNumber(ex: Executor, tenderId: string): Promise<number> {
  const [row] = await ex
    .select({ n: sql<number>`coalesce(max(${tenderAddenda.number}), 0)::int` })
    .from(tenderAddenda)
    .where(eq(tenderAddenda.tenderId, tenderId));
  return (row?.n ?? 0) + 1;
}

/** How many tenders already have a reference that begins with `prefix` (e.g. "KDAAT-2026-"). */
export async function referencesWithPrefix(ex: Executor, prefix: string): Promise<number> {
  const [row] = await ex
    .select({ n: count() })
    .from(tenders)
    .where(like(tenders.reference, `${prefix}%`));
  return row?.n ?? 0;
}

/**
 * Where a tender's notices go (App C 5.5): every reachable user (suppliers/queries.ts) of every organisation that
 * registered interest in it.
 */
export async function interestedRecipients(ex: Executor, tenderId: string) {
  const organisationIds = ex
    .select({ id: tenderInterests.organisationId })
    .from(tenderInterests)
    .where(eq(tenderInterests.tenderId, tenderId));
  return ex
    .select({ id: users.id, email: users.email, organisationId: users.organisationId })
    .from(users)
    .where(and(inArray(users.organisationId, organisationIds), reachableSupplierUser()))
    .orderBy(asc(users.email));
}

/** What still stops the tender being published at `now` (the publish button and the 409's `missing`). */
export async function tenderReadiness(ex: Executor, tender: TenderRow, now: Date) {
  const project = await findProject(ex, tender.projectId);
  if (!project) throw new NotFoundError("No project has this id");
  const documents = await documentsOf(ex, tender.id, { current: true });
  return publishMissing({
    procedure: procedureOf(tender),
    project: await loadSnapshot(ex, project),
    packKinds: documents.map((d) => d.kind),
    questions: await questionsOf(ex, tender.id),
    now,
    clarificationDeadline: tender.clarificationDeadline,
    pqqDeadline: tender.pqqDeadline,
    submissionDeadline: tender.submissionDeadline,
  });
}

/** The staff's view of a tender: its questions, every document, its addenda, and what stops publication. */
export async function tenderView(ex: Executor, tender: TenderRow, now: Date) {
  const questions = await questionsOf(ex, tender.id);
  const documents = await documentsOf(ex, tender.id);
  const addenda = await addendaOf(ex, tender.id);
  const missing = tender.status === "draft" ? await tenderReadiness(ex, tender, now) : [];
  return presentTender(tender, { questions, documents, addenda }, missing);
}

/** The public part of a published tender (suppliers, the opportunity page); null for a draft or none. */
export async function publicTenderView(ex: Executor, tenderId: string) {
  const tender = await findTender(ex, tenderId);
  if (tender?.status !== "published") return null;
  const questions = await questionsOf(ex, tender.id);
  const documents = await documentsOf(ex, tender.id, { current: true });
  const addenda = await addendaOf(ex, tender.id);
  return presentPublicTender(tender, { questions, documents, addenda });
}
