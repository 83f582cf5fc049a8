import { and, asc, eq, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import { ROLE_CODES, isRole, type Role } from "../../domain/roles.js";
import type { Actor } from "../../domain/policy.js";
import { isActiveAdministrator, standingChangeRefusal } from "../../domain/user-administration.js";
import type { Db, Executor } from "../../db/client.js";
import { apiTokens, users } from "../../db/schema/index.js";
import { recordAudit } from "../audit/service.js";
import { isUniqueViolation } from "../organisations/service.js";
import {
  endSessionsOf,
  forgetCachedUser,
  generatedPassword,
  hashPassword,
  resetTwoFactor,
  unlockAccount,
} from "../accounts/service.js";
import { announceNewAccount } from "../accounts/password-reset/service.js";
import type { MessageLinks } from "../notifications/service.js";
import { ConflictError, NotFoundError, StaleVersionError, ValidationError } from "../../errors.js";
import { isLocked, presentUser } from "./presenter.js";
import {
  type FoundOrganisation,
  findUserByEmail,
  getUser,
  listUsers,
  organisationById,
  organisationNamed,
  presentWithOrganisation,
} from "./queries.js";

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

/** PATCH /users/:id (docs/api.md): only the fields sent change; `organisationCode: null` (or "") removes it. */
export const userUpdateInput = z.object({
  roles: userInput.shape.roles.optional(),
  organisationCode: z
    .string()
    .trim()
    .max(200, "Organisation must be 200 characters or fewer")
    .nullable()
    .transform((v) => (v === "" ? null : v))
    .optional()
    .describe("a code or exact name; null or an empty string removes the user's organisation"),
  active: z.boolean({ error: "Active must be true or false" }).optional(),
  version: z
    .number({ error: "Send the version you last read" })
    .int()
    .describe("the version you last read; a stale one gets 409 and changes nothing"),
});
export type UserUpdateInput = z.output<typeof userUpdateInput>;

export const STALE_USER_MESSAGE =
  "Someone else has changed this user since you opened it. Check their details and make your change again";

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

/** 400 on `organisationCode` when the roles need a provider or supplier organisation and this is not one. */
function checkOrganisationFitsRoles(roles: readonly Role[], org: FoundOrganisation | null | undefined) {
  const neededKind = organisationKindFor(roles);
  if (neededKind && org?.kind !== neededKind) {
    throw new ValidationError([
      {
        path: "organisationCode",
        message: `A ${neededKind} user must belong to a ${neededKind} organisation`,
      },
    ]);
  }
}

/** What the rule of who may change a user's standing reads from a user row. */
function standingOf(row: Pick<typeof users.$inferSelect, "active" | "roles">) {
  return { active: row.active, roles: row.roles.filter(isRole) };
}

/** Roles kept in the order of ROLE_CODES, each once, so lists and audit records read the same way. */
function inRoleOrder(roles: readonly Role[]): Role[] {
  return ROLE_CODES.filter((code) => roles.includes(code));
}

function sameRoles(a: readonly Role[], b: readonly Role[]): boolean {
  return a.length === b.length && a.every((r) => b.includes(r));
}

/** How an audit record names an organisation: its code, or its name when it has none (councils). */
const organisationLabel = (org: FoundOrganisation | null) => org?.code ?? org?.name ?? null;

/** What a change does, before and after, for its audit record: only the fields that change. */
function changesOf(
  before: { roles: readonly Role[]; active: boolean; org: FoundOrganisation | null },
  after: { roles: readonly Role[]; active: boolean; org: FoundOrganisation | null },
) {
  return {
    ...(sameRoles(before.roles, after.roles) ? {} : { rolesBefore: before.roles, rolesAfter: after.roles }),
    ...(before.org?.id === after.org?.id
      ? {}
      : {
          organisationBefore: organisationLabel(before.org),
          organisationAfter: organisationLabel(after.org),
        }),
    ...(before.active === after.active ? {} : { activeBefore: before.active, activeAfter: after.active }),
  };
}

function auditActionFor(before: { active: boolean }, after: { active: boolean }): string {
  if (before.active === after.active) return "updated";
  return after.active ? "reactivated" : "deactivated";
}

/** Ends every session of a user and revokes their API tokens: they stop working on the next request. */
async function shutOut(tx: Executor, userId: string) {
  const sessionsEnded = await endSessionsOf(tx, userId);
  const revoked = await tx
    .update(apiTokens)
    .set({ revokedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return { sessionsEnded, tokensRevoked: revoked.length };
}

/**
 * Creates a user; returns the generated password when none was given (shown once). The new user is
 * told by email that the account exists, with a link to choose their own password (`announce`; the
 * demo loader's made-up people are not).
 */
async function create(
  db: Db,
  links: MessageLinks,
  actor: Actor,
  input: UserInput,
  options: { announce?: boolean } = {},
) {
  const password = input.password ?? generatedPassword();
  const passwordHash = await hashPassword(password);
  try {
    return await db.transaction(async (tx) => {
      const org = input.organisationCode ? await organisationNamed(tx, input.organisationCode) : null;
      checkOrganisationFitsRoles(input.roles, org);
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

/**
 * Locks the user and every active administrator (in id order, so two changes cannot deadlock) for
 * the rest of the transaction: two administrators deactivating each other at once are counted one
 * after the other, and the last one standing is refused.
 */
async function lockUserAndAdministrators(tx: Executor, userId: string) {
  const rows = await tx
    .select()
    .from(users)
    .where(or(eq(users.id, userId), and(eq(users.active, true), sql`'administrator' = ANY(${users.roles})`)))
    .orderBy(asc(users.id))
    .for("update");
  const target = rows.find((r) => r.id === userId);
  if (!target) throw new NotFoundError("No user has this id");
  const others = rows.filter((r) => r.id !== userId && isActiveAdministrator(standingOf(r)));
  return { target, otherActiveAdministrators: others.length };
}

/** The organisation a change asks for: unchanged when not sent, none when null, else looked up. */
async function organisationRequested(
  tx: Executor,
  requested: string | null | undefined,
  current: FoundOrganisation | null,
): Promise<FoundOrganisation | null> {
  if (requested === undefined) return current;
  return requested === null ? null : organisationNamed(tx, requested);
}

/** The standing a change asks for, refused (409) when the rule of who may change it says no. */
async function standingChange(tx: Executor, actor: Actor, userId: string, input: UserUpdateInput) {
  const { target, otherActiveAdministrators } = await lockUserAndAdministrators(tx, userId);
  if (target.version !== input.version) {
    throw new StaleVersionError(STALE_USER_MESSAGE, [], { currentVersion: target.version });
  }
  const orgBefore = await organisationById(tx, target.organisationId);
  const orgAfter = await organisationRequested(tx, input.organisationCode, orgBefore);
  const before = standingOf(target);
  const after = {
    active: input.active ?? target.active,
    roles: inRoleOrder(input.roles ?? before.roles),
  };
  checkOrganisationFitsRoles(after.roles, orgAfter);
  const refusal = standingChangeRefusal({
    actorId: actor.id,
    targetId: userId,
    before,
    after,
    otherActiveAdministrators,
  });
  if (refusal) throw new ConflictError(refusal.message, [refusal]);
  return { target, before, after, orgBefore, orgAfter };
}

/**
 * Changes a user's roles, organisation or active state (docs/api.md: PATCH /users/:id). A stale version,
 * or a change the rule of src/domain/user-administration.ts refuses, gets 409 and changes nothing.
 * Deactivation ends the user's sessions and revokes their API tokens, so reactivation restores
 * sign-in but nothing that was open before.
 */
async function update(db: Db, actor: Actor, userId: string, input: UserUpdateInput) {
  const result = await db.transaction(async (tx) => {
    const { target, before, after, orgBefore, orgAfter } = await standingChange(tx, actor, userId, input);
    const changes = changesOf({ ...before, org: orgBefore }, { ...after, org: orgAfter });
    if (Object.keys(changes).length === 0) {
      return {
        user: presentUser(target, orgBefore?.code ?? null, orgBefore?.name ?? null),
        changed: false,
      };
    }
    const [row] = await tx
      .update(users)
      .set({
        roles: [...after.roles],
        organisationId: orgAfter?.id ?? null,
        active: after.active,
        version: sql`${users.version} + 1`,
        updatedAt: new Date(),
      })
      .where(eq(users.id, userId))
      .returning();
    if (!row) throw new NotFoundError("No user has this id");
    const shut = before.active && !after.active ? await shutOut(tx, userId) : {};
    await recordAudit(tx, actor, {
      entityType: "user",
      entityId: userId,
      action: auditActionFor(before, after),
      summary: { ...changes, ...shut, version: row.version },
    });
    return { user: presentUser(row, orgAfter?.code ?? null, orgAfter?.name ?? null), changed: true };
  });
  // After the commit: a request that reads the cache from now on reads the new state from the database.
  if (result.changed) forgetCachedUser(userId);
  return result.user;
}

async function bumpVersion(tx: Executor, userId: string) {
  const [row] = await tx
    .update(users)
    .set({ version: sql`${users.version} + 1`, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning();
  if (!row) throw new NotFoundError("No user has this id");
  return row;
}

/** Clears a lockout (docs/api.md: POST /users/:id/unlock); an account that is not locked is left as it is. */
async function unlock(db: Db, actor: Actor, userId: string) {
  return db.transaction(async (tx) => {
    const { target } = await lockUserAndAdministrators(tx, userId);
    if (!isLocked(target) && target.failedSignIns === 0 && target.totpFailures === 0) {
      return presentWithOrganisation(tx, target);
    }
    await unlockAccount(tx, userId);
    const row = await bumpVersion(tx, userId);
    await recordAudit(tx, actor, {
      entityType: "user",
      entityId: userId,
      action: "unlocked",
      summary: {
        wasLockedUntil: isLocked(target) ? (target.lockedUntil?.toISOString() ?? null) : null,
        failedSignIns: target.failedSignIns,
        twoFactorLocked: target.totpLockedAt !== null,
        version: row.version,
      },
    });
    return presentWithOrganisation(tx, row);
  });
}

/**
 * Clears a two-factor enrolment (docs/api.md: POST /users/:id/two-factor/reset) and ends the person's
 * sessions, so that the next sign-in, with a new authenticator, is the one that sets it up. Their
 * tokens did not depend on it, so they stay.
 */
async function resetUserTwoFactor(db: Db, actor: Actor, userId: string) {
  const result = await db.transaction(async (tx) => {
    const { target } = await lockUserAndAdministrators(tx, userId);
    if (!target.totpEnabled && !target.totpSecret) {
      return { user: await presentWithOrganisation(tx, target), changed: false };
    }
    await resetTwoFactor(tx, userId);
    const sessionsEnded = await endSessionsOf(tx, userId);
    const row = await bumpVersion(tx, userId);
    await recordAudit(tx, actor, {
      entityType: "user",
      entityId: userId,
      action: "two-factor-reset",
      summary: { wasEnrolled: target.totpEnabled, sessionsEnded, version: row.version },
    });
    return { user: await presentWithOrganisation(tx, row), changed: true };
  });
  if (result.changed) forgetCachedUser(userId);
  return result.user;
}

/** The administration of users: who they are, their roles and organisation, and their standing. */
export function createUsersService(db: Db, links: MessageLinks) {
  return {
    list: () => listUsers(db),
    get: (id: string) => getUser(db, id),
    create: (actor: Actor, input: UserInput, options?: { announce?: boolean }) =>
      create(db, links, actor, input, options),
    findByEmail: (email: string) => findUserByEmail(db, email),
    update: (actor: Actor, userId: string, input: UserUpdateInput) => update(db, actor, userId, input),
    unlock: (actor: Actor, userId: string) => unlock(db, actor, userId),
    resetTwoFactor: (actor: Actor, userId: string) => resetUserTwoFactor(db, actor, userId),
  };
}
