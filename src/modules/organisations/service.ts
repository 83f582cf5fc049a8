import { z } from "zod";
import type { Actor } from "../../domain/policy.js";
import type { Db, Executor } from "../../db/client.js";
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

/** A yes/no question: a boolean in the API, the radios' "yes" or "no" on a page. */
function yesNo(question: string) {
  return z
    .union([z.boolean(), z.enum(["yes", "no"]).transform((v) => v === "yes")], {
      error: `Select whether ${question}`,
    })
    .optional();
}

/**
 * What a supplier organisation carries beside its name and numbers (docs/tendering.md, supplier
 * accounts): its postal address, whether it is a small or medium-sized enterprise (SME) or a voluntary,
 * community or social enterprise (VCSE), and where notices go when no person is named. Optional when
 * staff add a supplier; a supplier that registers itself gives them all (the suppliers module).
 */
export const supplierFields = {
  address: z
    .string()
    .trim()
    .max(500, "Address must be 500 characters or fewer")
    .transform((v) => v || undefined)
    .optional(),
  sme: yesNo("it is a small or medium-sized enterprise (SME)"),
  vcse: yesNo("it is a voluntary, community or social enterprise (VCSE)"),
  contactEmail: z
    .string()
    .trim()
    .max(320, "Contact email address must be 320 characters or fewer")
    .optional()
    .transform((v) => v?.toLowerCase() || undefined)
    .pipe(z.email("Enter the contact email address in the correct format, like name@example.org").optional()),
};
const SUPPLIER_ONLY_FIELDS = ["address", "sme", "vcse", "contactEmail"] as const;
const SUPPLIER_ONLY_MESSAGE = "Only a supplier has an address, SME or VCSE status and contact email here";

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
    ...supplierFields,
  })
  .superRefine((value, ctx) => {
    if (value.kind === "provider" && !value.code) {
      ctx.addIssue({
        code: "custom",
        path: ["code"],
        message: "Enter a code for the provider (data files call it provider_code)",
      });
    }
    if (value.kind !== "supplier") {
      for (const field of SUPPLIER_ONLY_FIELDS) {
        if (value[field] !== undefined) {
          ctx.addIssue({ code: "custom", path: [field], message: SUPPLIER_ONLY_MESSAGE });
        }
      }
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

/**
 * Adds an organisation on the caller's transaction, with its audit record: 409 naming the field when
 * its name or code is taken. A supplier that registers itself is added this way inside its own use case
 * (the suppliers module), with `audit` saying more of how it came (a reason it has no number).
 */
export async function addOrganisation(
  tx: Executor,
  actor: Actor,
  input: OrganisationInput,
  audit: Record<string, unknown> = {},
) {
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
    summary: { ...input, ...audit },
  });
  return presentOrganisation(row);
}

async function create(db: Db, actor: Actor, input: OrganisationInput) {
  try {
    return await db.transaction((tx) => addOrganisation(tx, actor, input));
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
