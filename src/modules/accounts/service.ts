import { hash as argonHash, verify as argonVerify } from "@node-rs/argon2";
import { and, type AnyColumn, eq, gt, isNotNull, isNull, lt, ne, or, sql } from "drizzle-orm";
import { isRole, type Role, twoFactorRequired } from "../../domain/roles.js";
import type { Actor } from "../../domain/policy.js";
import type { Db } from "../../db/client.js";
import {
  apiTokens,
  organisations,
  sessions,
  signInAttempts,
  unknownSignInFailures,
  users,
} from "../../db/schema/index.js";
import { recordAudit } from "../audit/service.js";
import { TtlCache } from "./cache.js";
import { hmacHex, newApiToken, randomToken, sha256Hex } from "./tokens.js";
import { type CodeCheck, createTwoFactor, TWO_FACTOR_LIMITS } from "./two-factor.js";

export { resetTwoFactor, unlockAccount } from "./two-factor.js";

/** Sign-in throttling (docs/security.md): held as data so an administrator can read the policy. */
export const SIGN_IN_LIMITS = {
  failuresBeforeLockout: 5,
  lockoutMinutes: 15,
  failuresPerSourcePerWindow: 20,
  windowMinutes: 15,
};

const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argonHash(password, ARGON2);
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  organisationId: string | null;
  totpEnabled: boolean;
}

export interface LoadedSession {
  id: string;
  user: SessionUser | null;
  pendingUserId: string | null;
  flash: unknown;
  oidcState: unknown;
  expiresAt: Date;
}

export function actorFor(user: SessionUser): Actor {
  return {
    id: user.id,
    label: `${user.name} <${user.email}>`,
    roles: user.roles,
    organisationId: user.organisationId,
  };
}

function toRoles(values: readonly string[]): Role[] {
  return values.filter(isRole);
}

export type SignInResult =
  | { kind: "signed-in"; user: SessionUser }
  | { kind: "second-factor"; userId: string }
  | { kind: "invalid" }
  | { kind: "locked"; until: Date }
  | { kind: "two-factor-locked" }
  | { kind: "throttled" };

/** What counting an attempt found: a lock already in force, or the lock this attempt set. */
interface Reservation {
  lockedBefore: Date | null;
  lockedNow: Date | null;
}

export interface AccountsOptions {
  /** How long the signed-in path may reuse a session or token lookup; 0 with a shared database server. */
  cacheMs?: number;
}

export function createAccountsService(
  db: Db,
  secret: string,
  sessionHours: number,
  options: AccountsOptions = {},
) {
  const sessionMs = sessionHours * 3_600_000;
  const sourceKey = (ip: string) => hmacHex(secret, `source:${ip}`);
  const sessionCache = new TtlCache<LoadedSession | null>(options.cacheMs ?? 0);
  const tokenCache = new TtlCache<SessionUser | null>(options.cacheMs ?? 0);
  const twoFactor = createTwoFactor(db, secret);

  // Built once: the signed-in path runs this on every request (bench/http.ts measured its cost).
  const sessionByTokenHash = db
    .select({
      id: sessions.id,
      pendingUserId: sessions.pendingUserId,
      flash: sessions.flash,
      oidcState: sessions.oidcState,
      expiresAt: sessions.expiresAt,
      userId: users.id,
      email: users.email,
      name: users.name,
      roles: users.roles,
      organisationId: users.organisationId,
      totpEnabled: users.totpEnabled,
      active: users.active,
    })
    .from(sessions)
    .leftJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.tokenHash, sql.placeholder("tokenHash")),
        gt(sessions.expiresAt, sql.placeholder("now")),
      ),
    )
    .limit(1)
    .prepare("load_session");

  const userByTokenHash = db
    .select({
      tokenId: apiTokens.id,
      lastUsedAt: apiTokens.lastUsedAt,
      id: users.id,
      email: users.email,
      name: users.name,
      roles: users.roles,
      organisationId: users.organisationId,
      totpEnabled: users.totpEnabled,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(
      and(
        eq(apiTokens.tokenHash, sql.placeholder("tokenHash")),
        isNull(apiTokens.revokedAt),
        eq(users.active, true),
      ),
    )
    .limit(1)
    .prepare("user_by_token");

  async function loadSession(cookieToken: string): Promise<LoadedSession | null> {
    const tokenHash = sha256Hex(cookieToken);
    const cached = sessionCache.get(tokenHash);
    if (cached !== undefined && (!cached || cached.expiresAt > new Date())) return cached;
    const session = await querySession(tokenHash);
    sessionCache.set(tokenHash, session);
    return session;
  }

  async function querySession(tokenHash: string): Promise<LoadedSession | null> {
    const rows = await sessionByTokenHash.execute({ tokenHash, now: new Date() });
    const row = rows[0];
    if (!row) return null;
    const user =
      row.userId && row.email && row.name && row.active
        ? {
            id: row.userId,
            email: row.email,
            name: row.name,
            roles: toRoles(row.roles ?? []),
            organisationId: row.organisationId,
            totpEnabled: row.totpEnabled ?? false,
          }
        : null;
    return {
      id: row.id,
      user,
      pendingUserId: row.pendingUserId,
      flash: row.flash,
      oidcState: row.oidcState,
      expiresAt: row.expiresAt,
    };
  }

  /** Sliding expiry, written at most once per tenth of the session's length. */
  async function touchSession(session: LoadedSession): Promise<void> {
    if (session.expiresAt.getTime() - Date.now() < sessionMs * 0.9) {
      sessionCache.clear();
      await db
        .update(sessions)
        .set({ expiresAt: new Date(Date.now() + sessionMs), updatedAt: new Date() })
        .where(eq(sessions.id, session.id));
    }
  }

  /** Starts a new session under a new cookie value (never reuses one: no session fixation). */
  async function startSession(
    values: { userId?: string | null; pendingUserId?: string | null; flash?: unknown; oidcState?: unknown },
    cookieToken = randomToken(),
  ) {
    await db.insert(sessions).values({
      tokenHash: sha256Hex(cookieToken),
      userId: values.userId ?? null,
      pendingUserId: values.pendingUserId ?? null,
      flash: values.flash ?? null,
      oidcState: values.oidcState ?? null,
      expiresAt: new Date(Date.now() + sessionMs),
    });
    return cookieToken;
  }

  async function endSession(cookieToken: string): Promise<void> {
    sessionCache.delete(sha256Hex(cookieToken));
    await db.delete(sessions).where(eq(sessions.tokenHash, sha256Hex(cookieToken)));
  }

  async function setSessionFields(
    cookieToken: string,
    values: { flash?: unknown; oidcState?: unknown },
  ): Promise<boolean> {
    sessionCache.delete(sha256Hex(cookieToken));
    const updated = await db
      .update(sessions)
      .set({ ...values, updatedAt: new Date() })
      .where(eq(sessions.tokenHash, sha256Hex(cookieToken)))
      .returning({ id: sessions.id });
    return updated.length > 0;
  }

  async function purgeExpiredSessions(): Promise<number> {
    const gone = await db
      .delete(sessions)
      .where(lt(sessions.expiresAt, new Date()))
      .returning({ id: sessions.id });
    const cutoff = new Date(Date.now() - SIGN_IN_LIMITS.windowMinutes * 60_000);
    await db.delete(signInAttempts).where(lt(signInAttempts.createdAt, cutoff));
    // Failures of addresses with no account are forgotten after a day without attempts.
    const dayAgo = new Date(Date.now() - 86_400_000);
    await db.delete(unknownSignInFailures).where(lt(unknownSignInFailures.updatedAt, dayAgo));
    return gone.length;
  }

  async function userById(id: string): Promise<SessionUser | null> {
    const [row] = await db
      .select()
      .from(users)
      .where(and(eq(users.id, id), eq(users.active, true)))
      .limit(1);
    return row
      ? {
          id: row.id,
          email: row.email,
          name: row.name,
          roles: toRoles(row.roles),
          organisationId: row.organisationId,
          totpEnabled: row.totpEnabled,
        }
      : null;
  }

  /**
   * The address throttle: the attempt is recorded first and then counted, so requests that arrive
   * together each see the ones before them and no more than the limit get through (docs/security.md).
   * Returns the attempt's id, to forget it if the password proves right, or null when throttled.
   */
  async function admitFromSource(ip: string): Promise<string | null> {
    const source = sourceKey(ip);
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
  async function reserveAccountAttempt(userId: string): Promise<Reservation> {
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
  async function reserveUnknownAttempt(email: string): Promise<Reservation> {
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

  async function auditLockout(row: { id: string; name: string; email: string }) {
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

  async function signInWithPassword(email: string, password: string, ip: string): Promise<SignInResult> {
    const attemptId = await admitFromSource(ip);
    if (!attemptId) return { kind: "throttled" };
    const normalised = email.trim().toLowerCase();
    const [row] = await db
      .select()
      .from(users)
      .where(eq(sql`lower(${users.email})`, normalised))
      .limit(1);
    const reservation = row ? await reserveAccountAttempt(row.id) : await reserveUnknownAttempt(normalised);
    if (reservation.lockedBefore) return { kind: "locked", until: reservation.lockedBefore };
    // Verify against a fixed hash when there is no such user, so timing does not reveal who has an account.
    const ok =
      row?.passwordHash && row.active
        ? await argonVerify(row.passwordHash, password)
        : (await argonVerify(DUMMY_HASH, password), false);
    if (!row || !ok) {
      if (!reservation.lockedNow) return { kind: "invalid" };
      if (row) await auditLockout(row);
      return { kind: "locked", until: reservation.lockedNow };
    }
    await forgiveAttempt(row.id, attemptId, reservation.lockedNow);
    // Told only to someone who knows the password, so it reveals nothing about who has an account.
    if (row.totpLockedAt) return { kind: "two-factor-locked" };
    const roles = toRoles(row.roles);
    if (row.totpEnabled || twoFactorRequired(roles)) return { kind: "second-factor", userId: row.id };
    const user = await userById(row.id);
    return user ? { kind: "signed-in", user } : { kind: "invalid" };
  }

  /** A right password: the attempt was not a failure after all, nor the lock it may have set. */
  async function forgiveAttempt(userId: string, attemptId: string, lockedByIt: Date | null) {
    await db.delete(signInAttempts).where(eq(signInAttempts.id, attemptId));
    await db
      .update(users)
      .set(lockedByIt ? { failedSignIns: 0, lockedUntil: null } : { failedSignIns: 0 })
      .where(
        lockedByIt ? and(eq(users.id, userId), eq(users.lockedUntil, lockedByIt)) : eq(users.id, userId),
      );
  }

  /**
   * A code for a pending sign-in. Counted against the pending sign-in before it is checked: once
   * the limit is reached the pending sign-in ends and the password must be given again.
   */
  async function checkSignInCode(
    sessionId: string,
    userId: string,
    code: string,
  ): Promise<CodeCheck | "sign-in-ended"> {
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
      await endPendingSignIn(sessionId);
      return "sign-in-ended";
    }
    const user = await userById(userId);
    if (!user) return "locked";
    const state = await twoFactor.stateOf(userId);
    const confirming = !state?.enabled;
    const result = await twoFactor.checkCode(actorFor(user), userId, code, confirming);
    if (result === "accepted") {
      if (confirming) sessionCache.clear();
      return result;
    }
    if (result === "locked" || counted.attempts >= TWO_FACTOR_LIMITS.wrongCodesPerSignIn) {
      await endPendingSignIn(sessionId);
      return result === "locked" ? "locked" : "sign-in-ended";
    }
    return result;
  }

  /** A person who must set up two-factor to sign in is given a secret when their password is accepted. */
  async function ensurePendingTwoFactor(userId: string): Promise<void> {
    const user = await userById(userId);
    if (user) await twoFactor.ensurePendingSecret(actorFor(user), userId);
  }

  async function endPendingSignIn(sessionId: string) {
    sessionCache.clear();
    await db.delete(sessions).where(and(eq(sessions.id, sessionId), isNotNull(sessions.pendingUserId)));
  }

  /** Confirms a new authenticator from the account page: the code must come from the pending secret. */
  async function confirmTwoFactorSetup(actor: Actor, userId: string, code: string): Promise<CodeCheck> {
    const result = await twoFactor.checkCode(actor, userId, code, true);
    if (result === "accepted") sessionCache.clear();
    return result;
  }

  /**
   * Asks a signed-in person to prove it is them before a change to how they sign in: their password,
   * or for an account without one (single sign-on) a current two-factor code when they have one.
   */
  async function confirmIdentity(
    actor: Actor,
    userId: string,
    given: { password?: string | undefined; code?: string | undefined },
  ): Promise<"confirmed" | "wrong-password" | "wrong-code"> {
    const [row] = await db
      .select({ hash: users.passwordHash, enabled: users.totpEnabled })
      .from(users)
      .where(eq(users.id, userId));
    if (row?.hash)
      return (await argonVerify(row.hash, given.password ?? "")) ? "confirmed" : "wrong-password";
    if (!row?.enabled) return "confirmed";
    const result = await twoFactor.checkCode(actor, userId, given.code ?? "", false);
    return result === "accepted" ? "confirmed" : "wrong-code";
  }

  async function removeTwoFactor(actor: Actor, userId: string) {
    sessionCache.clear();
    await twoFactor.remove(actor, userId);
  }

  /**
   * A new password ends every other session of the person (and any pending sign-in), so that whoever
   * knew the old one is signed out; the session the change was made in stays.
   */
  async function changePassword(
    actor: Actor,
    userId: string,
    current: string,
    next: string,
    keepSessionId: string | null,
  ): Promise<{ outcome: "wrong-current" } | { outcome: "changed"; otherSessionsEnded: number }> {
    const [row] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
    if (!row?.hash || !(await argonVerify(row.hash, current))) return { outcome: "wrong-current" };
    const passwordHash = await hashPassword(next);
    const ended = await db.transaction(async (tx) => {
      await tx
        .update(users)
        .set({ passwordHash, updatedAt: new Date(), version: sql`${users.version} + 1` })
        .where(eq(users.id, userId));
      const gone = await tx
        .delete(sessions)
        .where(
          and(
            or(eq(sessions.userId, userId), eq(sessions.pendingUserId, userId)),
            keepSessionId ? ne(sessions.id, keepSessionId) : undefined,
          ),
        )
        .returning({ id: sessions.id });
      await recordAudit(tx, actor, {
        entityType: "user",
        entityId: userId,
        action: "password-changed",
        summary: { otherSessionsEnded: gone.length },
      });
      return gone.length;
    });
    sessionCache.clear();
    return { outcome: "changed", otherSessionsEnded: ended };
  }

  async function createApiToken(actor: Actor, userId: string, name: string) {
    const token = newApiToken();
    const [row] = await db.transaction(async (tx) => {
      const inserted = await tx
        .insert(apiTokens)
        .values({ userId, name, tokenHash: sha256Hex(token), prefix: token.slice(0, 10) })
        .returning({
          id: apiTokens.id,
          name: apiTokens.name,
          prefix: apiTokens.prefix,
          createdAt: apiTokens.createdAt,
        });
      await recordAudit(tx, actor, {
        entityType: "api-token",
        entityId: inserted[0]?.id ?? "",
        action: "created",
        summary: { userId, name },
      });
      return inserted;
    });
    if (!row) throw new Error("token not stored");
    return { ...row, token };
  }

  async function listApiTokens(userId: string) {
    return db
      .select({
        id: apiTokens.id,
        name: apiTokens.name,
        prefix: apiTokens.prefix,
        createdAt: apiTokens.createdAt,
        lastUsedAt: apiTokens.lastUsedAt,
      })
      .from(apiTokens)
      .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
      .orderBy(apiTokens.createdAt);
  }

  async function revokeApiToken(actor: Actor, userId: string, tokenId: string): Promise<boolean> {
    tokenCache.clear();
    return db.transaction(async (tx) => {
      const revoked = await tx
        .update(apiTokens)
        .set({ revokedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
        .returning({ id: apiTokens.id });
      if (revoked.length === 0) return false;
      await recordAudit(tx, actor, {
        entityType: "api-token",
        entityId: tokenId,
        action: "revoked",
        summary: { userId },
      });
      return true;
    });
  }

  /** The user behind a bearer token, or null. */
  async function userForApiToken(token: string): Promise<SessionUser | null> {
    const tokenHash = sha256Hex(token);
    const cached = tokenCache.get(tokenHash);
    if (cached !== undefined) return cached;
    const [row] = await userByTokenHash.execute({ tokenHash });
    if (row && (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000)) {
      // Recorded at most once a minute so that API reads stay reads.
      await db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, row.tokenId));
    }
    const user = row
      ? {
          id: row.id,
          email: row.email,
          name: row.name,
          roles: toRoles(row.roles),
          organisationId: row.organisationId,
          totpEnabled: row.totpEnabled,
        }
      : null;
    tokenCache.set(tokenHash, user);
    return user;
  }

  /** Single sign-on: the user whose email the identity provider vouched for (linked by subject after). */
  async function userForOidc(subject: string, email: string | undefined): Promise<SessionUser | null> {
    const [bySubject] = await db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.oidcSubject, subject))
      .limit(1);
    if (bySubject) return userById(bySubject.id);
    if (!email) return null;
    // A deactivated account is neither signed in nor linked: linking is a change of the account.
    const [byEmail] = await db
      .select({ id: users.id, oidcSubject: users.oidcSubject })
      .from(users)
      .where(and(eq(sql`lower(${users.email})`, email.toLowerCase()), eq(users.active, true)))
      .limit(1);
    if (!byEmail || byEmail.oidcSubject) return null;
    await db.transaction(async (tx) => {
      await tx
        .update(users)
        .set({ oidcSubject: subject, updatedAt: new Date() })
        .where(eq(users.id, byEmail.id));
      await recordAudit(
        tx,
        { id: byEmail.id, label: "single sign-on", roles: [], organisationId: null },
        {
          entityType: "user",
          entityId: byEmail.id,
          action: "single-sign-on-linked",
          summary: {},
        },
      );
    });
    return userById(byEmail.id);
  }

  async function organisationName(id: string | null): Promise<string | null> {
    if (!id) return null;
    const [row] = await db
      .select({ name: organisations.name })
      .from(organisations)
      .where(eq(organisations.id, id));
    return row?.name ?? null;
  }

  /** After sessions or tokens are ended elsewhere (a password reset): nothing kept in memory survives. */
  return {
    loadSession,
    touchSession,
    startSession,
    endSession,
    setSessionFields,
    purgeExpiredSessions,
    userById,
    signInWithPassword,
    twoFactorState: twoFactor.stateOf,
    startTwoFactorSetup: twoFactor.startSetup,
    ensurePendingTwoFactor,
    sealPlaintextTwoFactorSecrets: twoFactor.sealPlaintextSecrets,
    checkSignInCode,
    confirmTwoFactorSetup,
    confirmIdentity,
    removeTwoFactor,
    changePassword,
    createApiToken,
    listApiTokens,
    revokeApiToken,
    userForApiToken,
    userForOidc,
    organisationName,
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;

/** argon2id hash of a random string, used to spend the same time when an email is unknown. */
const DUMMY_HASH = await hashPassword(randomToken());
