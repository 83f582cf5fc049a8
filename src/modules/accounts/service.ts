import { eq, sql } from "drizzle-orm";
import { TtlCache } from "../../cache.js";
import type { Db } from "../../db/client.js";
import { users } from "../../db/schema/index.js";
import type { Actor } from "../../domain/policy.js";
import { recordAudit } from "../audit/service.js";
import { createApiTokensService } from "./api-tokens/service.js";
import { userForOidc } from "./oidc/service.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import { type LoadedSession, organisationName, type SessionUser, userById } from "./queries.js";
import { createSessionStore, endSessionsOf } from "./session-store.js";
import { createSignInService } from "./sign-in/service.js";
import { createTwoFactorService } from "./two-factor/service.js";

// What other modules use of accounts: the user administration ends sessions, clears lockouts and
// two-factor, and makes passwords; the demo makes one too.
export { forgetCachedUser } from "./cache.js";
export { generatedPassword, hashPassword } from "./passwords.js";
export { endSessionsOf } from "./session-store.js";
export { resetTwoFactor, unlockAccount } from "./two-factor/service.js";

/**
 * A new password ends every other session of the person (and any pending sign-in), so that whoever
 * knew the old one is signed out; the session the change was made in stays.
 */
async function changePassword(
  db: Db,
  actor: Actor,
  change: { userId: string; current: string; next: string; keepSessionId: string | null },
): Promise<{ outcome: "wrong-current" } | { outcome: "changed"; otherSessionsEnded: number }> {
  const { userId } = change;
  const [row] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
  if (!row?.hash || !(await verifyPassword(row.hash, change.current))) return { outcome: "wrong-current" };
  const passwordHash = await hashPassword(change.next);
  const ended = await db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ passwordHash, updatedAt: new Date(), version: sql`${users.version} + 1` })
      .where(eq(users.id, userId));
    const otherSessionsEnded = await endSessionsOf(tx, userId, change.keepSessionId);
    await recordAudit(tx, actor, {
      entityType: "user",
      entityId: userId,
      action: "password-changed",
      summary: { otherSessionsEnded },
    });
    return otherSessionsEnded;
  });
  return { outcome: "changed", otherSessionsEnded: ended };
}

export interface AccountsOptions {
  /** How long the signed-in path may reuse a session or token lookup; 0 with a shared database server. */
  cacheMs?: number;
}

/** Sessions, sign-in (password, second factor, single sign-on), the account's own pages and API tokens. */
export function createAccountsService(
  db: Db,
  secret: string,
  sessionHours: number,
  options: AccountsOptions = {},
) {
  const sessionCache = new TtlCache<LoadedSession | null>(options.cacheMs ?? 0);
  const tokenCache = new TtlCache<SessionUser | null>(options.cacheMs ?? 0);
  const { endPendingSignIn, ...sessions } = createSessionStore(db, sessionHours * 3_600_000, sessionCache);
  const twoFactor = createTwoFactorService(db, secret, sessionCache);
  const store = { endPendingSignIn };
  const signIn = createSignInService({ db, secret, sessionCache, store, twoFactor });
  return {
    ...sessions,
    ...signIn,
    twoFactorState: twoFactor.twoFactorState,
    startTwoFactorSetup: twoFactor.startTwoFactorSetup,
    sealPlaintextTwoFactorSecrets: twoFactor.sealPlaintextTwoFactorSecrets,
    confirmTwoFactorSetup: twoFactor.confirmTwoFactorSetup,
    confirmIdentity: twoFactor.confirmIdentity,
    removeTwoFactor: twoFactor.removeTwoFactor,
    ...createApiTokensService(db, tokenCache),
    userById: (id: string) => userById(db, id),
    organisationName: (id: string | null) => organisationName(db, id),
    userForOidc: (subject: string, email: string | undefined) => userForOidc(db, subject, email),
    async changePassword(
      actor: Actor,
      userId: string,
      current: string,
      next: string,
      keepSessionId: string | null,
    ) {
      const changed = await changePassword(db, actor, { userId, current, next, keepSessionId });
      if (changed.outcome === "changed") sessionCache.clear();
      return changed;
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
