import { and, eq, gt, isNull, isNotNull, not, or, sql } from "drizzle-orm";
import { authenticator } from "otplib";
import type { Db, Executor } from "../../../db/client.js";
import { users } from "../../../db/schema/index.js";
import type { Actor } from "../../../domain/policy.js";
import { markUnaudited, recordAudit } from "../../audit/service.js";
import { verifyPassword } from "../passwords.js";
import { isSealed, seal, twoFactorKey, unseal } from "./secret-box.js";

/** Wrong two-factor codes (docs/security.md): held as data so an administrator can read the policy. */
export const TWO_FACTOR_LIMITS = {
  /** Wrong codes that end one pending sign-in: the password must be given again. */
  wrongCodesPerSignIn: 5,
  /** Wrong codes within the window that lock the account until an administrator unlocks it. */
  wrongCodesBeforeLock: 10,
  windowMinutes: 60,
};

const STEP_SECONDS = 30;

/** The same secret, now stored sealed: no change of the record (docs/adr/0007). */
const SEALING = "sealing a two-factor secret stored in plain text";

/** A code from the step before also counts, for a code typed as it changed (RFC 6238, §5.2). */
const totp = authenticator.clone({ window: [1, 0] });

/**
 * Clears every lockout of an account: the password failures and their timed lock, and the two-factor
 * failures and their lock. Writes no audit record: the caller's use case records its own.
 * Columns: failed_sign_ins, locked_until, totp_failures, totp_failures_since, totp_locked_at.
 */
export async function unlockAccount(tx: Executor, userId: string): Promise<void> {
  await tx
    .update(users)
    .set({
      failedSignIns: 0,
      lockedUntil: null,
      totpFailures: 0,
      totpFailuresSince: null,
      totpLockedAt: null,
      updatedAt: new Date(),
    })
    .where(eq(users.id, userId));
}

/**
 * Removes a user's two-factor enrolment, so that they set it up again at their next sign-in if their
 * role needs it. Writes no audit record: the caller's use case records its own.
 * Columns: totp_secret, totp_enabled, totp_pending_secret, totp_last_step.
 */
export async function resetTwoFactor(tx: Executor, userId: string): Promise<void> {
  await tx
    .update(users)
    .set({
      totpSecret: null,
      totpEnabled: false,
      totpPendingSecret: null,
      totpLastStep: null,
      updatedAt: new Date(),
    })
    .where(eq(users.id, userId));
}

export type CodeCheck = "accepted" | "wrong" | "reused" | "locked";

/** The authenticator's 30-second step a code belongs to, or null when it is not a current code. */
function stepOf(secret: string, code: string, now = Date.now()): number | null {
  const delta = totp.checkDelta(code.replace(/\s+/g, ""), secret);
  return delta === null ? null : Math.floor(now / 1000 / STEP_SECONDS) + delta;
}

/** What the two-factor use cases share: the database and the key that seals secrets at rest. */
interface Sealing {
  db: Db;
  key: Buffer;
}

const sealFor = (ctx: Sealing, userId: string, secret: string) => seal(ctx.key, secret, userId);

async function stateOf(ctx: Sealing, userId: string) {
  const [row] = await ctx.db
    .select({
      secret: users.totpSecret,
      pending: users.totpPendingSecret,
      enabled: users.totpEnabled,
      lockedAt: users.totpLockedAt,
      hasPassword: sql<boolean>`${users.passwordHash} IS NOT NULL`,
    })
    .from(users)
    .where(eq(users.id, userId));
  if (!row) return null;
  return {
    enabled: row.enabled,
    secret: row.secret ? unseal(ctx.key, row.secret, userId) : null,
    pendingSecret: row.pending ? unseal(ctx.key, row.pending, userId) : null,
    lockedAt: row.lockedAt,
    hasPassword: row.hasPassword,
  };
}

/** A new secret kept beside the current one (which stays on) until a code from it is confirmed. */
async function startSetup(ctx: Sealing, actor: Actor, userId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ totpPendingSecret: sealFor(ctx, userId, totp.generateSecret()), updatedAt: new Date() })
      .where(eq(users.id, userId));
    await recordAudit(tx, actor, {
      entityType: "user",
      entityId: userId,
      action: "two-factor-setup-started",
      summary: {},
    });
  });
}

/** At a password sign-in that owes a set-up: a secret to show, unless one is already waiting. */
async function ensurePendingSecret(ctx: Sealing, actor: Actor, userId: string): Promise<void> {
  const state = await stateOf(ctx, userId);
  if (!state || state.enabled || state.pendingSecret) return;
  await startSetup(ctx, actor, userId);
}

/**
 * Counts a code against the user's hourly limit before it is checked (so parallel requests cannot
 * race past the limit), so that the code is checked only within it. Returns the secret the code is
 * checked against (the enrolled one, or the pending one when `confirming`), or null when locked.
 */
async function reserveCodeAttempt(ctx: Sealing, userId: string, confirming: boolean, now: Date) {
  const windowStart = new Date(now.getTime() - TWO_FACTOR_LIMITS.windowMinutes * 60_000);
  const inWindow = sql`(${users.totpFailuresSince} IS NOT NULL AND ${users.totpFailuresSince} > ${windowStart.toISOString()}::timestamptz)`;
  const [reserved] = await ctx.db
    .update(users)
    .set({
      totpFailures: sql`CASE WHEN ${inWindow} THEN ${users.totpFailures} + 1 ELSE 1 END`,
      totpFailuresSince: sql`CASE WHEN ${inWindow} THEN ${users.totpFailuresSince} ELSE ${now.toISOString()}::timestamptz END`,
    })
    .where(
      and(
        eq(users.id, userId),
        isNull(users.totpLockedAt),
        not(
          and(inWindow, sql`${users.totpFailures} >= ${TWO_FACTOR_LIMITS.wrongCodesBeforeLock}`) ??
            sql`false`,
        ),
      ),
    )
    .returning({
      failures: users.totpFailures,
      secret: confirming ? users.totpPendingSecret : users.totpSecret,
      enabled: users.totpEnabled,
    });
  return reserved ?? null;
}

/**
 * Counts a code against the user's hourly limit before it is checked, then checks it against the
 * enrolled secret, or the pending one when `confirming`. An accepted code's step is remembered: it
 * cannot be used again.
 */
async function checkCode(
  ctx: Sealing,
  actor: Actor,
  userId: string,
  code: string,
  confirming: boolean,
): Promise<CodeCheck> {
  const now = new Date();
  const reserved = await reserveCodeAttempt(ctx, userId, confirming, now);
  if (!reserved) return "locked";
  const secret = reserved.secret ? unseal(ctx.key, reserved.secret, userId) : null;
  const step = secret && (confirming || reserved.enabled) ? stepOf(secret, code, now.getTime()) : null;
  if (step !== null) {
    const claimed = confirming
      ? await confirmSetup(ctx.db, actor, userId, step, reserved.secret, reserved.enabled)
      : await claimStep(ctx.db, userId, step, null);
    if (claimed && !confirming && reserved.secret && secret)
      await sealIfPlain(ctx, userId, reserved.secret, secret);
    if (claimed) return "accepted";
  }
  await recordFailure(ctx.db, actor, userId, reserved.failures, step === null ? "wrong" : "reused");
  return reserved.failures >= TWO_FACTOR_LIMITS.wrongCodesBeforeLock
    ? "locked"
    : step === null
      ? "wrong"
      : "reused";
}

/**
 * A code from the pending secret makes it the enrolled one, audited in the same transaction: the
 * database refuses the change without its record (docs/adr/0007-every-change-audited-by-the-database.md).
 */
async function confirmSetup(
  db: Db,
  actor: Actor,
  userId: string,
  step: number,
  pendingSealed: string | null,
  replacedAuthenticator: boolean,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const claimed = await claimStep(tx, userId, step, pendingSealed);
    if (claimed) {
      await recordAudit(tx, actor, {
        entityType: "user",
        entityId: userId,
        action: "two-factor-enabled",
        summary: { replacedAuthenticator },
      });
    }
    return claimed;
  });
}

/** Takes the step for this code, once; a confirmed set-up becomes the enrolled secret. */
async function claimStep(
  executor: Executor,
  userId: string,
  step: number,
  confirmedSealed: string | null,
): Promise<boolean> {
  const claimed = await executor
    .update(users)
    .set({
      totpLastStep: step,
      totpFailures: sql`GREATEST(${users.totpFailures} - 1, 0)`,
      ...(confirmedSealed
        ? { totpSecret: confirmedSealed, totpPendingSecret: null, totpEnabled: true, updatedAt: new Date() }
        : {}),
    })
    .where(
      and(
        eq(users.id, userId),
        or(isNull(users.totpLastStep), sql`${users.totpLastStep} < ${step}`),
        confirmedSealed ? eq(users.totpPendingSecret, confirmedSealed) : isNotNull(users.totpSecret),
      ),
    )
    .returning({ id: users.id });
  return claimed.length > 0;
}

/** A secret stored before sealing began is sealed at its first use (and at start). */
async function sealIfPlain(ctx: Sealing, userId: string, stored: string, secret: string) {
  if (isSealed(stored)) return;
  await ctx.db.transaction(async (tx) => {
    await markUnaudited(tx, SEALING);
    await tx
      .update(users)
      .set({ totpSecret: sealFor(ctx, userId, secret) })
      .where(and(eq(users.id, userId), eq(users.totpSecret, stored)));
  });
}

async function recordFailure(
  db: Db,
  actor: Actor,
  userId: string,
  failures: number,
  reason: "wrong" | "reused",
) {
  const lock = failures >= TWO_FACTOR_LIMITS.wrongCodesBeforeLock;
  await db.transaction(async (tx) => {
    await recordAudit(tx, actor, {
      entityType: "user",
      entityId: userId,
      action: "two-factor-code-refused",
      summary: { reason, failuresInWindow: failures },
    });
    if (!lock) return;
    const locked = await tx
      .update(users)
      .set({ totpLockedAt: new Date() })
      .where(and(eq(users.id, userId), isNull(users.totpLockedAt)))
      .returning({ id: users.id });
    if (locked.length === 0) return;
    await recordAudit(tx, actor, {
      entityType: "user",
      entityId: userId,
      action: "two-factor-locked",
      summary: { failures, windowMinutes: TWO_FACTOR_LIMITS.windowMinutes },
    });
  });
}

/** Ends two-factor sign-in for an account whose role does not need it (the route checks the role). */
async function remove(db: Db, actor: Actor, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await resetTwoFactor(tx, userId);
    await recordAudit(tx, actor, {
      entityType: "user",
      entityId: userId,
      action: "two-factor-removed",
      summary: {},
    });
  });
}

/** Seals any secret stored in plain text before sealing began; run at start, idempotent. */
async function sealPlaintextSecrets(ctx: Sealing): Promise<number> {
  const rows = await ctx.db
    .select({ id: users.id, secret: users.totpSecret, pending: users.totpPendingSecret })
    .from(users)
    .where(or(gt(sql`length(${users.totpSecret})`, 0), gt(sql`length(${users.totpPendingSecret})`, 0)));
  let sealed = 0;
  for (const row of rows) {
    for (const column of ["secret", "pending"] as const) {
      const value = row[column];
      if (!value || isSealed(value)) continue;
      const target = column === "secret" ? users.totpSecret : users.totpPendingSecret;
      // Conditional on the old value, so that two instances starting together do not seal twice.
      await ctx.db.transaction(async (tx) => {
        await markUnaudited(tx, SEALING);
        await tx
          .update(users)
          .set(
            column === "secret"
              ? { totpSecret: sealFor(ctx, row.id, value) }
              : { totpPendingSecret: sealFor(ctx, row.id, value) },
          )
          .where(and(eq(users.id, row.id), eq(target, value)));
      });
      sealed++;
    }
  }
  return sealed;
}

/**
 * Asks a signed-in person to prove it is them before a change to how they sign in: their password,
 * or for an account without one (single sign-on) a current two-factor code when they have one.
 */
async function confirmIdentity(
  ctx: Sealing,
  actor: Actor,
  userId: string,
  given: { password?: string | undefined; code?: string | undefined },
): Promise<"confirmed" | "wrong-password" | "wrong-code"> {
  const [row] = await ctx.db
    .select({ hash: users.passwordHash, enabled: users.totpEnabled })
    .from(users)
    .where(eq(users.id, userId));
  if (row?.hash)
    return (await verifyPassword(row.hash, given.password ?? "")) ? "confirmed" : "wrong-password";
  if (!row?.enabled) return "confirmed";
  const result = await checkCode(ctx, actor, userId, given.code ?? "", false);
  return result === "accepted" ? "confirmed" : "wrong-code";
}

/**
 * Two-factor sign-in: its state, its set-up and removal from the account page, and the checks of a
 * code. A change to it drops the cached sessions, whose user carries whether two-factor is on.
 */
export function createTwoFactorService(db: Db, sessionSecret: string, sessionCache: { clear(): void }) {
  const ctx: Sealing = { db, key: twoFactorKey(sessionSecret) };
  return {
    twoFactorState: (userId: string) => stateOf(ctx, userId),
    startTwoFactorSetup: (actor: Actor, userId: string) => startSetup(ctx, actor, userId),
    ensurePendingSecret: (actor: Actor, userId: string) => ensurePendingSecret(ctx, actor, userId),
    checkCode: (actor: Actor, userId: string, code: string, confirming: boolean) =>
      checkCode(ctx, actor, userId, code, confirming),
    sealPlaintextTwoFactorSecrets: () => sealPlaintextSecrets(ctx),
    confirmIdentity: (
      actor: Actor,
      userId: string,
      given: { password?: string | undefined; code?: string | undefined },
    ) => confirmIdentity(ctx, actor, userId, given),
    /** Confirms a new authenticator from the account page: the code must come from the pending secret. */
    confirmTwoFactorSetup: async (actor: Actor, userId: string, code: string): Promise<CodeCheck> => {
      const result = await checkCode(ctx, actor, userId, code, true);
      if (result === "accepted") sessionCache.clear();
      return result;
    },
    removeTwoFactor: async (actor: Actor, userId: string): Promise<void> => {
      sessionCache.clear();
      await remove(db, actor, userId);
    },
  };
}

export type TwoFactorService = ReturnType<typeof createTwoFactorService>;
