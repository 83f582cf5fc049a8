import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ROLE_CODES, ROLE_NAMES } from "../../domain/roles.js";
import { renderStatus } from "../../web/errors.js";
import { formState, redirectWithErrors, redirectWithSuccess, zodFieldErrors } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { ProblemError, type FieldError } from "../../web/problems.js";
import { ORGANISATION_KIND_NAMES, type PresentedOrganisation } from "../organisations/service.js";
import { passwordSchema, userInput } from "./service.js";

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

/** Users: list, add (the generated password shown once), detail. Administrators only. */
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

  app.get(paths.user(), read, async (request, reply) => {
    const id = z.uuid().safeParse((request.params as { id?: unknown }).id);
    const user = id.success ? await users.get(id.data) : null;
    if (!user) return renderStatus(reply, 404);
    return reply.view("users/views/show.njk", {
      pageTitle: user.name,
      ...(await formState(request)),
      user,
    });
  });
};
