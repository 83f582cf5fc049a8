import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ROLE_CODES, ROLE_NAMES } from "../../domain/roles.js";
import { renderStatus } from "../../web/errors.js";
import { formState, redirectWithErrors, redirectWithSuccess, zodFieldErrors } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { ConflictError, ProblemError, type FieldError } from "../../errors.js";
import { ORGANISATION_KIND_NAMES, type PresentedOrganisation } from "../organisations/service.js";
import { userPaths } from "./paths.js";
import type { PresentedUser } from "./presenter.js";
import { passwordSchema, STALE_USER_MESSAGE, userInput, userUpdateInput } from "./service.js";

/** @fastify/formbody gives a string for one checked box and an array for several: always a list. */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null || value === "") return [];
  return Array.isArray(value) ? value : [value];
}

/** The page form: the API's schema, with the browser's ways of sending roles and an empty password. */
const userForm = userInput.extend({
  roles: z.preprocess(asList, userInput.shape.roles),
  password: z.preprocess((v) => (v === "" ? undefined : v), passwordSchema.optional()),
});

/** `roles.2` is a problem with the roles question: the checkboxes have one error message. */
function formErrors(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors
    .map((e) => ({ ...e, path: e.path.split(".")[0] ?? e.path }))
    .filter((e) => !seen.has(e.path) && seen.add(e.path));
}

/** What the organisation question sends: the code where there is one, otherwise the exact name. */
function organisationOptions(all: PresentedOrganisation[], selected: unknown) {
  return [
    { value: "", text: "None (council staff)", selected: !selected },
    ...all.map((o) => {
      const value = o.code ?? o.name;
      const kind =
        (ORGANISATION_KIND_NAMES as Partial<Record<string, { one: string }>>)[o.kind]?.one ?? o.kind;
      return { value, text: `${o.name} (${kind})`, selected: selected === value };
    }),
  ];
}

const ROLE_ITEMS = ROLE_CODES.map((code) => ({ value: code, text: ROLE_NAMES[code] }));

/** The user page's form: roles and organisation, with the version the page was read at. */
const userChangeForm = z.object({
  roles: z.preprocess(asList, userInput.shape.roles),
  organisationCode: userUpdateInput.shape.organisationCode,
  version: z.coerce.number({ error: "Reload the page and make your change again" }).int(),
});

/** The confirmation forms (deactivate, reactivate) carry only the version the page was read at. */
const versionForm = z.object({
  version: z.coerce.number({ error: "Reload the page and make your change again" }).int(),
});

/** Route params as a string: an id that is not a UUID is a page that does not exist (404), not a 400. */
const userParams = z.object({ id: z.string() });

/** Where on the user page each refusal is shown: a stale version beside the details it is about. */
function userPageErrors(error: ProblemError): FieldError[] {
  if (error instanceof ConflictError && error.errors.length === 0) {
    return [{ path: "user-details", message: error.message }];
  }
  const errors = error.errors.length ? error.errors : [{ path: "roles", message: error.message }];
  return formErrors(errors);
}

/**
 * Users: list, add (the generated password shown once), detail, and the administration of one user
 * (roles and organisation, deactivate and reactivate, unlock, reset two-factor). Administrators only.
 */
export const userRoutes: FastifyPluginAsyncZod = async (app) => {
  const { users, organisations } = app.services;
  const read = { preHandler: requirePage("users:read"), schema: { hide: true } };
  const create = { preHandler: requirePage("users:create"), schema: { hide: true } };

  app.get(paths.users, read, async (request, reply) => {
    const state = await formState(request);
    return reply.view("users/views/list.njk", {
      pageTitle: "Users",
      ...state,
      users: await users.list(),
    });
  });

  app.get(paths.usersNew, create, async (request, reply) => {
    const state = await formState(request);
    const selectedRoles = asList(state.values.roles);
    return reply.view("users/views/new.njk", {
      pageTitle: "Add a user",
      ...state,
      roleItems: ROLE_ITEMS.map((r) => ({ ...r, checked: selectedRoles.includes(r.value) })),
      organisationItems: organisationOptions(await organisations.list(), state.values.organisationCode),
    });
  });

  app.post(paths.users, create, async (request, reply) => {
    const actor = request.actor;
    if (!actor) return reply;
    const parsed = userForm.safeParse(request.body ?? {});
    if (!parsed.success) {
      return redirectWithErrors(request, reply, paths.usersNew, formErrors(zodFieldErrors(parsed.error)));
    }
    try {
      const { user, generatedPassword } = await users.create(actor, parsed.data);
      if (!generatedPassword) {
        return await redirectWithSuccess(request, reply, paths.user(user.id), `${user.name} has been added`);
      }
      // Shown once, on this response only: never stored in the clear, flashed or put in a redirect.
      return await reply
        .header("cache-control", "no-store")
        .view("users/views/created.njk", { pageTitle: "User added", user, generatedPassword });
    } catch (error) {
      // A taken email (409) or an organisation that does not fit the roles (400) goes back to the form.
      if (error instanceof ProblemError && error.status < 500) {
        return redirectWithErrors(
          request,
          reply,
          paths.usersNew,
          formErrors(error.errors.length ? error.errors : [{ path: "email", message: error.message }]),
        );
      }
      throw error;
    }
  });

  const update = { preHandler: requirePage("users:update"), schema: { hide: true, params: userParams } };
  const readOne = { preHandler: requirePage("users:read"), schema: { hide: true, params: userParams } };

  /** The user the route's id names, or null (an id that is not a UUID names nobody). */
  async function userFrom(params: { id: string }): Promise<PresentedUser | null> {
    const id = z.uuid().safeParse(params.id);
    return id.success ? users.get(id.data) : null;
  }

  app.get(paths.user(), readOne, async (request, reply) => {
    const user = await userFrom(request.params);
    if (!user) return renderStatus(reply, 404);
    const state = await formState(request);
    const kept = state.errors ? state.values : {};
    const selectedRoles = "roles" in kept ? asList(kept.roles) : user.roles;
    const selectedOrganisation =
      "organisationCode" in kept
        ? kept.organisationCode
        : (user.organisationCode ?? user.organisationName ?? "");
    return reply.view("users/views/show.njk", {
      pageTitle: user.name,
      ...state,
      user,
      userPaths,
      self: request.actor?.id === user.id,
      version: "version" in kept ? kept.version : user.version,
      roleItems: ROLE_ITEMS.map((r) => ({ ...r, checked: selectedRoles.includes(r.value) })),
      organisationItems: organisationOptions(await organisations.list(), selectedOrganisation || undefined),
    });
  });

  /**
   * Runs one change to a user from a page: Post/Redirect/Get to the user page with a success banner,
   * or with the refusal in the error summary and what was typed kept. A stale version keeps the typed
   * choices but carries the saved version, so that saving again is a deliberate overwrite.
   */
  async function changeFromPage(
    request: FastifyRequest,
    reply: FastifyReply,
    user: PresentedUser,
    change: () => Promise<string>,
  ) {
    try {
      return await redirectWithSuccess(request, reply, paths.user(user.id), await change());
    } catch (error) {
      if (!(error instanceof ProblemError) || error.status >= 500 || error.status === 404) throw error;
      if (error instanceof ConflictError && error.message === STALE_USER_MESSAGE) {
        const latest = await users.get(user.id);
        request.body = { ...keptBody(request.body), version: String(latest?.version ?? user.version) };
      }
      return redirectWithErrors(request, reply, paths.user(user.id), userPageErrors(error));
    }
  }

  /** The version a confirmation form was read at; without one, back to the user page with the reason. */
  async function versionFrom(request: FastifyRequest, reply: FastifyReply, user: PresentedUser) {
    const parsed = versionForm.safeParse(request.body ?? {});
    if (parsed.success) return parsed.data.version;
    await redirectWithErrors(request, reply, paths.user(user.id), [
      { path: "user-details", message: STALE_USER_MESSAGE },
    ]);
    return null;
  }

  app.post(paths.user(), update, async (request, reply) => {
    const actor = request.actor;
    const user = await userFrom(request.params);
    if (!actor || !user) return renderStatus(reply, 404);
    const parsed = userChangeForm.safeParse(request.body ?? {});
    if (!parsed.success) {
      return redirectWithErrors(
        request,
        reply,
        paths.user(user.id),
        formErrors(zodFieldErrors(parsed.error)),
      );
    }
    return changeFromPage(request, reply, user, async () => {
      const saved = await users.update(actor, user.id, parsed.data);
      return saved.version === user.version
        ? `Nothing to save: ${user.name}'s roles and organisation are as they were`
        : `${user.name}'s roles and organisation have been saved`;
    });
  });

  app.get(userPaths.deactivate(), update, async (request, reply) => {
    const user = await userFrom(request.params);
    if (!user) return renderStatus(reply, 404);
    if (!user.active) return reply.redirect(paths.user(user.id), 303);
    return reply.view("users/views/deactivate.njk", {
      pageTitle: `Deactivate ${user.name}`,
      user,
      userPaths,
    });
  });

  /** Deactivation and reactivation: the same change of `active`, each with its own confirmation. */
  const setActive =
    (active: boolean, done: (name: string) => string) =>
    async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const actor = request.actor;
      const user = await userFrom(request.params);
      if (!actor || !user) return renderStatus(reply, 404);
      const version = await versionFrom(request, reply, user);
      if (version === null) return reply;
      return changeFromPage(request, reply, user, async () => {
        await users.update(actor, user.id, { active, version });
        return done(user.name);
      });
    };
  app.post(
    userPaths.deactivate(),
    update,
    setActive(
      false,
      (name) => `${name} has been deactivated. They have been signed out and their API tokens revoked`,
    ),
  );
  app.post(
    userPaths.reactivate(),
    update,
    setActive(true, (name) => `${name} has been reactivated and can sign in again`),
  );

  app.post(userPaths.unlock(), update, async (request, reply) => {
    const actor = request.actor;
    const user = await userFrom(request.params);
    if (!actor || !user) return renderStatus(reply, 404);
    return changeFromPage(request, reply, user, async () => {
      await users.unlock(actor, user.id);
      return `${user.name}'s account has been unlocked. They can sign in now`;
    });
  });

  app.get(userPaths.resetTwoFactor(), update, async (request, reply) => {
    const user = await userFrom(request.params);
    if (!user) return renderStatus(reply, 404);
    if (!user.twoFactor) return reply.redirect(paths.user(user.id), 303);
    return reply.view("users/views/reset-two-factor.njk", {
      pageTitle: `Reset ${user.name}'s two-factor sign-in`,
      user,
      userPaths,
    });
  });

  app.post(userPaths.resetTwoFactor(), update, async (request, reply) => {
    const actor = request.actor;
    const user = await userFrom(request.params);
    if (!actor || !user) return renderStatus(reply, 404);
    return changeFromPage(request, reply, user, async () => {
      await users.resetTwoFactor(actor, user.id);
      return `${user.name}'s two-factor sign-in has been reset. They will set it up again when they next sign in`;
    });
  });
};

/** The posted form as a record, to keep what was typed. */
function keptBody(body: unknown): Record<string, unknown> {
  return body && typeof body === "object" ? { ...body } : {};
}
