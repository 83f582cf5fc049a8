import { z } from "zod";

/** Shared pieces of the API's route schemas (API.md conventions), so the OpenAPI document shows them. */
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

/** `?limit=` (default 50, max 500) and `?cursor=` for lists. */
export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
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
