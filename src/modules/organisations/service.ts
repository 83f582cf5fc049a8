import { z } from "zod";
import type { Actor } from "../../domain/policy.js";
import type { Db } from "../../db/client.js";
import { organisations } from "../../db/schema/index.js";
import { recordAudit } from "../audit/service.js";
import { ConflictError } from "../../errors.js";
import { errorCode } from "../../errors.js";
import { presentOrganisation } from "./presenter.js";
import {
  findByCodeOrName,
  getOrganisation,
  listOrganisations,
  nameOrCodeClashes,
  organisationMembers,
} from "./queries.js";

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

export type { PresentedOrganisation } from "./presenter.js";

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

async function create(db: Db, actor: Actor, input: OrganisationInput) {
  try {
    return await db.transaction(async (tx) => {
      const clash = await nameOrCodeClashes(tx, input.name, input.code);
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

/** One organisation with the people who belong to it (its detail page). */
async function getWithMembers(db: Db, id: string) {
  const organisation = await getOrganisation(db, id);
  if (!organisation) return null;
  return { organisation, members: await organisationMembers(db, id) };
}

export function createOrganisationsService(db: Db) {
  return {
    list: () => listOrganisations(db),
    get: (id: string) => getOrganisation(db, id),
    getWithMembers: (id: string) => getWithMembers(db, id),
    /** An organisation by its code or exact name (CLI `--org`); a code match wins over a name match. */
    findByCodeOrName: (value: string) => findByCodeOrName(db, value),
    create: (actor: Actor, input: OrganisationInput) => create(db, actor, input),
  };
}
