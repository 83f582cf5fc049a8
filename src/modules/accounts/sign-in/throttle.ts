import { and, type AnyColumn, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../../../db/client.js";
import { signInAttempts, unknownSignInFailures, users } from "../../../db/schema/index.js";
import { hmacHex } from "../tokens.js";

/** Sign-in throttling (docs/security.md): held as data so an administrator can read the policy. */
export const SIGN_IN_LIMITS = {
  failuresBeforeLockout: 5,
  lockoutMinutes: 15,
  failuresPerSourcePerWindow: 20,
  windowMinutes: 15,
};

/** What counting an attempt found: a lock already in force, or the lock this attempt set. */
export interface Reservation {
  lockedBefore: Date | null;
  lockedNow: Date | null;
}

/**
 * The address throttle: the attempt is recorded first and then counted, so requests that arrive
 * together each see the ones before them and no more than the limit get through (docs/security.md).
 * Returns the attempt's id, to forget it if the password proves right, or null when throttled.
 */
export async function admitFromSource(db: Db, secret: string, ip: string): Promise<string | null> {
  const source = hmacHex(secret, `source:${ip}`);
  const [attempt] = await db
    .insert(signInAttempts)
    .values({ sourceHash: source })
    .returning({ id: signInAttempts.id });
  if (!attempt) throw new Error("sign-in attempt not stored");
  const windowStart = new Date(Date.now() - SIGN_IN_LIMITS.windowMinutes * 60_000);
  const [recent] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(signInAttempts)
    .where(and(eq(signInAttempts.sourceHash, source), gt(signInAttempts.createdAt, windowStart)));
  if ((recent?.n ?? 0) <= SIGN_IN_LIMITS.failuresPerSourcePerWindow) return attempt.id;
  await db.delete(signInAttempts).where(eq(signInAttempts.id, attempt.id));
  return null;
}

/** Lock values for the attempt being counted: the fifth failure in a row locks for a while. */
function countedFailure(failures: AnyColumn, lockedUntil: AnyColumn) {
  const reached = sql`${failures} + 1 >= ${SIGN_IN_LIMITS.failuresBeforeLockout}`;
  const until = new Date(Date.now() + SIGN_IN_LIMITS.lockoutMinutes * 60_000).toISOString();
  const now = new Date().toISOString();
  return {
    failures: sql<number>`CASE WHEN ${reached} THEN 0 ELSE ${failures} + 1 END`,
    lockedUntil: sql<Date | null>`CASE WHEN ${reached} THEN ${until}::timestamptz ELSE NULL END`,
    unlocked: sql`(${lockedUntil} IS NULL OR ${lockedUntil} <= ${now}::timestamptz)`,
  };
}

/**
 * Counts this attempt as a failure before the password is checked, in one conditional UPDATE, so
 * parallel attempts cannot all read the same count (docs/security.md). A right password then
 * forgives it. Returns when the account is locked, and whether this attempt locked it.
 */
export async function reserveAccountAttempt(db: Db, userId: string): Promise<Reservation> {
  const counted = countedFailure(users.failedSignIns, users.lockedUntil);
  const [row] = await db
    .update(users)
    .set({ failedSignIns: counted.failures, lockedUntil: counted.lockedUntil })
    .where(and(eq(users.id, userId), counted.unlocked))
    .returning({ lockedUntil: users.lockedUntil });
  if (row) return { lockedBefore: null, lockedNow: row.lockedUntil };
  const [held] = await db.select({ until: users.lockedUntil }).from(users).where(eq(users.id, userId));
  return { lockedBefore: held?.until ?? new Date(), lockedNow: null };
}

/** The same count for an address with no account, so that the lockout does not tell who has one. */
export async function reserveUnknownAttempt(db: Db, secret: string, email: string): Promise<Reservation> {
  const emailHash = hmacHex(secret, `email:${email}`);
  const counted = countedFailure(unknownSignInFailures.failures, unknownSignInFailures.lockedUntil);
  const [row] = await db
    .insert(unknownSignInFailures)
    .values({ emailHash, failures: 1 })
    .onConflictDoUpdate({
      target: unknownSignInFailures.emailHash,
      set: { failures: counted.failures, lockedUntil: counted.lockedUntil, updatedAt: new Date() },
      setWhere: counted.unlocked,
    })
    .returning({ lockedUntil: unknownSignInFailures.lockedUntil });
  if (row) return { lockedBefore: null, lockedNow: row.lockedUntil };
  const [held] = await db
    .select({ until: unknownSignInFailures.lockedUntil })
    .from(unknownSignInFailures)
    .where(eq(unknownSignInFailures.emailHash, emailHash));
  return { lockedBefore: held?.until ?? new Date(), lockedNow: null };
}

/** A right password: the attempt was not a failure after all, nor the lock it may have set. */
export async function forgiveAttempt(db: Db, userId: string, attemptId: string, lockedByIt: Date | null) {
  await db.delete(signInAttempts).where(eq(signInAttempts.id, attemptId));
  await db
    .update(users)
    .set(lockedByIt ? { failedSignIns: 0, lockedUntil: null } : { failedSignIns: 0 })
    .where(lockedByIt ? and(eq(users.id, userId), eq(users.lockedUntil, lockedByIt)) : eq(users.id, userId));
}
