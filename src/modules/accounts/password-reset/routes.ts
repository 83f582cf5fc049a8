import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { zodFieldErrors } from "../../../inputs.js";
import { formState, parseForm, redirectWithSuccess, toFormErrors } from "../../../web/forms.js";
import { paths } from "../../../web/paths.js";
import { passwordSchema } from "../../users/service.js";
import { PASSWORD_RESET_LIMITS } from "./service.js";

type App = Parameters<FastifyPluginAsyncZod>[0];

const forgotForm = z.object({
  email: z
    .string()
    .trim()
    .min(1, "Enter your email address")
    .max(320, "Email address must be 320 characters or fewer")
    .pipe(z.email("Enter an email address in the correct format, like name@example.org")),
});

/** The same password rules as "Change your password" (passwordSchema). */
const resetForm = z
  .object({
    token: z.string().min(1).max(200),
    newPassword: passwordSchema,
    confirmPassword: z.string().min(1, "Confirm your new password"),
  })
  .refine((v) => v.newPassword === v.confirmPassword, {
    path: ["confirmPassword"],
    message: "The passwords do not match",
  });

const tokenQuery = z.object({ token: z.string().min(1).max(200).optional().catch(undefined) });

const SENT_PATH = `${paths.forgotPassword}/sent`;

const page = { schema: { hide: true } };

const expired = {
  pageTitle: "The link has expired or has been used",
  forgotPassword: paths.forgotPassword,
};

/** "Forgot your password?": the form that asks for a link, and the page that says one is on its way. */
function forgotPasswordPages(app: App) {
  const { passwordResets } = app.services;

  app.get(paths.forgotPassword, page, async (request, reply) => {
    return reply.view("accounts/views/forgot-password.njk", {
      pageTitle: "Reset your password",
      ...(await formState(request)),
    });
  });

  app.post(paths.forgotPassword, page, async (request, reply) => {
    const form = await parseForm(request, reply, forgotForm, paths.forgotPassword);
    if (!form) return reply;
    const outcome = await passwordResets.requestReset(form.email, request.ip);
    if (outcome === "throttled") {
      return reply.code(429).view("errors/too-many.njk", {
        pageTitle: "Too many requests to reset a password",
        message: `There have been too many requests to reset a password for this address or from your network. Wait ${String(PASSWORD_RESET_LIMITS.windowMinutes)} minutes and try again.`,
      });
    }
    // The same answer whether or not the address has an account.
    return reply.redirect(SENT_PATH, 303);
  });

  app.get(SENT_PATH, page, async (_request, reply) => {
    return reply.view("accounts/views/forgot-password-sent.njk", {
      pageTitle: "Check your email",
      minutes: PASSWORD_RESET_LIMITS.resetMinutes,
    });
  });
}

/** The page a link opens: the form to choose a new password, while the link is live. */
function resetPasswordPages(app: App) {
  const { passwordResets } = app.services;

  app.get(
    paths.resetPassword,
    { schema: { hide: true, querystring: tokenQuery } },
    async (request, reply) => {
      const { token } = request.query;
      // The page holds a live token: no browser or proxy keeps it, and it is never sent elsewhere.
      reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer");
      if (!token || !(await passwordResets.linkIsLive(token))) {
        return reply.view("accounts/views/reset-password-expired.njk", expired);
      }
      return reply.view("accounts/views/reset-password.njk", { pageTitle: "Choose a new password", token });
    },
  );

  app.post(paths.resetPassword, page, async (request, reply) => {
    reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer");
    const parsed = resetForm.safeParse(request.body ?? {});
    if (!parsed.success) {
      const token = z.object({ token: z.string().min(1).max(200) }).safeParse(request.body ?? {});
      if (!token.success) return reply.view("accounts/views/reset-password-expired.njk", expired);
      // Shown again on this response, not through a redirect: the token is never stored with the errors.
      return reply.code(400).view("accounts/views/reset-password.njk", {
        pageTitle: "Choose a new password",
        token: token.data.token,
        errors: toFormErrors(zodFieldErrors(parsed.error)),
      });
    }
    const outcome = await passwordResets.resetPassword(parsed.data.token, parsed.data.newPassword);
    if (outcome.kind === "invalid") return reply.view("accounts/views/reset-password-expired.njk", expired);
    return redirectWithSuccess(
      request,
      reply,
      paths.signIn,
      "Your password has been changed. Sign in with your new password.",
    );
  });
}

/**
 * "Forgot your password?" (a link by email) and the page the link opens. Nobody is signed in here, so
 * no permission applies (and no actor: these forms are not page actions); every form still carries
 * its CSRF token.
 */
export const passwordResetRoutes: FastifyPluginAsyncZod = async (app) => {
  forgotPasswordPages(app);
  resetPasswordPages(app);
};
