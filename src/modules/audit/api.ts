import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { problemResponses } from "../../web/api-schemas.js";
import { requireApi } from "../../web/guards.js";
import { ValidationError } from "../../errors.js";
import { listAudit } from "./service.js";

const auditItem = z.object({
  seq: z.number().int().describe("position in the hash chain (ADR 0003)"),
  at: z.string().describe("when, ISO 8601 with offset"),
  actor: z.string().describe("who: the person's name and email, or the system"),
  actorId: z.uuid().nullable().describe("the person's user id; null for the system"),
  action: z.string(),
  subjectType: z
    .string()
    .describe("what kind of record changed, e.g. organisation, decision, governance-body"),
  subjectId: z.string(),
  summary: z.record(z.string(), z.unknown()).describe("what changed"),
});

const auditQuery = z.object({
  action: z.string().trim().max(100).optional(),
  subjectType: z.string().trim().max(100).optional(),
  subjectId: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

/** The cursor is the chain position to continue below, opaque to clients. */
function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${String(seq)}`).toString("base64url");
}

function decodeCursor(cursor: string): number {
  const seq = /^seq:(\d{1,12})$/.exec(Buffer.from(cursor, "base64url").toString())?.[1];
  if (!seq)
    throw new ValidationError([{ path: "cursor", message: "Use the nextCursor of the previous page" }]);
  return Number(seq);
}

function isoInstant(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** GET /api/v1/audit (docs/api.md): the audit page's twin for administrators, newest first. */
export const auditApi: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.services.database;
  app.get(
    "/api/v1/audit",
    {
      preHandler: requireApi("audit:read"),
      schema: {
        tags: ["reference data"],
        summary: "The audit trail, newest first, filtered by action and subject (administrators)",
        querystring: auditQuery,
        response: {
          200: z.object({ items: z.array(auditItem), nextCursor: z.string().optional() }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { action, subjectType, subjectId, limit, cursor } = request.query;
      const { items, nextBefore } = await listAudit(db, {
        action: action || undefined,
        entityType: subjectType || undefined,
        entityId: subjectId || undefined,
        before: cursor ? decodeCursor(cursor) : undefined,
        limit,
      });
      const page = items.map((r) => ({
        seq: r.seq,
        at: isoInstant(r.at),
        actor: r.actorLabel,
        actorId: r.actorId,
        action: r.action,
        subjectType: r.entityType,
        subjectId: r.entityId,
        summary: r.summary,
      }));
      return nextBefore ? { items: page, nextCursor: encodeCursor(nextBefore) } : { items: page };
    },
  );
};
