import { hash as argonHash, verify as argonVerify } from "@node-rs/argon2";
import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import { authenticator } from "otplib";
import { isRole, type Role, twoFactorRequired } from "../../domain/roles.js";
import type { Actor } from "../../domain/policy.js";
import type { Db } from "../../db/client.js";
import { apiTokens, organisations, sessions, signInAttempts, users } from "../../db/schema/index.js";
import { markUnaudited, recordAudit } from "../audit/service.js";
import { TtlCache } from "./cache.js";
import { hmacHex, newApiToken, randomToken, sha256Hex } from "./tokens.js";

/** Sign-in throttling (issue 2, item 4): held as data so an administrator can read the policy. */
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
  | { kind: "throttled" };

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

  async function signInWithPassword(email: string, password: string, ip: string): Promise<SignInResult> {
    const windowStart = new Date(Date.now() - SIGN_IN_LIMITS.windowMinutes * 60_000);
    const [recent] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(signInAttempts)
      .where(and(eq(signInAttempts.sourceHash, sourceKey(ip)), gt(signInAttempts.createdAt, windowStart)));
    if ((recent?.n ?? 0) >= SIGN_IN_LIMITS.failuresPerSourcePerWindow) return { kind: "throttled" };

    const [row] = await db
      .select()
      .from(users)
      .where(eq(sql`lower(${users.email})`, email.trim().toLowerCase()))
      .limit(1);
    if (row?.lockedUntil && row.lockedUntil > new Date()) return { kind: "locked", until: row.lockedUntil };
    // Verify against a fixed hash when there is no such user, so timing does not reveal who has an account.
    const ok =
      row?.passwordHash && row.active
        ? await argonVerify(row.passwordHash, password)
        : (await argonVerify(DUMMY_HASH, password), false);
    if (!row || !ok) {
      await db.insert(signInAttempts).values({ sourceHash: sourceKey(ip) });
      if (row) {
        const failures = row.failedSignIns + 1;
        const lock = failures >= SIGN_IN_LIMITS.failuresBeforeLockout;
        await db.transaction(async (tx) => {
          await tx
            .update(users)
            .set({
              failedSignIns: lock ? 0 : failures,
              lockedUntil: lock
                ? new Date(Date.now() + SIGN_IN_LIMITS.lockoutMinutes * 60_000)
                : row.lockedUntil,
            })
            .where(eq(users.id, row.id));
          if (lock) {
            await recordAudit(
              tx,
              { id: row.id, label: `${row.name} <${row.email}>`, roles: [], organisationId: null },
              {
                entityType: "user",
                entityId: row.id,
                action: "locked-out",
                summary: { failures, minutes: SIGN_IN_LIMITS.lockoutMinutes },
              },
            );
          }
        });
        if (lock)
          return { kind: "locked", until: new Date(Date.now() + SIGN_IN_LIMITS.lockoutMinutes * 60_000) };
      }
      return { kind: "invalid" };
    }
    if (row.failedSignIns > 0) await db.update(users).set({ failedSignIns: 0 }).where(eq(users.id, row.id));
    const roles = toRoles(row.roles);
    if (row.totpEnabled || twoFactorRequired(roles)) return { kind: "second-factor", userId: row.id };
    const user = await userById(row.id);
    return user ? { kind: "signed-in", user } : { kind: "invalid" };
  }

  async function totpState(userId: string) {
    const [row] = await db
      .select({ secret: users.totpSecret, enabled: users.totpEnabled })
      .from(users)
      .where(eq(users.id, userId));
    return row ?? null;
  }

  function verifyTotp(secretKey: string, code: string): boolean {
    return authenticator.check(code.replace(/\s+/g, ""), secretKey);
  }

  /** Begins TOTP set-up: a secret is kept but not enabled until a code from it is confirmed. */
  async function beginTotpSetup(userId: string): Promise<string> {
    const state = await totpState(userId);
    if (state?.secret && !state.enabled) return state.secret;
    const secretKey = authenticator.generateSecret();
    await db
      .update(users)
      .set({ totpSecret: secretKey, totpEnabled: false, updatedAt: new Date() })
      .where(eq(users.id, userId));
    return secretKey;
  }

  /** Changes one user's own account fields, with its audit record, in one transaction. */
  async function updateOwnAccount(
    actor: Actor,
    userId: string,
    values: Partial<Pick<typeof users.$inferInsert, "passwordHash" | "totpEnabled">>,
    action: string,
  ) {
    await db.transaction(async (tx) => {
      await tx
        .update(users)
        .set({ ...values, updatedAt: new Date(), version: sql`${users.version} + 1` })
        .where(eq(users.id, userId));
      await recordAudit(tx, actor, { entityType: "user", entityId: userId, action, summary: {} });
    });
  }

  async function confirmTotpSetup(actor: Actor, userId: string, code: string): Promise<boolean> {
    const state = await totpState(userId);
    if (!state?.secret || !verifyTotp(state.secret, code)) return false;
    await updateOwnAccount(actor, userId, { totpEnabled: true }, "two-factor-enabled");
    return true;
  }

  async function changePassword(
    actor: Actor,
    userId: string,
    current: string,
    next: string,
  ): Promise<"changed" | "wrong-current"> {
    const [row] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
    if (!row?.hash || !(await argonVerify(row.hash, current))) return "wrong-current";
    await updateOwnAccount(actor, userId, { passwordHash: await hashPassword(next) }, "password-changed");
    return "changed";
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
      await db.transaction(async (tx) => {
        await markUnaudited(tx, "sign-in bookkeeping: when a token was last used");
        await tx.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, row.tokenId));
      });
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
    const [byEmail] = await db
      .select({ id: users.id, oidcSubject: users.oidcSubject })
      .from(users)
      .where(eq(sql`lower(${users.email})`, email.toLowerCase()))
      .limit(1);
    if (!byEmail || byEmail.oidcSubject) return null;
    await db
      .update(users)
      .set({ oidcSubject: subject, updatedAt: new Date() })
      .where(eq(users.id, byEmail.id));
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

  return {
    loadSession,
    touchSession,
    startSession,
    endSession,
    setSessionFields,
    purgeExpiredSessions,
    userById,
    signInWithPassword,
    totpState,
    verifyTotp,
    beginTotpSetup,
    confirmTotpSetup,
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
