import { and, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../../../db/client.js";
import { sessions, users } from "../../../db/schema/index.js";
import { twoFactorRequired } from "../../../domain/roles.js";
import { recordAudit } from "../../audit/service.js";
import { DUMMY_HASH, verifyPassword } from "../passwords.js";
import { actorFor, type SessionUser, toRoles, userById } from "../queries.js";
import type { SessionStore } from "../session-store.js";
import { type CodeCheck, TWO_FACTOR_LIMITS, type TwoFactorService } from "../two-factor/service.js";
import {
  admitFromSource,
  forgiveAttempt,
  reserveAccountAttempt,
  reserveUnknownAttempt,
  SIGN_IN_LIMITS,
} from "./throttle.js";

export type SignInResult =
  | { kind: "signed-in"; user: SessionUser }
  | { kind: "second-factor"; userId: string }
  | { kind: "invalid" }
  | { kind: "locked"; until: Date }
  | { kind: "two-factor-locked" }
  | { kind: "throttled" };

/** What signing in uses: the database, the secret the throttle keys are made with, and the rest. */
interface SignIn {
  db: Db;
  secret: string;
  sessionCache: { clear(): void };
  store: Pick<SessionStore, "endPendingSignIn">;
  twoFactor: Pick<TwoFactorService, "twoFactorState" | "checkCode" | "ensurePendingSecret">;
}

async function auditLockout(db: Db, row: { id: string; name: string; email: string }) {
  await db.transaction((tx) =>
    recordAudit(
      tx,
      { id: row.id, label: `${row.name} <${row.email}>`, roles: [], organisationId: null },
      {
        entityType: "user",
        entityId: row.id,
        action: "locked-out",
        summary: {
          failures: SIGN_IN_LIMITS.failuresBeforeLockout,
          minutes: SIGN_IN_LIMITS.lockoutMinutes,
        },
      },
    ),
  );
}

async function signInWithPassword(
  { db, secret }: SignIn,
  email: string,
  password: string,
  ip: string,
): Promise<SignInResult> {
  const attemptId = await admitFromSource(db, secret, ip);
  if (!attemptId) return { kind: "throttled" };
  const normalised = email.trim().toLowerCase();
  const [row] = await db
    .select()
    .from(users)
    .where(eq(sql`lower(${users.email})`, normalised))
    .limit(1);
  const reservation = row
    ? await reserveAccountAttempt(db, row.id)
    : await reserveUnknownAttempt(db, secret, normalised);
  if (reservation.lockedBefore) return { kind: "locked", until: reservation.lockedBefore };
  // Verify against a fixed hash when there is no such user, so timing does not reveal who has an account.
  const ok =
    row?.passwordHash && row.active
      ? await verifyPassword(row.passwordHash, password)
      : (await verifyPassword(DUMMY_HASH, password), false);
  if (!row || !ok) {
    if (!reservation.lockedNow) return { kind: "invalid" };
    if (row) await auditLockout(db, row);
    return { kind: "locked", until: reservation.lockedNow };
  }
  await forgiveAttempt(db, row.id, attemptId, reservation.lockedNow);
  // Told only to someone who knows the password, so it reveals nothing about who has an account.
  if (row.totpLockedAt) return { kind: "two-factor-locked" };
  const roles = toRoles(row.roles);
  if (row.totpEnabled || twoFactorRequired(roles)) return { kind: "second-factor", userId: row.id };
  const user = await userById(db, row.id);
  return user ? { kind: "signed-in", user } : { kind: "invalid" };
}

/**
 * A code for a pending sign-in. Counted against the pending sign-in before it is checked: once
 * the limit is reached the pending sign-in ends and the password must be given again.
 */
async function checkSignInCode(
  signIn: SignIn,
  sessionId: string,
  userId: string,
  code: string,
): Promise<CodeCheck | "sign-in-ended"> {
  const { db, sessionCache, store, twoFactor } = signIn;
  sessionCache.clear();
  const [counted] = await db
    .update(sessions)
    .set({ secondFactorAttempts: sql`${sessions.secondFactorAttempts} + 1` })
    .where(
      and(
        eq(sessions.id, sessionId),
        eq(sessions.pendingUserId, userId),
        lt(sessions.secondFactorAttempts, TWO_FACTOR_LIMITS.wrongCodesPerSignIn),
      ),
    )
    .returning({ attempts: sessions.secondFactorAttempts });
  if (!counted) {
    await store.endPendingSignIn(sessionId);
    return "sign-in-ended";
  }
  const user = await userById(db, userId);
  if (!user) return "locked";
  const state = await twoFactor.twoFactorState(userId);
  const confirming = !state?.enabled;
  const result = await twoFactor.checkCode(actorFor(user), userId, code, confirming);
  if (result === "accepted") {
    if (confirming) sessionCache.clear();
    return result;
  }
  if (result === "locked" || counted.attempts >= TWO_FACTOR_LIMITS.wrongCodesPerSignIn) {
    await store.endPendingSignIn(sessionId);
    return result === "locked" ? "locked" : "sign-in-ended";
  }
  return result;
}

/** A person who must set up two-factor to sign in is given a secret when their password is accepted. */
async function ensurePendingTwoFactor({ db, twoFactor }: SignIn, userId: string): Promise<void> {
  const user = await userById(db, userId);
  if (user) await twoFactor.ensurePendingSecret(actorFor(user), userId);
}

/** Signing in with a password, and the second factor of a sign-in that owes one (docs/security.md). */
export function createSignInService(signIn: SignIn) {
  return {
    signInWithPassword: (email: string, password: string, ip: string) =>
      signInWithPassword(signIn, email, password, ip),
    checkSignInCode: (sessionId: string, userId: string, code: string) =>
      checkSignInCode(signIn, sessionId, userId, code),
    ensurePendingTwoFactor: (userId: string) => ensurePendingTwoFactor(signIn, userId),
  };
}
