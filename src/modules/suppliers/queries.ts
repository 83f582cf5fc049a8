import { and, asc, eq, gt, isNull, or, sql, type SQL } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { emailVerifications, organisations, passwordResetRequests, users } from "../../db/schema/index.js";

/** Supplier accounts' reads (docs/tendering.md, supplier accounts). */

/**
 * A supplier's person that tender messages reach: active, and either confirmed their address through
 * the link or was given a password by staff (a staff-made account). A self-registered person who has
 * not confirmed has neither, and hears nothing until they do.
 */
export function reachableSupplierUser(): SQL {
  return sql`(${users.active} AND (${users.emailVerifiedAt} IS NOT NULL OR ${users.passwordHash} IS NOT NULL))`;
}

/** The account that has this address (in any case), or null. */
export async function userWithEmail(ex: Executor, email: string) {
  const [row] = await ex
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      roles: users.roles,
      active: users.active,
      emailVerifiedAt: users.emailVerifiedAt,
      organisationId: users.organisationId,
    })
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.toLowerCase()))
    .limit(1);
  return row ?? null;
}

/** A supplier organisation by id, or null when there is none or it is of another kind. */
export async function supplierOrganisation(ex: Executor, id: string) {
  const [row] = await ex
    .select({ id: organisations.id, name: organisations.name })
    .from(organisations)
    .where(and(eq(organisations.id, id), eq(organisations.kind, "supplier")));
  return row ?? null;
}

/** Whether an organisation already has this name, in any case. */
export async function organisationNameTaken(ex: Executor, name: string): Promise<boolean> {
  const [row] = await ex
    .select({ id: organisations.id })
    .from(organisations)
    .where(eq(sql`lower(${organisations.name})`, name.toLowerCase()))
    .limit(1);
  return row !== undefined;
}

/** The people of one organisation, by name: whatever a supplier user asks, only their own organisation's. */
export async function colleaguesOf(ex: Executor, organisationId: string) {
  return ex
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      active: users.active,
      emailVerifiedAt: users.emailVerifiedAt,
      createdAt: users.createdAt,
    })
    .from(users)
    .where(eq(users.organisationId, organisationId))
    .orderBy(asc(users.name), asc(users.email));
}

/**
 * The live link's row and its person, or null when the link is unknown, used, out of date or its
 * person deactivated. `lock` holds the row for the transaction that spends it, so it is spent once.
 */
export async function liveVerification(ex: Executor, tokenHash: string, lock = false) {
  const query = ex
    .select({
      id: emailVerifications.id,
      userId: users.id,
      name: users.name,
      email: users.email,
      roles: users.roles,
      organisationId: users.organisationId,
    })
    .from(emailVerifications)
    .innerJoin(users, eq(users.id, emailVerifications.userId))
    .where(
      and(
        eq(emailVerifications.tokenHash, tokenHash),
        isNull(emailVerifications.usedAt),
        gt(emailVerifications.expiresAt, new Date()),
        eq(users.active, true),
      ),
    )
    .limit(1);
  const [row] = lock ? await query.for("update", { of: emailVerifications }) : await query;
  return row ?? null;
}

/**
 * Requests since `since` from this source and for this address. Registrations share the keyed-hash
 * request log of password resets (password_reset_requests), under keys of their own, so that one
 * table and its hourly purge serve every "send me a link" form.
 */
export async function recentLinkRequests(ex: Executor, sourceHash: string, emailHash: string, since: Date) {
  const [row] = await ex
    .select({
      fromSource: sql<number>`count(*) FILTER (WHERE ${passwordResetRequests.sourceHash} = ${sourceHash})::int`,
      forEmail: sql<number>`count(*) FILTER (WHERE ${passwordResetRequests.emailHash} = ${emailHash})::int`,
    })
    .from(passwordResetRequests)
    .where(
      and(
        or(eq(passwordResetRequests.sourceHash, sourceHash), eq(passwordResetRequests.emailHash, emailHash)),
        gt(passwordResetRequests.createdAt, since),
      ),
    );
  return { fromSource: row?.fromSource ?? 0, forEmail: row?.forEmail ?? 0 };
}
