import { asc, eq, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Actor } from "../../domain/policy.js";
import type { Db } from "../../db/client.js";
import { organisations } from "../../db/schema/index.js";
import { recordAudit } from "../audit/service.js";
import { ConflictError } from "../../web/problems.js";

export const ORGANISATION_KINDS = ["council", "partner", "provider", "supplier"] as const;

const optionalText = z
  .string()
  .trim()
  .max(50)
  .optional()
  .transform((v) => v || undefined);

/** One schema for the page form and the API body (API.md, reference data). */
export const organisationInput = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "Enter the organisation's name")
      .max(200, "Name must be 200 characters or fewer"),
    kind: z.enum(ORGANISATION_KINDS, { error: "Select what kind of organisation it is" }),
    code: z
      .string()
      .trim()
      .max(20, "Code must be 20 characters or fewer")
      .regex(/^[A-Za-z0-9_-]*$/, "Code can only contain letters, numbers, hyphens and underscores")
      .optional()
      .transform((v) => (v ? v.toUpperCase() : undefined)),
    companyNumber: optionalText,
    charityNumber: optionalText,
  })
  .superRefine((value, ctx) => {
    if (value.kind === "provider" && !value.code) {
      ctx.addIssue({
        code: "custom",
        path: ["code"],
        message: "Enter a code for the provider (data files call it provider_code)",
      });
    }
  });
export type OrganisationInput = z.output<typeof organisationInput>;

export function presentOrganisation(row: typeof organisations.$inferSelect) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    code: row.code,
    companyNumber: row.companyNumber,
    charityNumber: row.charityNumber,
    version: row.version,
  };
}

export function createOrganisationsService(db: Db) {
  async function list() {
    const rows = await db
      .select()
      .from(organisations)
      .orderBy(asc(organisations.kind), asc(organisations.name));
    return rows.map(presentOrganisation);
  }

  async function get(id: string) {
    const [row] = await db.select().from(organisations).where(eq(organisations.id, id));
    return row ? presentOrganisation(row) : null;
  }

  /** An organisation by its code or exact name (CLI `--org`). */
  async function findByCodeOrName(value: string) {
    const [row] = await db
      .select()
      .from(organisations)
      .where(
        or(
          eq(organisations.code, value.toUpperCase()),
          eq(sql`lower(${organisations.name})`, value.toLowerCase()),
        ),
      )
      .limit(1);
    return row ? presentOrganisation(row) : null;
  }

  async function create(actor: Actor, input: OrganisationInput) {
    return db.transaction(async (tx) => {
      const clash = await tx
        .select({ name: organisations.name, code: organisations.code })
        .from(organisations)
        .where(
          or(
            eq(sql`lower(${organisations.name})`, input.name.toLowerCase()),
            input.code ? eq(organisations.code, input.code) : sql`false`,
          ),
        );
      if (clash.some((c) => c.name.toLowerCase() === input.name.toLowerCase())) {
        throw new ConflictError("An organisation with this name already exists", [
          { path: "name", message: "An organisation with this name already exists" },
        ]);
      }
      if (clash.length > 0) {
        throw new ConflictError("An organisation with this code already exists", [
          { path: "code", message: "An organisation with this code already exists" },
        ]);
      }
      const [row] = await tx.insert(organisations).values(input).returning();
      if (!row) throw new Error("organisation not stored");
      await recordAudit(tx, actor, {
        entityType: "organisation",
        entityId: row.id,
        action: "created",
        summary: { ...input },
      });
      return presentOrganisation(row);
    });
  }

  return { list, get, findByCodeOrName, create };
}
