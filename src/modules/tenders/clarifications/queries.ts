import { reachableSupplierUser } from "../../suppliers/queries.js";
import { and, asc, eq, or, sql } from "drizzle-orm";
import type { Executor } from "../../../db/client.js";
import { clarifications, organisations, tenderInterests, users } from "../../../db/schema/index.js";

const answerColumns = {
  id: clarifications.id,
  tenderId: clarifications.tenderId,
  number: clarifications.number,
  question: clarifications.question,
  answer: clarifications.answer,
  visibility: clarifications.visibility,
  answeredAt: clarifications.answeredAt,
};

/** The answers published to every supplier, by number: the question and answer only, never who asked. */
export async function publishedAnswerRows(db: Executor, tenderId: string) {
  return db
    .select(answerColumns)
    .from(clarifications)
    .where(and(eq(clarifications.tenderId, tenderId), eq(clarifications.visibility, "all")))
    .orderBy(asc(clarifications.number));
}

/** Staff: the whole log, with the asking organisation and the private reasons. */
export async function clarificationLogRows(db: Executor, tenderId: string) {
  return db
    .select({
      ...answerColumns,
      organisationId: clarifications.organisationId,
      organisationName: organisations.name,
      privateReason: clarifications.privateReason,
      askedAt: clarifications.createdAt,
      answeredByName: users.name,
    })
    .from(clarifications)
    .innerJoin(organisations, eq(organisations.id, clarifications.organisationId))
    .leftJoin(users, eq(users.id, clarifications.answeredById))
    .where(eq(clarifications.tenderId, tenderId))
    .orderBy(asc(clarifications.number));
}
export type ClarificationLogRow = Awaited<ReturnType<typeof clarificationLogRows>>[number];

/**
 * A supplier's view of the log: published answers, and its own organisation's questions with their
 * private answers. Nothing that names an organisation is selected.
 */
export async function supplierLogRows(db: Executor, tenderId: string, organisationId: string) {
  return db
    .select({
      ...answerColumns,
      askedAt: clarifications.createdAt,
      ours: sql<boolean>`${clarifications.organisationId} = ${organisationId}`,
      privateReason: sql<string | null>`CASE WHEN ${clarifications.organisationId} = ${organisationId}
        THEN ${clarifications.privateReason} END`,
    })
    .from(clarifications)
    .where(
      and(
        eq(clarifications.tenderId, tenderId),
        or(eq(clarifications.visibility, "all"), eq(clarifications.organisationId, organisationId)),
      ),
    )
    .orderBy(asc(clarifications.number));
}
export type SupplierLogRow = Awaited<ReturnType<typeof supplierLogRows>>[number];

export async function findClarification(db: Executor, id: string) {
  const [row] = await db.select().from(clarifications).where(eq(clarifications.id, id));
  return row ?? null;
}

/** The next number in the tender's log. */
export async function nextClarificationNumber(db: Executor, tenderId: string): Promise<number> {
  const [row] = await db
    .select({ last: sql<number>`coalesce(max(${clarifications.number}), 0)::int` })
    .from(clarifications)
    .where(eq(clarifications.tenderId, tenderId));
  return (row?.last ?? 0) + 1;
}

/**
 * Who hears of an answer (App C 5.5): every reachable user (suppliers/queries.ts) of the organisations named, or of
 * every organisation that registered interest in the tender when none are named.
 */
export async function recipientEmails(
  db: Executor,
  tenderId: string,
  organisationId?: string,
): Promise<string[]> {
  const orgCondition = organisationId
    ? eq(users.organisationId, organisationId)
    : sql`${users.organisationId} IN (SELECT ${tenderInterests.organisationId} FROM ${tenderInterests}
        WHERE ${tenderInterests.tenderId} = ${tenderId})`;
  const rows = await db
    .select({ email: users.email })
    .from(users)
    .where(and(orgCondition, reachableSupplierUser()))
    .orderBy(asc(users.email));
  return [...new Set(rows.map((r) => r.email))];
}
