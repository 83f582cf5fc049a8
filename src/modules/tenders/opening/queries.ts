import { reachableSupplierUser } from "../../suppliers/queries.js";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Executor } from "../../../db/client.js";
import {
  organisations,
  submissionCompliance,
  tenderOpenings,
  tenderQuestions,
  tenderSubmissions,
  tenders,
  users,
} from "../../../db/schema/index.js";
import type { Section } from "../../../domain/tendering.js";

/** The opening's reads (App C 5.6–5.7): the tender, its questions, its submissions and its openings. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

export type TenderRow = typeof tenders.$inferSelect;

/** The tender, or null (an id that is no uuid names none). */
export async function findTender(ex: Executor, tenderId: string): Promise<TenderRow | null> {
  if (!isUuid(tenderId)) return null;
  const [row] = await ex.select().from(tenders).where(eq(tenders.id, tenderId)).limit(1);
  return row ?? null;
}

/** The tender's row locked for this transaction: openings of one tender happen one at a time. */
export async function lockTender(ex: Executor, tenderId: string): Promise<void> {
  await ex.execute(sql`SELECT id FROM tenders WHERE id = ${tenderId} FOR UPDATE`);
}

/** The section's questions, in their order. */
export async function sectionQuestions(ex: Executor, tenderId: string, section: Section) {
  return ex
    .select({ code: tenderQuestions.code, kind: tenderQuestions.kind, text: tenderQuestions.text })
    .from(tenderQuestions)
    .where(and(eq(tenderQuestions.tenderId, tenderId), eq(tenderQuestions.section, section)))
    .orderBy(asc(tenderQuestions.position), asc(tenderQuestions.code));
}

/** Every submission of the section that is not a draft, with its organisation's name, earliest first. */
export async function sectionSubmissions(ex: Executor, tenderId: string, section: Section) {
  return ex
    .select({
      id: tenderSubmissions.id,
      organisationId: tenderSubmissions.organisationId,
      organisationName: organisations.name,
      status: tenderSubmissions.status,
      sealedContent: tenderSubmissions.sealedContent,
      lotCodes: tenderSubmissions.lotCodes,
      submittedAt: tenderSubmissions.submittedAt,
      sha256: tenderSubmissions.sha256,
    })
    .from(tenderSubmissions)
    .innerJoin(organisations, eq(organisations.id, tenderSubmissions.organisationId))
    .where(and(eq(tenderSubmissions.tenderId, tenderId), eq(tenderSubmissions.section, section)))
    .orderBy(asc(tenderSubmissions.submittedAt), asc(organisations.name));
}

export type OpeningRow = typeof tenderOpenings.$inferSelect;

/** The tender's recorded openings (PQQ first, then ITT). */
export async function openingsOf(ex: Executor, tenderId: string): Promise<OpeningRow[]> {
  if (!isUuid(tenderId)) return [];
  return ex
    .select()
    .from(tenderOpenings)
    .where(eq(tenderOpenings.tenderId, tenderId))
    .orderBy(asc(tenderOpenings.openedAt));
}

export async function findOpening(ex: Executor, tenderId: string, section: Section) {
  const [row] = await ex
    .select()
    .from(tenderOpenings)
    .where(and(eq(tenderOpenings.tenderId, tenderId), eq(tenderOpenings.section, section)))
    .limit(1);
  return row ?? null;
}

export type ComplianceRow = typeof submissionCompliance.$inferSelect & { section: Section };

/** The compliance of the tender's opened submissions. */
export async function complianceOf(ex: Executor, tenderId: string): Promise<ComplianceRow[]> {
  if (!isUuid(tenderId)) return [];
  const rows = await ex
    .select({ c: submissionCompliance, section: tenderSubmissions.section })
    .from(submissionCompliance)
    .innerJoin(tenderSubmissions, eq(tenderSubmissions.id, submissionCompliance.submissionId))
    .where(eq(tenderSubmissions.tenderId, tenderId));
  return rows.map((r) => ({ ...r.c, section: r.section }));
}

/** One submission of the tender with its section and status, or null. */
export async function findSubmission(ex: Executor, tenderId: string, submissionId: string) {
  if (!isUuid(submissionId)) return null;
  const [row] = await ex
    .select({
      id: tenderSubmissions.id,
      section: tenderSubmissions.section,
      status: tenderSubmissions.status,
      organisationId: tenderSubmissions.organisationId,
    })
    .from(tenderSubmissions)
    .where(and(eq(tenderSubmissions.id, submissionId), eq(tenderSubmissions.tenderId, tenderId)))
    .limit(1);
  return row ?? null;
}

/** People by id: name, roles and whether active (the opener and witnesses). */
export async function usersByIds(ex: Executor, ids: string[]) {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  return ex
    .select({ id: users.id, name: users.name, roles: users.roles, active: users.active })
    .from(users)
    .where(inArray(users.id, valid));
}

/** Active procurement officers other than `exceptId`: who may witness an opening (App C 5.6). */
export async function possibleWitnesses(ex: Executor, exceptId: string | null) {
  const rows = await ex
    .select({ id: users.id, name: users.name })
    .from(users)
    .where(and(eq(users.active, true), sql`'procurement-officer' = ANY(${users.roles})`))
    .orderBy(asc(users.name));
  return rows.filter((r) => r.id !== exceptId);
}

/** The reachable users of the organisations (suppliers/queries.ts): those a supplier's messages go to. */
export async function supplierRecipients(ex: Executor, organisationIds: string[]) {
  if (organisationIds.length === 0) return [];
  return ex
    .select({ id: users.id, email: users.email, organisationId: users.organisationId })
    .from(users)
    .where(and(inArray(users.organisationId, organisationIds), reachableSupplierUser()))
    .orderBy(asc(users.email));
}
