import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { twoFactorRequired } from "../../domain/roles.js";
import { parseForm, formState, redirectWithErrors, redirectWithSuccess } from "../../web/forms.js";
import { requirePage, safeNext } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { beginSession, SESSION_COOKIE, sessionCookieOptions } from "../../web/sessions.js";
import { passwordSchema } from "../users/service.js";

const signInForm = z.object({
  email: z
    .string()
    .trim()
    .min(1, "Enter your email address")
    .max(320, "Email address must be 320 characters or fewer"),
  password: z.string().min(1, "Enter your password").max(256, "Password must be 256 characters or fewer"),
  next: z.string().optional(),
});

const codeForm = z.object({
  securityCode: z
    .string()
    .trim()
    .min(1, "Enter the 6-digit code from your authenticator app")
    .regex(/^\d{3}\s?\d{3}$/, "The code must be 6 digits, like 123456"),
  next: z.string().optional(),
});

const passwordForm = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password"),
    newPassword: passwordSchema,
    confirmPassword: z.string().min(1, "Confirm your new password"),
  })
  .refine((v) => v.newPassword === v.confirmPassword, {
    path: ["confirmPassword"],
    message: "The passwords do not match",
  });

const tokenForm = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Enter a name for the token, like 'Reporting script'")
    .max(100, "Name must be 100 characters or fewer"),
});

const setupForm = z.object({
  currentPassword: z.string().max(256, "Password must be 256 characters or fewer").optional(),
  currentCode: z.string().trim().max(20, "The code must be 6 digits, like 123456").optional(),
});

const removeForm = z.object({
  removePassword: z.string().max(256, "Password must be 256 characters or fewer").optional(),
  removeCode: z.string().trim().max(20, "The code must be 6 digits, like 123456").optional(),
});

function codeRefusal(result: "wrong" | "reused" | "locked"): string {
  if (result === "reused")
    return "That code has already been used. Wait for your app to show a new code and enter it";
  if (result === "locked")
    return "Your account is locked after too many wrong security codes. Ask an administrator to unlock it.";
  return "The code is not correct or has expired. Enter the code your app shows now";
}

function identityRefusal(outcome: "wrong-password" | "wrong-code", form: "setup" | "remove") {
  const field = outcome === "wrong-password" ? "Password" : "Code";
  return {
    path: `${form === "setup" ? "current" : "remove"}${field}`,
    message:
      outcome === "wrong-password"
        ? "Your current password is not correct"
        : "The code is not correct or has expired. Enter the code your app shows now",
  };
}

function otpauthUri(email: string, secretKey: string): string {
  return `otpauth://totp/Commissioner:${encodeURIComponent(email)}?secret=${secretKey}&issuer=Commissioner`;
}

function lockedMessage(until: Date): string {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  return `Your account is locked after too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

/** Sign-in, two-factor, sign-out and the account pages (docs/security.md). */
export async function accountRoutes(app: FastifyInstance) {
  const { accounts } = app.services;
  const config = app.config;
  // Secrets stored before they were sealed are sealed at start, so backups carry only ciphertext.
  app.addHook("onReady", async () => {
    await accounts.sealPlaintextTwoFactorSecrets();
  });

  app.get(paths.signIn, { schema: { hide: true } }, async (request, reply) => {
    if (request.actor) return reply.redirect(paths.home, 303);
    const state = await formState(request);
    const next = (request.query as { next?: string }).next;
    return reply.view("accounts/views/sign-in.njk", { pageTitle: "Sign in", ...state, next: safeNext(next) });
  });

  app.post(paths.signIn, { schema: { hide: true } }, async (request, reply) => {
    const form = await parseForm(request, reply, signInForm, paths.signIn);
    if (!form) return reply;
    const result = await accounts.signInWithPassword(form.email, form.password, request.ip);
    const next = safeNext(form.next);
    switch (result.kind) {
      case "throttled":
        return reply.code(429).view("errors/too-many.njk", {
          pageTitle: "Too many sign-in attempts",
          message:
            "There have been too many failed sign-in attempts from your network. Wait 15 minutes and try again.",
        });
      case "locked":
        return redirectWithErrors(request, reply, paths.signIn, [
          { path: "email", message: lockedMessage(result.until) },
        ]);
      case "invalid":
        return redirectWithErrors(request, reply, paths.signIn, [
          { path: "email", message: "Enter a correct email address and password" },
        ]);
      case "two-factor-locked":
        return redirectWithErrors(request, reply, paths.signIn, [
          {
            path: "email",
            message:
              "Your account is locked after too many wrong security codes. Ask an administrator to unlock it.",
          },
        ]);
      case "second-factor":
        // A set-up owed is begun here, by this POST: the two-factor page itself only shows (no GET writes).
        await accounts.ensurePendingTwoFactor(result.userId);
        await beginSession(request, reply, accounts, config, { pendingUserId: result.userId });
        return reply.redirect(`${paths.signInTwoFactor}?next=${encodeURIComponent(next)}`, 303);
      case "signed-in":
        await beginSession(request, reply, accounts, config, { userId: result.user.id });
        return reply.redirect(next, 303);
    }
  });

  app.get(paths.signInTwoFactor, { schema: { hide: true } }, async (request, reply) => {
    const pending = request.session?.pendingUserId;
    if (!pending) return reply.redirect(paths.signIn, 303);
    const [state, totp, user] = await Promise.all([
      formState(request),
      accounts.twoFactorState(pending),
      accounts.userById(pending),
    ]);
    const next = safeNext((request.query as { next?: string }).next);
    if (!totp?.enabled) {
      // Administrators must set up two-factor before they can go on (docs/security.md).
      return reply.view("accounts/views/two-factor-setup.njk", {
        pageTitle: "Set up two-factor sign-in",
        ...state,
        secretKey: totp?.pendingSecret ?? "",
        otpauthUri: otpauthUri(user?.email ?? "", totp?.pendingSecret ?? ""),
        action: paths.signInTwoFactor,
        next,
        duringSignIn: true,
      });
    }
    return reply.view("accounts/views/two-factor.njk", {
      pageTitle: "Enter your security code",
      ...state,
      next,
    });
  });

  app.post(paths.signInTwoFactor, { schema: { hide: true } }, async (request, reply) => {
    const session = request.session;
    const pending = session?.pendingUserId;
    if (!session || !pending) return reply.redirect(paths.signIn, 303);
    const form = await parseForm(request, reply, codeForm, paths.signInTwoFactor);
    if (!form) return reply;
    const result = await accounts.checkSignInCode(session.id, pending, form.securityCode);
    if (result === "accepted") {
      await beginSession(request, reply, accounts, config, { userId: pending });
      return reply.redirect(safeNext(form.next), 303);
    }
    if (result === "sign-in-ended" || result === "locked") {
      return redirectWithErrors(request, reply, paths.signIn, [
        {
          path: "email",
          message:
            result === "locked"
              ? "Your account is locked after too many wrong security codes. Ask an administrator to unlock it."
              : "You entered a wrong security code too many times. Sign in again.",
        },
      ]);
    }
    return redirectWithErrors(
      request,
      reply,
      `${paths.signInTwoFactor}?next=${encodeURIComponent(safeNext(form.next))}`,
      [{ path: "securityCode", message: codeRefusal(result) }],
    );
  });

  app.post(paths.signOut, { schema: { hide: true } }, async (request, reply) => {
    if (request.browserToken) await accounts.endSession(request.browserToken);
    reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(config));
    return reply.redirect(paths.signIn, 303);
  });

  const ownAccount = { preHandler: requirePage("account:manage-own"), schema: { hide: true } };

  app.get(paths.account, ownAccount, async (request, reply) => {
    const user = request.user;
    if (!user) return reply;
    const [state, tokens, organisationName] = await Promise.all([
      formState(request),
      accounts.listApiTokens(user.id),
      accounts.organisationName(user.organisationId),
    ]);
    return reply.view("accounts/views/account.njk", {
      pageTitle: "Your account",
      ...state,
      account: user,
      organisationName,
      tokens,
      twoFactorRequired: twoFactorRequired(user.roles),
    });
  });

  app.get(paths.accountPassword, ownAccount, async (request, reply) => {
    return reply.view("accounts/views/password.njk", {
      pageTitle: "Change your password",
      ...(await formState(request)),
    });
  });

  app.post(paths.accountPassword, ownAccount, async (request, reply) => {
    const form = await parseForm(request, reply, passwordForm, paths.accountPassword);
    const actor = request.actor;
    if (!form || !actor?.id) return reply;
    const changed = await accounts.changePassword(
      actor,
      actor.id,
      form.currentPassword,
      form.newPassword,
      request.session?.id ?? null,
    );
    if (changed.outcome === "wrong-current") {
      return redirectWithErrors(request, reply, paths.accountPassword, [
        { path: "currentPassword", message: "Your current password is not correct" },
      ]);
    }
    return redirectWithSuccess(
      request,
      reply,
      paths.account,
      "Your password has been changed. You have been signed out everywhere else you were signed in.",
    );
  });

  // Shows only: set-up and removal are the POSTs below, each asking who is there (docs/security.md).
  app.get(paths.accountTwoFactor, ownAccount, async (request, reply) => {
    const user = request.user;
    if (!user) return reply;
    const [state, totp] = await Promise.all([formState(request), accounts.twoFactorState(user.id)]);
    const pendingSecret = totp?.pendingSecret ?? null;
    return reply.view("accounts/views/two-factor-manage.njk", {
      pageTitle: "Two-factor sign-in",
      ...state,
      enabled: totp?.enabled ?? false,
      required: twoFactorRequired(user.roles),
      hasPassword: totp?.hasPassword ?? false,
      secretKey: pendingSecret,
      otpauthUri: pendingSecret ? otpauthUri(user.email, pendingSecret) : "",
    });
  });

  app.post(paths.accountTwoFactorSetup, ownAccount, async (request, reply) => {
    const form = await parseForm(request, reply, setupForm, paths.accountTwoFactor);
    const actor = request.actor;
    if (!form || !actor?.id) return reply;
    const identity = await accounts.confirmIdentity(actor, actor.id, {
      password: form.currentPassword,
      code: form.currentCode,
    });
    if (identity !== "confirmed") {
      return redirectWithErrors(request, reply, paths.accountTwoFactor, [identityRefusal(identity, "setup")]);
    }
    await accounts.startTwoFactorSetup(actor, actor.id);
    return reply.redirect(paths.accountTwoFactor, 303);
  });

  app.post(paths.accountTwoFactor, ownAccount, async (request, reply) => {
    const form = await parseForm(request, reply, codeForm, paths.accountTwoFactor);
    const actor = request.actor;
    if (!form || !actor?.id) return reply;
    const result = await accounts.confirmTwoFactorSetup(actor, actor.id, form.securityCode);
    if (result !== "accepted") {
      return redirectWithErrors(request, reply, paths.accountTwoFactor, [
        { path: "securityCode", message: codeRefusal(result) },
      ]);
    }
    return redirectWithSuccess(
      request,
      reply,
      paths.account,
      "Two-factor sign-in is now on for your account",
    );
  });

  app.post(paths.accountTwoFactorRemove, ownAccount, async (request, reply) => {
    const form = await parseForm(request, reply, removeForm, paths.accountTwoFactor);
    const user = request.user;
    const actor = request.actor;
    if (!form || !user || !actor) return reply;
    if (twoFactorRequired(user.roles)) {
      return redirectWithErrors(request, reply, paths.accountTwoFactor, [
        {
          path: "removePassword",
          message:
            "Your role needs two-factor sign-in, so it cannot be turned off. Set up a new authenticator instead.",
        },
      ]);
    }
    const identity = await accounts.confirmIdentity(actor, user.id, {
      password: form.removePassword,
      code: form.removeCode,
    });
    if (identity !== "confirmed") {
      return redirectWithErrors(request, reply, paths.accountTwoFactor, [
        identityRefusal(identity, "remove"),
      ]);
    }
    await accounts.removeTwoFactor(actor, user.id);
    return redirectWithSuccess(
      request,
      reply,
      paths.account,
      "Two-factor sign-in is now off for your account",
    );
  });

  app.post(paths.accountTokens, ownAccount, async (request, reply) => {
    const form = await parseForm(request, reply, tokenForm, paths.account);
    const actor = request.actor;
    if (!form || !actor?.id) return reply;
    const created = await accounts.createApiToken(actor, actor.id, form.name);
    // Shown once, on this response only: never stored in the clear or put in a redirect.
    return reply.view("accounts/views/token-created.njk", {
      pageTitle: "Your new API token",
      token: created.token,
      name: created.name,
    });
  });

  app.post(paths.accountTokenRevoke(), ownAccount, async (request, reply) => {
    const actor = request.actor;
    const { id } = request.params as { id: string };
    if (!actor?.id) return reply;
    const parsed = z.uuid().safeParse(id);
    const revoked = parsed.success && (await accounts.revokeApiToken(actor, actor.id, parsed.data));
    if (!revoked) return reply.code(404).view("errors/not-found.njk", { pageTitle: "Page not found" });
    return redirectWithSuccess(request, reply, paths.account, "The token has been revoked");
  });
}
