import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { renderStatus } from "../../web/errors.js";
import { formState, redirectWithErrors, redirectWithSuccess, zodFieldErrors } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { ProblemError, type FieldError } from "../../errors.js";
import {
  ORGANISATION_KIND_NAMES,
  ORGANISATION_KINDS,
  organisationInput,
  type PresentedOrganisation,
} from "./service.js";

/** The list page shows one table per kind, in the order of ORGANISATION_KINDS (presenter, no I/O). */
export function groupByKind(all: PresentedOrganisation[]) {
  return ORGANISATION_KINDS.map((kind) => ({
    kind,
    heading: ORGANISATION_KIND_NAMES[kind].many,
    organisations: all.filter((o) => o.kind === kind),
  })).filter((group) => group.organisations.length > 0);
}

function kindName(kind: string): string {
  return (ORGANISATION_KIND_NAMES as Partial<Record<string, { one: string }>>)[kind]?.one ?? kind;
}

/** The radios of the form, in one place for the template. */
const KIND_ITEMS = ORGANISATION_KINDS.map((kind) => ({
  value: kind,
  text: ORGANISATION_KIND_NAMES[kind].one,
}));

/** Organisations: list, add, detail with the people who belong to it (docs/api.md, reference data). */
export const organisationRoutes: FastifyPluginAsyncZod = async (app) => {
  const { organisations } = app.services;
  const read = { preHandler: requirePage("organisations:read"), schema: { hide: true } };
  const create = { preHandler: requirePage("organisations:create"), schema: { hide: true } };

  /**
   * Post/Redirect/Get back to the form. The shared helper drops every field called `code` (the
   * two-factor code is a secret); an organisation's code is not, so it is kept here.
   */
  async function backToForm(request: FastifyRequest, reply: FastifyReply, errors: FieldError[]) {
    return redirectWithErrors(request, reply, paths.organisationsNew, errors);
  }

  app.get(paths.organisations, read, async (request, reply) => {
    const state = await formState(request);
    const all = await organisations.list();
    return reply.view("organisations/views/list.njk", {
      pageTitle: "Organisations",
      ...state,
      total: all.length,
      groups: groupByKind(all),
    });
  });

  app.get(paths.organisationsNew, create, async (request, reply) => {
    return reply.view("organisations/views/new.njk", {
      pageTitle: "Add an organisation",
      ...(await formState(request)),
      kinds: KIND_ITEMS,
    });
  });

  app.post(paths.organisations, create, async (request, reply) => {
    const actor = request.actor;
    if (!actor) return reply;
    const parsed = organisationInput.safeParse(request.body ?? {});
    if (!parsed.success) return backToForm(request, reply, zodFieldErrors(parsed.error));
    try {
      const created = await organisations.create(actor, parsed.data);
      return await redirectWithSuccess(
        request,
        reply,
        paths.organisation(created.id),
        `${created.name} has been added`,
      );
    } catch (error) {
      // A duplicate name or code (409) or any other refused field goes back to the form.
      if (error instanceof ProblemError && error.status < 500) {
        return backToForm(
          request,
          reply,
          error.errors.length ? error.errors : [{ path: "name", message: error.message }],
        );
      }
      throw error;
    }
  });

  app.get(paths.organisation(), read, async (request, reply) => {
    const id = z.uuid().safeParse((request.params as { id?: unknown }).id);
    const found = id.success ? await organisations.getWithMembers(id.data) : null;
    if (!found) return renderStatus(reply, 404);
    const { organisation, members } = found;
    return reply.view("organisations/views/show.njk", {
      pageTitle: organisation.name,
      ...(await formState(request)),
      organisation: { ...organisation, kindName: kindName(organisation.kind) },
      members,
    });
  });
};
