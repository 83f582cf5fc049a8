import { and, asc, desc, eq, gte, ilike, lte, or, sql, type SQL } from "drizzle-orm";
import type { Executor } from "../../../db/client.js";
import {
  organisations,
  programmes,
  projects,
  tenderDocuments,
  tenderDownloads,
  tenderInterests,
  tenders,
  users,
} from "../../../db/schema/index.js";

/** What a search for opportunities asks (docs/tendering.md, "Finding opportunities"). */
export interface OpportunityFilters {
  q?: string | undefined;
  programme?: string | undefined;
  minValuePence?: number | undefined;
  maxValuePence?: number | undefined;
  /** Instants: the closing deadline is on or before / on or after them. */
  closingBefore?: Date | undefined;
  closingAfter?: Date | undefined;
  includeClosed?: boolean | undefined;
}

/**
 * The deadline a supplier races: a restricted tender's PQQ deadline while it is still ahead, else the
 * tender deadline (App C 5.2, 5.4). The same rule as `closingAt` in the presenter, in SQL.
 */
function closingSql(now: Date): SQL<Date> {
  return sql<Date>`CASE WHEN ${tenders.procedure} = 'restricted' AND ${tenders.pqqDeadline} IS NOT NULL
    AND ${tenders.pqqDeadline} > ${now.toISOString()}::timestamptz
    THEN ${tenders.pqqDeadline} ELSE ${tenders.submissionDeadline} END`;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const opportunityColumns = {
  id: tenders.id,
  reference: tenders.reference,
  title: tenders.title,
  description: tenders.description,
  procedure: tenders.procedure,
  lots: tenders.lots,
  valuePence: tenders.valuePence,
  status: tenders.status,
  publishedAt: tenders.publishedAt,
  clarificationDeadline: tenders.clarificationDeadline,
  pqqDeadline: tenders.pqqDeadline,
  submissionDeadline: tenders.submissionDeadline,
  plannedAwardOn: tenders.plannedAwardOn,
  projectId: tenders.projectId,
  programmeCode: projects.programmeCode,
  programmeName: programmes.name,
};

/** Published, not cancelled tenders matching the filters, closing soonest first. */
export async function opportunityRows(db: Executor, filters: OpportunityFilters, now: Date) {
  const closing = closingSql(now);
  const conditions: SQL[] = [eq(tenders.status, "published")];
  if (!filters.includeClosed) conditions.push(sql`${closing} > ${now.toISOString()}::timestamptz`);
  if (filters.q) {
    const pattern = `%${escapeLike(filters.q)}%`;
    const text = or(ilike(tenders.title, pattern), ilike(tenders.description, pattern));
    if (text) conditions.push(text);
  }
  if (filters.programme) conditions.push(eq(projects.programmeCode, filters.programme));
  if (filters.minValuePence !== undefined) conditions.push(gte(tenders.valuePence, filters.minValuePence));
  if (filters.maxValuePence !== undefined) conditions.push(lte(tenders.valuePence, filters.maxValuePence));
  if (filters.closingBefore)
    conditions.push(sql`${closing} <= ${filters.closingBefore.toISOString()}::timestamptz`);
  if (filters.closingAfter)
    conditions.push(sql`${closing} >= ${filters.closingAfter.toISOString()}::timestamptz`);
  return db
    .select(opportunityColumns)
    .from(tenders)
    .innerJoin(projects, eq(projects.id, tenders.projectId))
    .leftJoin(programmes, eq(programmes.code, projects.programmeCode))
    .where(and(...conditions))
    .orderBy(asc(closing), asc(tenders.reference));
}
export type OpportunityRow = Awaited<ReturnType<typeof opportunityRows>>[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A tender with its programme, whatever its status (callers decide what a draft shows); null for a non-id. */
export async function findTender(db: Executor, id: string) {
  if (!UUID.test(id)) return null;
  const [row] = await db
    .select(opportunityColumns)
    .from(tenders)
    .innerJoin(projects, eq(projects.id, tenders.projectId))
    .leftJoin(programmes, eq(programmes.code, projects.programmeCode))
    .where(eq(tenders.id, id));
  return row ?? null;
}
export type TenderRow = NonNullable<Awaited<ReturnType<typeof findTender>>>;

/** The programmes, for the filter's choices. */
export async function programmeChoices(db: Executor) {
  return db
    .select({ code: programmes.code, name: programmes.name })
    .from(programmes)
    .orderBy(asc(programmes.name));
}

/** The pack: current documents first, then the superseded ones, each by title. */
export async function packDocuments(db: Executor, tenderId: string) {
  return db
    .select({
      id: tenderDocuments.id,
      kind: tenderDocuments.kind,
      title: tenderDocuments.title,
      fileName: tenderDocuments.fileName,
      bytes: tenderDocuments.bytes,
      mediaType: tenderDocuments.mediaType,
      sha256: tenderDocuments.sha256,
      supersededAt: tenderDocuments.supersededAt,
      createdAt: tenderDocuments.createdAt,
    })
    .from(tenderDocuments)
    .where(eq(tenderDocuments.tenderId, tenderId))
    .orderBy(
      sql`${tenderDocuments.supersededAt} IS NOT NULL`,
      asc(tenderDocuments.title),
      desc(tenderDocuments.createdAt),
    );
}
export type PackDocumentRow = Awaited<ReturnType<typeof packDocuments>>[number];

export async function findPackDocument(db: Executor, tenderId: string, documentId: string) {
  if (!UUID.test(documentId)) return null;
  const [row] = await db
    .select()
    .from(tenderDocuments)
    .where(and(eq(tenderDocuments.tenderId, tenderId), eq(tenderDocuments.id, documentId)));
  return row ?? null;
}

/** The organisation's registered interest in the tender, or null. */
export async function findInterest(db: Executor, tenderId: string, organisationId: string) {
  const [row] = await db
    .select()
    .from(tenderInterests)
    .where(and(eq(tenderInterests.tenderId, tenderId), eq(tenderInterests.organisationId, organisationId)));
  return row ?? null;
}

/** Staff: every supplier download of the tender's pack, newest first (App C 5). */
export async function downloadRows(db: Executor, tenderId: string) {
  return db
    .select({
      id: tenderDownloads.id,
      at: tenderDownloads.createdAt,
      documentId: tenderDownloads.documentId,
      documentTitle: tenderDocuments.title,
      fileName: tenderDocuments.fileName,
      superseded: sql<boolean>`${tenderDocuments.supersededAt} IS NOT NULL`,
      organisationName: organisations.name,
      userName: users.name,
    })
    .from(tenderDownloads)
    .innerJoin(tenderDocuments, eq(tenderDocuments.id, tenderDownloads.documentId))
    .leftJoin(organisations, eq(organisations.id, tenderDownloads.organisationId))
    .leftJoin(users, eq(users.id, tenderDownloads.userId))
    .where(eq(tenderDownloads.tenderId, tenderId))
    .orderBy(desc(tenderDownloads.createdAt));
}
export type DownloadRow = Awaited<ReturnType<typeof downloadRows>>[number];
