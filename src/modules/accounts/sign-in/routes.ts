import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { parseForm, formState, redirectWithErrors } from "../../../web/forms.js";
import { safeNext } from "../../../web/guards.js";
import { paths } from "../../../web/paths.js";
import { beginSession, SESSION_COOKIE, sessionCookieOptions } from "../../../web/sessions.js";
import type { SignInResult } from "./service.js";

const signInForm = z.object({
  email: z
    .string()
    .trim()
    .min(1, "Enter your email address")
    .max(320, "Email address must be 320 characters or fewer"),
  password: z.string().min(1, "Enter your password").max(256, "Password must be 256 characters or fewer"),
  next: z.string().optional(),
});

/** Where to go after signing in: anything that is not one path of ours is the home page (safeNext). */
export const nextQuery = z.object({ next: z.string().optional().catch(undefined) });

function lockedMessage(until: Date): string {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  return `Your account is locked after too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

/** Why a password sign-in was refused, as the sign-in page's error on the email question. */
function refusalOf(result: Extract<SignInResult, { kind: "locked" | "invalid" | "two-factor-locked" }>) {
  if (result.kind === "locked") return lockedMessage(result.until);
  if (result.kind === "invalid") return "Enter a correct email address and password";
  return "Your account is locked after too many wrong security codes. Ask an administrator to unlock it.";
}

/**
 * Sign-in with an email address and password, and sign-out (docs/security.md). Nobody is signed in
 * yet, so the sign-in form has no actor to act as: it is parsed and answered here, not by a use case
 * that records a change.
 */
export const signInRoutes: FastifyPluginAsyncZod = async (app) => {
  const { accounts } = app.services;
  const config = app.config;

  app.get(paths.signIn, { schema: { hide: true, querystring: nextQuery } }, async (request, reply) => {
    if (request.actor) return reply.redirect(paths.home, 303);
    const state = await formState(request);
    return reply.view("accounts/views/sign-in.njk", {
      pageTitle: "Sign in",
      ...state,
      next: safeNext(request.query.next),
    });
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
      case "invalid":
      case "two-factor-locked":
        return redirectWithErrors(request, reply, paths.signIn, [
          { path: "email", message: refusalOf(result) },
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

  app.post(paths.signOut, { schema: { hide: true } }, async (request, reply) => {
    if (request.browserToken) await accounts.endSession(request.browserToken);
    reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(config));
    return reply.redirect(paths.signIn, 303);
  });
};
