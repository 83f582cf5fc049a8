import { desc, eq, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { outbox } from "../../db/schema/index.js";

export type OutboxRow = typeof outbox.$inferSelect;

/** One page of the outbox, newest first, with the number of messages in it. */
export async function outboxPage(ex: Executor, offset: number, limit: number) {
  const [rows, [count]] = await Promise.all([
    ex.select().from(outbox).orderBy(desc(outbox.createdAt), desc(outbox.id)).limit(limit).offset(offset),
    ex.select({ n: sql<number>`count(*)::int` }).from(outbox),
  ]);
  return { rows, total: count?.n ?? 0 };
}

export async function findMessage(ex: Executor, id: string): Promise<OutboxRow | null> {
  const [row] = await ex.select().from(outbox).where(eq(outbox.id, id));
  return row ?? null;
}
