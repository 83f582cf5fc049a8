import { z } from "zod";

/** Shared pieces of the API's route schemas (docs/api.md conventions), so the OpenAPI document shows them. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .loose()
  .describe("RFC 9457 problem document");

export const problemResponses = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
} as const;

/**
 * The largest offset a list cursor may name: no list of this service comes near it, and a larger one
 * reached the database as an OFFSET it refuses (a 500 where a 400 was due).
 */
export const MAX_CURSOR_OFFSET = 1_000_000_000;
export const CURSOR_MESSAGE = "This cursor was not given by this service: start again from the first page";

/** A cursor is an opaque offset; one that names an offset past any list is refused (400, `cursor`). */
export function cursorWithinLists(cursor: string): boolean {
  const text = Buffer.from(cursor, "base64url").toString();
  return !/^\d+$/.test(text) || Number(text) <= MAX_CURSOR_OFFSET;
}

export const cursorSchema = z.string().max(200).refine(cursorWithinLists, CURSOR_MESSAGE);

/** `?limit=` (default 50, max 500) and `?cursor=` for lists. */
export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: cursorSchema.optional(),
});

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().optional() });
}

/** Pages an in-memory list for small reference lists; the cursor is the offset, opaque to clients. */
export function pageList<T>(all: T[], query: { limit: number; cursor?: string | undefined }) {
  const start = query.cursor
    ? Number.parseInt(Buffer.from(query.cursor, "base64url").toString(), 10) || 0
    : 0;
  const items = all.slice(start, start + query.limit);
  const next =
    start + query.limit < all.length
      ? Buffer.from(String(start + query.limit)).toString("base64url")
      : undefined;
  return next ? { items, nextCursor: next } : { items };
}
