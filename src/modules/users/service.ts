import { asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { ROLE_CODES, isRole, type Role } from "../../domain/roles.js";
import type { Actor } from "../../domain/policy.js";
import type { Db } from "../../db/client.js";
import { organisations, users } from "../../db/schema/index.js";
import { recordAudit } from "../audit/service.js";
import { isUniqueViolation } from "../organisations/service.js";
import { hashPassword } from "../accounts/service.js";
import { announceNewAccount } from "../accounts/password-reset.js";
import type { MessageLinks } from "../notifications/links.js";
import { randomToken } from "../accounts/tokens.js";
import { ConflictError, ValidationError } from "../../web/problems.js";

export const PASSWORD_MIN_LENGTH = 12;

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Password must be ${PASSWORD_MIN_LENGTH} characters or more`)
  .max(256, "Password must be 256 characters or fewer");

export const userInput = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email("Enter an email address in the correct format, like name@example.org")),
  name: z
    .string()
    .trim()
    .min(1, "Enter the person's full name")
    .max(200, "Name must be 200 characters or fewer"),
  roles: z
    .array(z.enum(ROLE_CODES, { error: "Select a role from the list" }))
    .min(1, "Select at least one role"),
  organisationCode: z
    .string()
    .trim()
    .max(200, "Organisation must be 200 characters or fewer")
    .optional()
    .transform((v) => v || undefined),
  password: passwordSchema.optional(),
});
export type UserInput = z.output<typeof userInput>;

export function presentUser(
  row: typeof users.$inferSelect,
  organisationCode: string | null,
  organisationName: string | null,
) {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    roles: row.roles.filter(isRole),
    organisationId: row.organisationId,
    organisationCode,
    organisationName,
    active: row.active,
    twoFactor: row.totpEnabled,
    version: row.version,
  };
}
export type PresentedUser = ReturnType<typeof presentUser>;

const DUPLICATE_EMAIL = "A user with this email address already exists";
function duplicateEmail() {
  return new ConflictError(DUPLICATE_EMAIL, [{ path: "email", message: DUPLICATE_EMAIL }]);
}

/** Provider and supplier users belong to an organisation of that kind. */
function organisationKindFor(roles: readonly Role[]): "provider" | "supplier" | null {
  if (roles.includes("provider-user")) return "provider";
  if (roles.includes("supplier-user")) return "supplier";
  return null;
}

export function createUsersService(db: Db, links: MessageLinks) {
  async function list() {
    const rows = await db
      .select({ user: users, code: organisations.code, orgName: organisations.name })
      .from(users)
      .leftJoin(organisations, eq(organisations.id, users.organisationId))
      .orderBy(asc(users.name));
    return rows.map((r) => presentUser(r.user, r.code, r.orgName));
  }

  async function get(id: string) {
    const [r] = await db
      .select({ user: users, code: organisations.code, orgName: organisations.name })
      .from(users)
      .leftJoin(organisations, eq(organisations.id, users.organisationId))
      .where(eq(users.id, id));
    return r ? presentUser(r.user, r.code, r.orgName) : null;
  }

  /**
   * Creates a user; returns the generated password when none was given (shown once). The new user is
   * told by email that the account exists, with a link to choose their own password (`announce`; the
   * demo loader's made-up people are not).
   */
  async function create(actor: Actor, input: UserInput, options: { announce?: boolean } = {}) {
    const password = input.password ?? randomToken(12);
    const passwordHash = await hashPassword(password);
    try {
      return await db.transaction(async (tx) => {
        let org: { id: string; code: string | null; name: string; kind: string } | undefined;
        if (input.organisationCode) {
          const value = input.organisationCode;
          [org] = await tx
            .select({
              id: organisations.id,
              code: organisations.code,
              name: organisations.name,
              kind: organisations.kind,
            })
            .from(organisations)
            .where(
              sql`${organisations.code} = ${value.toUpperCase()} OR lower(${organisations.name}) = ${value.toLowerCase()}`,
            )
            // A code match wins over another organisation whose name happens to be the same text.
            .orderBy(sql`(${organisations.code} IS NOT DISTINCT FROM ${value.toUpperCase()}) DESC`)
            .limit(1);
          if (!org)
            throw new ValidationError([
              { path: "organisationCode", message: `No organisation has the code or name "${value}"` },
            ]);
        }
        const neededKind = organisationKindFor(input.roles);
        if (neededKind && org?.kind !== neededKind) {
          throw new ValidationError([
            {
              path: "organisationCode",
              message: `A ${neededKind} user must belong to a ${neededKind} organisation`,
            },
          ]);
        }
        const [existing] = await tx
          .select({ id: users.id })
          .from(users)
          .where(eq(sql`lower(${users.email})`, input.email));
        if (existing) throw duplicateEmail();
        const [row] = await tx
          .insert(users)
          .values({
            email: input.email,
            name: input.name,
            roles: input.roles,
            organisationId: org?.id ?? null,
            passwordHash,
          })
          .returning();
        if (!row) throw new Error("user not stored");
        await recordAudit(tx, actor, {
          entityType: "user",
          entityId: row.id,
          action: "created",
          summary: {
            email: input.email,
            name: input.name,
            roles: input.roles,
            organisationCode: org?.code ?? null,
          },
        });
        if (options.announce ?? true) await announceNewAccount(tx, row, links);
        return {
          user: presentUser(row, org?.code ?? null, org?.name ?? null),
          generatedPassword: input.password ? null : password,
        };
      });
    } catch (error) {
      // Two requests raced past the check above: the unique index on the email decides.
      if (isUniqueViolation(error)) throw duplicateEmail();
      throw error;
    }
  }

  async function findByEmail(email: string) {
    const [row] = await db
      .select({ id: users.id })
      .from(users)
      .where(eq(sql`lower(${users.email})`, email.trim().toLowerCase()));
    return row ? get(row.id) : null;
  }

  return { list, get, create, findByEmail };
}
