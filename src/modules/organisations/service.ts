import { asc, eq, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Actor } from "../../domain/policy.js";
import { isRole } from "../../domain/roles.js";
import type { Db } from "../../db/client.js";
import { organisations, users } from "../../db/schema/index.js";
import { recordAudit } from "../audit/service.js";
import { ConflictError } from "../../errors.js";
import { errorCode } from "../../errors.js";

export const ORGANISATION_KINDS = ["council", "partner", "provider", "supplier"] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

/** How each kind is named on pages: one, and the heading of a group of them. */
export const ORGANISATION_KIND_NAMES: Record<OrganisationKind, { one: string; many: string }> = {
  council: { one: "Council", many: "Councils" },
  partner: { one: "Partner", many: "Partners" },
  provider: { one: "Provider", many: "Providers" },
  supplier: { one: "Supplier", many: "Suppliers" },
};

function optionalText(label: string) {
  return z
    .string()
    .trim()
    .max(50, `${label} must be 50 characters or fewer`)
    .optional()
    .transform((v) => v || undefined);
}

export const CODE_PATTERN_MESSAGE = "Code can only contain letters, numbers, hyphens and underscores";

/** One schema for the page form and the API body (docs/api.md, reference data). */
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
      .regex(/^[A-Za-z0-9_-]*$/, CODE_PATTERN_MESSAGE)
      .optional()
      .transform((v) => (v ? v.toUpperCase() : undefined)),
    companyNumber: optionalText("Company number"),
    charityNumber: optionalText("Charity number"),
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
export type PresentedOrganisation = ReturnType<typeof presentOrganisation>;

/** A unique index refused the row (PostgreSQL 23505), whether the driver wrapped the error or not. */
export function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    if (errorCode(current) === "23505") return true;
    current = "cause" in current ? current.cause : undefined;
  }
  return false;
}

const DUPLICATE_NAME = "An organisation with this name already exists";
const DUPLICATE_CODE = "An organisation with this code already exists";

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

  /** One organisation with the people who belong to it (its detail page). */
  async function getWithMembers(id: string) {
    const organisation = await get(id);
    if (!organisation) return null;
    const rows = await db
      .select({ id: users.id, name: users.name, roles: users.roles, active: users.active })
      .from(users)
      .where(eq(users.organisationId, id))
      .orderBy(asc(users.name));
    return {
      organisation,
      members: rows.map((r) => ({ id: r.id, name: r.name, roles: r.roles.filter(isRole), active: r.active })),
    };
  }

  /** An organisation by its code or exact name (CLI `--org`); a code match wins over a name match. */
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
      .orderBy(sql`(${organisations.code} IS NOT DISTINCT FROM ${value.toUpperCase()}) DESC`)
      .limit(1);
    return row ? presentOrganisation(row) : null;
  }

  async function create(actor: Actor, input: OrganisationInput) {
    try {
      return await db.transaction(async (tx) => {
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
          throw new ConflictError(DUPLICATE_NAME, [{ path: "name", message: DUPLICATE_NAME }]);
        }
        if (clash.length > 0) {
          throw new ConflictError(DUPLICATE_CODE, [{ path: "code", message: DUPLICATE_CODE }]);
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
    } catch (error) {
      // Two requests raced past the check above: the unique index decides, and the answer is the same.
      if (isUniqueViolation(error)) {
        throw new ConflictError("An organisation with this name or code already exists", [
          { path: "name", message: "An organisation with this name or code already exists" },
        ]);
      }
      throw error;
    }
  }

  return { list, get, getWithMembers, findByCodeOrName, create };
}
