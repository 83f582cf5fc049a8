import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { twoFactorRequired } from "../../domain/roles.js";
import { parseForm, formState, redirectWithErrors, redirectWithSuccess } from "../../web/forms.js";
import { requirePage, safeNext } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { beginSession, SESSION_COOKIE, sessionCookieOptions } from "../../web/sessions.js";
import { passwordSchema } from "../users/service.js";
import { actorFor } from "./service.js";

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

function lockedMessage(until: Date): string {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  return `Your account is locked after too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

/** Sign-in, two-factor, sign-out and the account pages (issue 2, item 4 and 6). */
export async function accountRoutes(app: FastifyInstance) {
  const { accounts } = app.services;
  const config = app.config;

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
      case "second-factor":
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
    const state = await formState(request);
    const totp = await accounts.totpState(pending);
    const next = safeNext((request.query as { next?: string }).next);
    if (!totp?.enabled) {
      // Administrators must set up two-factor before they can go on (issue 2, item 4).
      const secretKey = await accounts.beginTotpSetup(pending);
      const user = await accounts.userById(pending);
      return reply.view("accounts/views/two-factor-setup.njk", {
        pageTitle: "Set up two-factor sign-in",
        ...state,
        secretKey,
        otpauthUri: user
          ? `otpauth://totp/Commissioner:${encodeURIComponent(user.email)}?secret=${secretKey}&issuer=Commissioner`
          : "",
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
    const pending = request.session?.pendingUserId;
    if (!pending) return reply.redirect(paths.signIn, 303);
    const form = await parseForm(request, reply, codeForm, paths.signInTwoFactor);
    if (!form) return reply;
    const totp = await accounts.totpState(pending);
    const user = await accounts.userById(pending);
    if (!user || !totp?.secret) return reply.redirect(paths.signIn, 303);
    const ok = totp.enabled
      ? accounts.verifyTotp(totp.secret, form.securityCode)
      : await accounts.confirmTotpSetup(actorFor(user), user.id, form.securityCode);
    if (!ok) {
      return redirectWithErrors(
        request,
        reply,
        `${paths.signInTwoFactor}?next=${encodeURIComponent(safeNext(form.next))}`,
        [
          {
            path: "securityCode",
            message: "The code is not correct or has expired. Enter the code your app shows now",
          },
        ],
      );
    }
    await beginSession(request, reply, accounts, config, { userId: user.id });
    return reply.redirect(safeNext(form.next), 303);
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
    const outcome = await accounts.changePassword(actor, actor.id, form.currentPassword, form.newPassword);
    if (outcome === "wrong-current") {
      return redirectWithErrors(request, reply, paths.accountPassword, [
        { path: "currentPassword", message: "Your current password is not correct" },
      ]);
    }
    return redirectWithSuccess(request, reply, paths.account, "Your password has been changed");
  });

  app.get(paths.accountTwoFactor, ownAccount, async (request, reply) => {
    const user = request.user;
    if (!user) return reply;
    const secretKey = await accounts.beginTotpSetup(user.id);
    return reply.view("accounts/views/two-factor-setup.njk", {
      pageTitle: "Set up two-factor sign-in",
      ...(await formState(request)),
      secretKey,
      otpauthUri: `otpauth://totp/Commissioner:${encodeURIComponent(user.email)}?secret=${secretKey}&issuer=Commissioner`,
      action: paths.accountTwoFactor,
      alreadyEnabled: user.totpEnabled,
    });
  });

  app.post(paths.accountTwoFactor, ownAccount, async (request, reply) => {
    const form = await parseForm(request, reply, codeForm, paths.accountTwoFactor);
    const actor = request.actor;
    if (!form || !actor?.id) return reply;
    if (!(await accounts.confirmTotpSetup(actor, actor.id, form.securityCode))) {
      return redirectWithErrors(request, reply, paths.accountTwoFactor, [
        {
          path: "securityCode",
          message: "The code is not correct or has expired. Enter the code your app shows now",
        },
      ]);
    }
    return redirectWithSuccess(
      request,
      reply,
      paths.account,
      "Two-factor sign-in is now on for your account",
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
