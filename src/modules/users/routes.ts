import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ROLE_CODES, ROLE_NAMES } from "../../domain/roles.js";
import { renderStatus } from "../../web/errors.js";
import { formState } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { NO_PARAMS, pageAction, type PageAction } from "../../web/page-action.js";
import { paths } from "../../web/paths.js";
import {
  ORGANISATION_KIND_NAMES,
  ORGANISATION_KINDS,
  type PresentedOrganisation,
} from "../organisations/service.js";
import { userPaths } from "./paths.js";
import type { PresentedUser } from "./presenter.js";
import { passwordSchema, STALE_USER_MESSAGE, userInput, userUpdateInput } from "./service.js";

type App = Parameters<FastifyPluginAsyncZod>[0];

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
const rolesQuestion = (path: string) => path.split(".")[0] ?? path;

/** What the organisation question sends: the code where there is one, otherwise the exact name. */
function organisationOptions(all: PresentedOrganisation[], selected: unknown) {
  return [
    { value: "", text: "None (council staff)", selected: !selected },
    ...all.map((o) => {
      const value = o.code ?? o.name;
      const known = ORGANISATION_KINDS.find((k) => k === o.kind);
      const kind = known ? ORGANISATION_KIND_NAMES[known].one : o.kind;
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

/**
 * The confirmation forms (deactivate, reactivate) carry only the version the page was read at;
 * without one, the user page says to make the change again, beside the details it is about.
 */
const versionForm = z.object({
  version: z.coerce.number({ error: STALE_USER_MESSAGE }).int({ error: STALE_USER_MESSAGE }),
});

/** Route params as a string: an id that is not a UUID is a page that does not exist (404), not a 400. */
const userParams = z.object({ id: z.string() });

/** The users pages and the forms that add one, for those who may read and add users. */
function listAndAdd(app: App) {
  const { users, organisations } = app.services;
  const read = { preHandler: requirePage("users:read"), schema: { hide: true } };
  const create = { preHandler: requirePage("users:create"), schema: { hide: true } };

  app.get(paths.users, read, async (request, reply) => {
    const state = await formState(request);
    return reply.view("users/views/list.njk", { pageTitle: "Users", ...state, users: await users.list() });
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

  app.post(
    paths.users,
    create,
    pageAction({
      params: NO_PARAMS,
      load: async () => ({}),
      form: () => paths.usersNew,
      body: userForm,
      pageFields: rolesQuestion,
      // A taken email (409) or an organisation that does not fit the roles (400) goes back to the form.
      refusalField: "email",
      run: async ({ actor, input, reply }) => {
        const { user, generatedPassword } = await users.create(actor, input);
        if (!generatedPassword) return { to: paths.user(user.id), success: `${user.name} has been added` };
        // Shown once, on this response only: never stored in the clear, flashed or put in a redirect.
        return reply
          .header("cache-control", "no-store")
          .view("users/views/created.njk", { pageTitle: "User added", user, generatedPassword });
      },
    }),
  );
}

/** One user's page: their details, and the form that changes their roles and organisation. */
function userPage(app: App) {
  const { organisations } = app.services;
  const readOne = { preHandler: requirePage("users:read"), schema: { hide: true, params: userParams } };

  app.get(paths.user(), readOne, async (request, reply) => {
    const user = await userFrom(app, request.params);
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
}

/** The user the route's id names, or null (an id that is not a UUID names nobody). */
async function userFrom(app: App, params: { id: string }): Promise<PresentedUser | null> {
  const id = z.uuid().safeParse(params.id);
  return id.success ? app.services.users.get(id.data) : null;
}

/**
 * A change to one user from a page: back to the user page with a success banner, or with the
 * refusal in the error summary and what was typed kept. A stale version keeps the typed choices
 * but carries the saved version, so that saving again is a deliberate overwrite.
 */
function userChange<B>(
  app: App,
  body: z.ZodType<B>,
  run: PageAction<{ id: string }, PresentedUser, B>["run"],
  pageFields: (path: string) => string = rolesQuestion,
): PageAction<{ id: string }, PresentedUser, B> {
  return {
    params: userParams,
    load: ({ id }) => userFrom(app, { id }),
    form: (user) => paths.user(user.id),
    body,
    pageFields,
    refusalField: "roles",
    stale: {
      field: "user-details",
      currentVersion: async (user) => (await app.services.users.get(user.id))?.version ?? user.version,
    },
    run,
  };
}

/** The administration of one user: roles and organisation, deactivate and reactivate. */
function administration(app: App) {
  const { users } = app.services;
  const update = { preHandler: requirePage("users:update"), schema: { hide: true, params: userParams } };

  app.post(
    paths.user(),
    update,
    pageAction(
      userChange(app, userChangeForm, async ({ actor, loaded: user, input }) => {
        const saved = await users.update(actor, user.id, input);
        const success =
          saved.version === user.version
            ? `Nothing to save: ${user.name}'s roles and organisation are as they were`
            : `${user.name}'s roles and organisation have been saved`;
        return { to: paths.user(user.id), success };
      }),
    ),
  );

  app.get(userPaths.deactivate(), update, async (request, reply) => {
    const user = await userFrom(app, request.params);
    if (!user) return renderStatus(reply, 404);
    if (!user.active) return reply.redirect(paths.user(user.id), 303);
    return reply.view("users/views/deactivate.njk", {
      pageTitle: `Deactivate ${user.name}`,
      user,
      userPaths,
    });
  });

  /** Deactivation and reactivation: the same change of `active`, each with its own confirmation. */
  const setActive = (active: boolean, done: (name: string) => string) =>
    pageAction(
      userChange(
        app,
        versionForm,
        async ({ actor, loaded: user, input }) => {
          await users.update(actor, user.id, { active, version: input.version });
          return { to: paths.user(user.id), success: done(user.name) };
        },
        (path) => (path === "version" ? "user-details" : path),
      ),
    );
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
}

/** What stops a person signing in, cleared: a lockout, or their two-factor (after a confirmation page). */
function signInResets(app: App) {
  const { users } = app.services;
  const update = { preHandler: requirePage("users:update"), schema: { hide: true, params: userParams } };

  app.post(
    userPaths.unlock(),
    update,
    pageAction(
      userChange(app, z.object({}), async ({ actor, loaded: user }) => {
        await users.unlock(actor, user.id);
        return {
          to: paths.user(user.id),
          success: `${user.name}'s account has been unlocked. They can sign in now`,
        };
      }),
    ),
  );

  app.get(userPaths.resetTwoFactor(), update, async (request, reply) => {
    const user = await userFrom(app, request.params);
    if (!user) return renderStatus(reply, 404);
    if (!user.twoFactor) return reply.redirect(paths.user(user.id), 303);
    return reply.view("users/views/reset-two-factor.njk", {
      pageTitle: `Reset ${user.name}'s two-factor sign-in`,
      user,
      userPaths,
    });
  });

  app.post(
    userPaths.resetTwoFactor(),
    update,
    pageAction(
      userChange(app, z.object({}), async ({ actor, loaded: user }) => {
        await users.resetTwoFactor(actor, user.id);
        return {
          to: paths.user(user.id),
          success: `${user.name}'s two-factor sign-in has been reset. They will set it up again when they next sign in`,
        };
      }),
    ),
  );
}

/**
 * Users: list, add (the generated password shown once), detail, and the administration of one user
 * (roles and organisation, deactivate and reactivate, unlock, reset two-factor). Administrators only.
 */
export const userRoutes: FastifyPluginAsyncZod = async (app) => {
  listAndAdd(app);
  userPage(app);
  administration(app);
  signInResets(app);
};
