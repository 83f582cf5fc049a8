import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { twoFactorRequired } from "../../../domain/roles.js";
import { parseForm, formState, redirectWithErrors } from "../../../web/forms.js";
import { safeNext } from "../../../web/guards.js";
import { NO_PARAMS, pageAction } from "../../../web/page-action.js";
import { paths } from "../../../web/paths.js";
import { beginSession } from "../../../web/sessions.js";
import { ownAccount, ownId } from "../own-account.js";
import { nextQuery } from "../sign-in/routes.js";
import { otpauthUri, setupQrCode } from "./qr-code.js";

type App = Parameters<FastifyPluginAsyncZod>[0];

/** What the set-up steps show of a new authenticator's key: typed, as a link, and as a QR code. */
async function setupKeyView(email: string, secretKey: string) {
  const uri = otpauthUri(email, secretKey);
  return { secretKey, otpauthUri: uri, qrCode: await setupQrCode(uri) };
}

const codeForm = z.object({
  securityCode: z
    .string()
    .trim()
    .min(1, "Enter the 6-digit code from your authenticator app")
    .regex(/^\d{3}\s?\d{3}$/, "The code must be 6 digits, like 123456"),
  next: z.string().optional(),
});

const setupForm = z.object({
  currentPassword: z.string().max(256, "Password must be 256 characters or fewer").optional(),
  currentCode: z.string().trim().max(20, "The code must be 6 digits, like 123456").optional(),
});

const removeForm = z.object({
  removePassword: z.string().max(256, "Password must be 256 characters or fewer").optional(),
  removeCode: z.string().trim().max(20, "The code must be 6 digits, like 123456").optional(),
});

const TWO_FACTOR_LOCKED =
  "Your account is locked after too many wrong security codes. Ask an administrator to unlock it.";

function codeRefusal(result: "wrong" | "reused" | "locked"): string {
  if (result === "reused")
    return "That code has already been used. Wait for your app to show a new code and enter it";
  if (result === "locked") return TWO_FACTOR_LOCKED;
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

/**
 * The second step of a password sign-in: a code, or the set-up a role that needs two-factor owes.
 * Nobody is signed in yet (the session only holds who is pending), so these forms have no actor.
 */
function signInSecondStep(app: App) {
  const { accounts } = app.services;
  const page = { schema: { hide: true, querystring: nextQuery } };

  app.get(paths.signInTwoFactor, page, async (request, reply) => {
    const pending = request.session?.pendingUserId;
    if (!pending) return reply.redirect(paths.signIn, 303);
    const [state, totp, user] = await Promise.all([
      formState(request),
      accounts.twoFactorState(pending),
      accounts.userById(pending),
    ]);
    const next = safeNext(request.query.next);
    if (!totp?.enabled) {
      // Administrators must set up two-factor before they can go on (docs/security.md).
      return reply.view("accounts/views/two-factor-setup.njk", {
        pageTitle: "Set up two-factor sign-in",
        ...state,
        ...(await setupKeyView(user?.email ?? "", totp?.pendingSecret ?? "")),
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
      await beginSession(request, reply, accounts, app.config, { userId: pending });
      return reply.redirect(safeNext(form.next), 303);
    }
    if (result === "sign-in-ended" || result === "locked") {
      const message =
        result === "locked"
          ? TWO_FACTOR_LOCKED
          : "You entered a wrong security code too many times. Sign in again.";
      return redirectWithErrors(request, reply, paths.signIn, [{ path: "email", message }]);
    }
    const back = `${paths.signInTwoFactor}?next=${encodeURIComponent(safeNext(form.next))}`;
    return redirectWithErrors(request, reply, back, [{ path: "securityCode", message: codeRefusal(result) }]);
  });
}

/** A form of the account's two-factor page: a refusal goes back to that page. */
function onTwoFactorPage<B>(body: z.ZodType<B>, refusalField: string) {
  return {
    params: NO_PARAMS,
    load: async () => ({}),
    form: () => paths.accountTwoFactor,
    body,
    refusalField,
  };
}

/** The account's two-factor page: shows only; set-up and removal are POSTs, each asking who is there. */
function manageTwoFactor(app: App) {
  const { accounts } = app.services;

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
      ...(pendingSecret ? await setupKeyView(user.email, pendingSecret) : { secretKey: null }),
    });
  });

  app.post(
    paths.accountTwoFactorSetup,
    ownAccount,
    pageAction({
      ...onTwoFactorPage(setupForm, "currentPassword"),
      run: async ({ actor, input, request, reply }) => {
        const given = { password: input.currentPassword, code: input.currentCode };
        const identity = await accounts.confirmIdentity(actor, ownId(actor), given);
        if (identity !== "confirmed") {
          return redirectWithErrors(request, reply, paths.accountTwoFactor, [
            identityRefusal(identity, "setup"),
          ]);
        }
        await accounts.startTwoFactorSetup(actor, ownId(actor));
        // The page itself shows the new secret: there is nothing to say above it.
        return reply.redirect(paths.accountTwoFactor, 303);
      },
    }),
  );

  app.post(
    paths.accountTwoFactor,
    ownAccount,
    pageAction({
      ...onTwoFactorPage(codeForm, "securityCode"),
      run: async ({ actor, input, request, reply }) => {
        const result = await accounts.confirmTwoFactorSetup(actor, ownId(actor), input.securityCode);
        if (result !== "accepted") {
          return redirectWithErrors(request, reply, paths.accountTwoFactor, [
            { path: "securityCode", message: codeRefusal(result) },
          ]);
        }
        return { to: paths.account, success: "Two-factor sign-in is now on for your account" };
      },
    }),
  );
}

/** Turning two-factor off, for a role that does not need it, after the person proves it is them. */
function removeTwoFactor(app: App) {
  const { accounts } = app.services;

  app.post(
    paths.accountTwoFactorRemove,
    ownAccount,
    pageAction({
      ...onTwoFactorPage(removeForm, "removePassword"),
      run: async ({ actor, input, request, reply }) => {
        if (twoFactorRequired(actor.roles)) {
          return redirectWithErrors(request, reply, paths.accountTwoFactor, [
            {
              path: "removePassword",
              message:
                "Your role needs two-factor sign-in, so it cannot be turned off. Set up a new authenticator instead.",
            },
          ]);
        }
        const given = { password: input.removePassword, code: input.removeCode };
        const identity = await accounts.confirmIdentity(actor, ownId(actor), given);
        if (identity !== "confirmed") {
          return redirectWithErrors(request, reply, paths.accountTwoFactor, [
            identityRefusal(identity, "remove"),
          ]);
        }
        await accounts.removeTwoFactor(actor, ownId(actor));
        return { to: paths.account, success: "Two-factor sign-in is now off for your account" };
      },
    }),
  );
}

/** Two-factor sign-in (docs/security.md): the sign-in's second step and the account's own page. */
export const twoFactorRoutes: FastifyPluginAsyncZod = async (app) => {
  // Secrets stored before they were sealed are sealed at start, so backups carry only ciphertext.
  app.addHook("onReady", async () => {
    await app.services.accounts.sealPlaintextTwoFactorSecrets();
  });
  signInSecondStep(app);
  manageTwoFactor(app);
  removeTwoFactor(app);
};
