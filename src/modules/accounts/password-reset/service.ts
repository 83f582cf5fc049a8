import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Db, Executor } from "../../../db/client.js";
import { passwordResetRequests, passwordResetTokens, users } from "../../../db/schema/index.js";
import type { Actor } from "../../../domain/policy.js";
import { recordAudit } from "../../audit/service.js";
import { enqueueMessage, type MessageLinks } from "../../notifications/service.js";
import { forgetCachedUser } from "../cache.js";
import { hashPassword } from "../passwords.js";
import { endSessionsOf } from "../session-store.js";
import { hmacHex, randomToken, sha256Hex } from "../tokens.js";

/** How long a link lasts, and how often one may be asked for: held as data so the policy can be read. */
export const PASSWORD_RESET_LIMITS = {
  resetMinutes: 30,
  newAccountHours: 72,
  requestsPerEmailPerWindow: 3,
  requestsPerSourcePerWindow: 10,
  windowMinutes: 15,
};

type ResetPurpose = "reset" | "new-account";

/** Who asks for a link: someone at the sign-in page, not (yet) known to be the account's owner. */
const RESET_FORM_ACTOR: Actor = {
  id: null,
  label: "password reset form (not signed in)",
  roles: [],
  organisationId: null,
};

/** Who a change made through a link is recorded as: the account's owner, who alone holds the link. */
function ownerActor(user: { id: string; name: string; email: string }): Actor {
  return { id: user.id, label: `${user.name} <${user.email}>`, roles: [], organisationId: null };
}

/**
 * Makes a single-use link to choose a password, on the caller's transaction; only the token's hash is
 * stored. Any earlier link of the user stops working: only the newest one is live.
 */
async function issuePasswordLink(
  tx: Executor,
  userId: string,
  purpose: ResetPurpose,
  links: MessageLinks,
): Promise<string> {
  const token = randomToken();
  const lifetimeMs =
    purpose === "reset"
      ? PASSWORD_RESET_LIMITS.resetMinutes * 60_000
      : PASSWORD_RESET_LIMITS.newAccountHours * 3_600_000;
  await tx
    .update(passwordResetTokens)
    .set({ usedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(passwordResetTokens.userId, userId), isNull(passwordResetTokens.usedAt)));
  await tx.insert(passwordResetTokens).values({
    userId,
    tokenHash: sha256Hex(token),
    purpose,
    expiresAt: new Date(Date.now() + lifetimeMs),
  });
  return links.resetPassword(token);
}

/**
 * Tells a new user their account exists and how to sign in, with a link to choose their own password
 * (never the password itself). Call it inside the use case that creates the user.
 */
export async function announceNewAccount(
  tx: Executor,
  user: { id: string; email: string },
  links: MessageLinks,
): Promise<void> {
  await enqueueMessage(tx, {
    templateKey: "account-created",
    recipient: user.email,
    personalisation: {
      signInLink: links.signIn,
      setPasswordLink: await issuePasswordLink(tx, user.id, "new-account", links),
      hours: String(PASSWORD_RESET_LIMITS.newAccountHours),
    },
  });
}

export type ResetRequestOutcome = "answered" | "throttled";
export type ResetOutcome = { kind: "changed"; userId: string } | { kind: "invalid" };

/** What the reset use cases share: the database, the secret the throttle keys are made with, the links. */
interface Resets {
  db: Db;
  secret: string;
  links: MessageLinks;
}

/** Requests in the window from this source, and for this email address. */
async function recentRequests(db: Db, sourceHash: string, emailHash: string) {
  const windowStart = new Date(Date.now() - PASSWORD_RESET_LIMITS.windowMinutes * 60_000);
  const [row] = await db
    .select({
      fromSource: sql<number>`count(*) FILTER (WHERE ${passwordResetRequests.sourceHash} = ${sourceHash})::int`,
      forEmail: sql<number>`count(*) FILTER (WHERE ${passwordResetRequests.emailHash} = ${emailHash})::int`,
    })
    .from(passwordResetRequests)
    .where(
      and(
        or(eq(passwordResetRequests.sourceHash, sourceHash), eq(passwordResetRequests.emailHash, emailHash)),
        gt(passwordResetRequests.createdAt, windowStart),
      ),
    );
  return { fromSource: row?.fromSource ?? 0, forEmail: row?.forEmail ?? 0 };
}

/**
 * Sends a link to the address if it is an active account's. The answer is the same whether or not
 * it is, so the form does not tell who has an account; only throttling shows, and it counts every
 * request, for an address that has an account or not.
 */
async function requestReset(
  { db, secret, links }: Resets,
  emailAddress: string,
  ip: string,
): Promise<ResetRequestOutcome> {
  const email = emailAddress.trim().toLowerCase();
  const sourceHash = hmacHex(secret, `reset-source:${ip}`);
  const emailHash = hmacHex(secret, `reset-email:${email}`);
  const recent = await recentRequests(db, sourceHash, emailHash);
  if (
    recent.fromSource >= PASSWORD_RESET_LIMITS.requestsPerSourcePerWindow ||
    recent.forEmail >= PASSWORD_RESET_LIMITS.requestsPerEmailPerWindow
  )
    return "throttled";
  await db.transaction(async (tx) => {
    await tx.insert(passwordResetRequests).values({ sourceHash, emailHash });
    const [user] = await tx
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(and(eq(sql`lower(${users.email})`, email), eq(users.active, true)))
      .limit(1);
    if (!user) return;
    const link = await issuePasswordLink(tx, user.id, "reset", links);
    await enqueueMessage(tx, {
      templateKey: "password-reset",
      recipient: user.email,
      personalisation: { link, minutes: String(PASSWORD_RESET_LIMITS.resetMinutes) },
    });
    await recordAudit(tx, RESET_FORM_ACTOR, {
      entityType: "user",
      entityId: user.id,
      action: "password-reset-requested",
      summary: { minutes: PASSWORD_RESET_LIMITS.resetMinutes },
    });
  });
  return "answered";
}

/** The live link's token row and its user, or null when the link is unknown, used or out of date. */
async function liveToken(ex: Executor, token: string, lock = false) {
  const query = ex
    .select({
      id: passwordResetTokens.id,
      purpose: passwordResetTokens.purpose,
      userId: users.id,
      name: users.name,
      email: users.email,
    })
    .from(passwordResetTokens)
    .innerJoin(users, eq(users.id, passwordResetTokens.userId))
    .where(
      and(
        eq(passwordResetTokens.tokenHash, sha256Hex(token)),
        isNull(passwordResetTokens.usedAt),
        gt(passwordResetTokens.expiresAt, new Date()),
        eq(users.active, true),
      ),
    )
    .limit(1);
  const [row] = lock ? await query.for("update", { of: passwordResetTokens }) : await query;
  return row ?? null;
}

/**
 * Sets the new password through a live link: the link is spent, every session of the user ends (a
 * person who took over the account is signed out) and the change is audited.
 */
async function resetPassword(db: Db, token: string, newPassword: string): Promise<ResetOutcome> {
  const passwordHash = await hashPassword(newPassword);
  const outcome = await db.transaction(async (tx): Promise<ResetOutcome> => {
    const live = await liveToken(tx, token, true);
    if (!live) return { kind: "invalid" };
    await tx
      .update(passwordResetTokens)
      .set({ usedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(passwordResetTokens.userId, live.userId), isNull(passwordResetTokens.usedAt)));
    await tx
      .update(users)
      .set({
        passwordHash,
        // The link went to the address and came back: it is proved, as the supplier's confirming link proves it.
        emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`,
        failedSignIns: 0,
        lockedUntil: null,
        updatedAt: new Date(),
        version: sql`${users.version} + 1`,
      })
      .where(eq(users.id, live.userId));
    const sessionsEnded = await endSessionsOf(tx, live.userId);
    await recordAudit(tx, ownerActor({ id: live.userId, name: live.name, email: live.email }), {
      entityType: "user",
      entityId: live.userId,
      action: live.purpose === "reset" ? "password-reset" : "password-chosen",
      summary: { sessionsEnded },
    });
    return { kind: "changed", userId: live.userId };
  });
  // The ended sessions stop working at once, not when the embedded database's cache expires.
  if (outcome.kind === "changed") forgetCachedUser(outcome.userId);
  return outcome;
}

/** Old requests and spent links are of no further use (run with the hourly session purge). */
async function purge(db: Db): Promise<void> {
  const cutoff = new Date(Date.now() - PASSWORD_RESET_LIMITS.windowMinutes * 60_000);
  await db.delete(passwordResetRequests).where(lt(passwordResetRequests.createdAt, cutoff));
  await db.delete(passwordResetTokens).where(lt(passwordResetTokens.expiresAt, new Date()));
}

/** "Forgot your password?": asking for a link, and choosing a new password with it. */
export function createPasswordResetService(db: Db, secret: string, links: MessageLinks) {
  const resets: Resets = { db, secret, links };
  return {
    requestReset: (emailAddress: string, ip: string) => requestReset(resets, emailAddress, ip),
    /** Whether a link can still be used (the page shows the form, or says the link has expired). */
    linkIsLive: async (token: string): Promise<boolean> => (await liveToken(db, token)) !== null,
    resetPassword: (token: string, newPassword: string) => resetPassword(db, token, newPassword),
    purge: () => purge(db),
  };
}
