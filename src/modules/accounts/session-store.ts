import { and, eq, isNotNull, lt, ne, or } from "drizzle-orm";
import type { TtlCache } from "../../cache.js";
import type { Db, Executor } from "../../db/client.js";
import { sessions, signInAttempts, unknownSignInFailures } from "../../db/schema/index.js";
import { type LoadedSession, prepareSessionLookup, toRoles } from "./queries.js";
import { SIGN_IN_LIMITS } from "./sign-in/throttle.js";
import { randomToken, sha256Hex } from "./tokens.js";

/**
 * Server-side sessions (docs/security.md): rows keyed by the hash of the cookie value. A session is
 * not a record of the service, so its rows change without an audit record (adr/0007).
 */
interface Store {
  db: Db;
  sessionMs: number;
  cache: TtlCache<LoadedSession | null>;
  lookup: ReturnType<typeof prepareSessionLookup>;
}

/**
 * Ends every session of a person, signed in or owing a second factor, but for the one kept (the
 * session a password change was made in), on the caller's transaction. Returns how many ended: a
 * password change or reset, a deactivation and a two-factor reset each sign the person out with it.
 */
export async function endSessionsOf(
  tx: Executor,
  userId: string,
  keepSessionId: string | null = null,
): Promise<number> {
  const gone = await tx
    .delete(sessions)
    .where(
      and(
        or(eq(sessions.userId, userId), eq(sessions.pendingUserId, userId)),
        keepSessionId ? ne(sessions.id, keepSessionId) : undefined,
      ),
    )
    .returning({ id: sessions.id });
  return gone.length;
}

async function loadSession(store: Store, cookieToken: string): Promise<LoadedSession | null> {
  const tokenHash = sha256Hex(cookieToken);
  const cached = store.cache.get(tokenHash);
  if (cached !== undefined && (!cached || cached.expiresAt > new Date())) return cached;
  const session = await querySession(store, tokenHash);
  store.cache.set(tokenHash, session);
  return session;
}

async function querySession(store: Store, tokenHash: string): Promise<LoadedSession | null> {
  const rows = await store.lookup.execute({ tokenHash, now: new Date() });
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
async function touchSession(store: Store, session: LoadedSession): Promise<void> {
  if (session.expiresAt.getTime() - Date.now() < store.sessionMs * 0.9) {
    store.cache.clear();
    await store.db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() + store.sessionMs), updatedAt: new Date() })
      .where(eq(sessions.id, session.id));
  }
}

export interface NewSession {
  userId?: string | null;
  pendingUserId?: string | null;
  flash?: unknown;
  oidcState?: unknown;
}

/** Starts a new session under a new cookie value (never reuses one: no session fixation). */
async function startSession(store: Store, values: NewSession, cookieToken = randomToken()) {
  await store.db.insert(sessions).values({
    tokenHash: sha256Hex(cookieToken),
    userId: values.userId ?? null,
    pendingUserId: values.pendingUserId ?? null,
    flash: values.flash ?? null,
    oidcState: values.oidcState ?? null,
    expiresAt: new Date(Date.now() + store.sessionMs),
  });
  return cookieToken;
}

async function endSession(store: Store, cookieToken: string): Promise<void> {
  store.cache.delete(sha256Hex(cookieToken));
  await store.db.delete(sessions).where(eq(sessions.tokenHash, sha256Hex(cookieToken)));
}

async function setSessionFields(
  store: Store,
  cookieToken: string,
  values: { flash?: unknown; oidcState?: unknown },
): Promise<boolean> {
  store.cache.delete(sha256Hex(cookieToken));
  const updated = await store.db
    .update(sessions)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(sessions.tokenHash, sha256Hex(cookieToken)))
    .returning({ id: sessions.id });
  return updated.length > 0;
}

async function purgeExpiredSessions(store: Store): Promise<number> {
  const gone = await store.db
    .delete(sessions)
    .where(lt(sessions.expiresAt, new Date()))
    .returning({ id: sessions.id });
  const cutoff = new Date(Date.now() - SIGN_IN_LIMITS.windowMinutes * 60_000);
  await store.db.delete(signInAttempts).where(lt(signInAttempts.createdAt, cutoff));
  // Failures of addresses with no account are forgotten after a day without attempts.
  const dayAgo = new Date(Date.now() - 86_400_000);
  await store.db.delete(unknownSignInFailures).where(lt(unknownSignInFailures.updatedAt, dayAgo));
  return gone.length;
}

/** A pending sign-in (password given, second factor owed) ends: the password must be given again. */
async function endPendingSignIn(store: Store, sessionId: string): Promise<void> {
  store.cache.clear();
  await store.db.delete(sessions).where(and(eq(sessions.id, sessionId), isNotNull(sessions.pendingUserId)));
}

export function createSessionStore(db: Db, sessionMs: number, cache: TtlCache<LoadedSession | null>) {
  const store: Store = { db, sessionMs, cache, lookup: prepareSessionLookup(db) };
  return {
    loadSession: (cookieToken: string) => loadSession(store, cookieToken),
    touchSession: (session: LoadedSession) => touchSession(store, session),
    startSession: (values: NewSession, cookieToken?: string) => startSession(store, values, cookieToken),
    endSession: (cookieToken: string) => endSession(store, cookieToken),
    setSessionFields: (cookieToken: string, values: { flash?: unknown; oidcState?: unknown }) =>
      setSessionFields(store, cookieToken, values),
    purgeExpiredSessions: () => purgeExpiredSessions(store),
    endPendingSignIn: (sessionId: string) => endPendingSignIn(store, sessionId),
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
