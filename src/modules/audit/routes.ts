import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { listAudit, listAuditKinds, verifyAuditChain } from "./service.js";

const PAGE_SIZE = 50;
/** The on-demand chain check (paths.ts has no entry for it yet). */
export const AUDIT_VERIFY_PATH = paths.auditVerify;

/** A filter field: trimmed; empty or unusable means "not filtered", never an error page. */
const filterText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => v || undefined)
    .catch(undefined);

export const auditQuery = z.object({
  entityType: filterText(100),
  action: filterText(100),
  actor: filterText(200),
  entityId: filterText(200),
  before: z.coerce.number().int().positive().optional().catch(undefined),
});
export type AuditQuery = z.output<typeof auditQuery>;

function humanise(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : key;
}

function readable(value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return "none";
    if (value.every((v) => v === null || typeof v !== "object")) return value.map(readable).join(", ");
  }
  return JSON.stringify(value);
}

/**
 * Pieces of a long value (an email address, an id) that a line may break between: after - @ . _ / :
 * and every 20 characters of anything else. The template joins them with <wbr>, escaping each.
 */
export function breakable(text: string): string[] {
  const parts: string[] = [];
  for (const piece of text.match(/[^-@._/:]*[-@._/:]?/g) ?? []) {
    if (!piece) continue;
    for (let i = 0; i < piece.length; i += 20) parts.push(piece.slice(i, i + 20));
  }
  return parts.length ? parts : [text];
}

/** A change summary as key: value pairs for a <dl>; the template escapes every value. */
export function presentSummary(
  summary: Record<string, unknown>,
): { key: string; value: string; parts: string[] }[] {
  return Object.entries(summary)
    .filter(([, v]) => v !== undefined)
    .map(([key, value]) => {
      const text = readable(value);
      return { key: humanise(key), value: text, parts: breakable(text) };
    });
}

function isoInstant(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** The filter as a query string, for pagination links that keep it. */
export function auditHref(query: Partial<AuditQuery>, before?: number): string {
  const params = new URLSearchParams();
  for (const key of ["entityType", "action", "actor", "entityId"] as const) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  if (before) params.set("before", String(before));
  const text = params.toString();
  return text ? `${paths.audit}?${text}` : paths.audit;
}

function options(values: string[], selected: string | undefined, anyText: string) {
  // A filter value no longer in the list still shows as chosen, so the form says what is applied.
  const all = selected && !values.includes(selected) ? [...values, selected] : values;
  return [
    { value: "", text: anyText, selected: !selected },
    ...all.map((v) => ({ value: v, text: v, selected: v === selected })),
  ];
}

/** The audit log (docs/architecture.md, data rules): administrators read it; nobody changes it. */
export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.services.database;

  app.get(
    paths.audit,
    { preHandler: requirePage("audit:read"), schema: { hide: true, querystring: auditQuery } },
    async (request, reply) => {
      const query = request.query;
      const { items, nextBefore } = await listAudit(db, { ...query, limit: PAGE_SIZE });
      const kinds = await listAuditKinds(db);
      const filtered = Boolean(query.entityType || query.action || query.actor || query.entityId);
      return reply.view("audit/views/audit.njk", {
        pageTitle: "Audit log",
        query,
        filtered,
        entityTypeItems: options(kinds.entityTypes, query.entityType, "Any entity type"),
        actionItems: options(kinds.actions, query.action, "Any action"),
        records: items.map((r) => ({
          seq: r.seq,
          at: isoInstant(r.at),
          actorLabel: r.actorLabel,
          actorParts: breakable(r.actorLabel),
          entityType: r.entityType,
          entityIdParts: breakable(r.entityId),
          action: r.action,
          summary: presentSummary(r.summary),
        })),
        pagination:
          nextBefore || query.before
            ? {
                ...(query.before ? { previous: { href: auditHref(query), text: "Newest records" } } : {}),
                ...(nextBefore
                  ? { next: { href: auditHref(query, nextBefore), text: "Older records" } }
                  : {}),
              }
            : null,
        clearHref: paths.audit,
        verifyHref: AUDIT_VERIFY_PATH,
      });
    },
  );

  app.get(
    AUDIT_VERIFY_PATH,
    { preHandler: requirePage("audit:read"), schema: { hide: true } },
    async (_request, reply) => {
      const verdict = await verifyAuditChain(db);
      return reply.view("audit/views/verify.njk", {
        pageTitle: verdict.ok ? "The audit trail is intact" : "The audit trail is broken",
        verdict,
        brokenHref: verdict.ok ? null : auditHref({}, verdict.brokenAt.seq + 1),
      });
    },
  );
};
