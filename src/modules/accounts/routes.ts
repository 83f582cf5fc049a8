import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { twoFactorRequired } from "../../domain/roles.js";
import { formState, redirectWithErrors } from "../../web/forms.js";
import { NO_PARAMS, pageAction } from "../../web/page-action.js";
import { paths } from "../../web/paths.js";
import { passwordSchema } from "../users/service.js";
import { ownAccount, ownId } from "./own-account.js";

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

/**
 * The signed-in person's own account: their details and tokens, and a new password. Sign-in, two-factor,
 * password reset, single sign-on and API tokens are in the folders beside this one (docs/security.md).
 */
export const accountRoutes: FastifyPluginAsyncZod = async (app) => {
  const { accounts } = app.services;

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

  app.post(
    paths.accountPassword,
    ownAccount,
    pageAction({
      params: NO_PARAMS,
      load: async () => ({}),
      form: () => paths.accountPassword,
      body: passwordForm,
      refusalField: "currentPassword",
      run: async ({ actor, input, request, reply }) => {
        const changed = await accounts.changePassword(
          actor,
          ownId(actor),
          input.currentPassword,
          input.newPassword,
          request.session?.id ?? null,
        );
        if (changed.outcome === "wrong-current") {
          return redirectWithErrors(request, reply, paths.accountPassword, [
            { path: "currentPassword", message: "Your current password is not correct" },
          ]);
        }
        return {
          to: paths.account,
          success:
            "Your password has been changed. You have been signed out everywhere else you were signed in.",
        };
      },
    }),
  );
};
