import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { renderStatus } from "../../web/errors.js";
import { formState } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { NO_PARAMS, pageAction, pathParam } from "../../web/page-action.js";
import { paths } from "../../web/paths.js";
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

/** A yes/no answer in words; a supplier added before the question was asked has none. */
function yesNoText(value: boolean | null): string {
  if (value === null) return "Not given";
  return value ? "Yes" : "No";
}

function kindName(kind: string): string {
  const known = ORGANISATION_KINDS.find((k) => k === kind);
  return known ? ORGANISATION_KIND_NAMES[known].one : kind;
}

/** The detail page's organisation: its kind and a supplier's answers in words, its address by line. */
function organisationDetail(organisation: PresentedOrganisation) {
  return {
    ...organisation,
    kindName: kindName(organisation.kind),
    addressLines: (organisation.address ?? "").split(/\r?\n/).filter((line) => line.trim() !== ""),
    smeText: yesNoText(organisation.sme),
    vcseText: yesNoText(organisation.vcse),
  };
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

  app.post(
    paths.organisations,
    create,
    pageAction({
      params: NO_PARAMS,
      load: async () => ({}),
      form: () => paths.organisationsNew,
      body: organisationInput,
      // A duplicate name or code (409) names its field; anything else is shown against the name.
      refusalField: "name",
      run: async ({ actor, input }) => {
        const created = await organisations.create(actor, input);
        return { to: paths.organisation(created.id), success: `${created.name} has been added` };
      },
    }),
  );

  const readOne = { ...read, schema: { hide: true, params: z.object({ id: pathParam }) } };

  app.get(paths.organisation(), readOne, async (request, reply) => {
    const id = z.uuid().safeParse(request.params.id);
    const found = id.success ? await organisations.getWithMembers(id.data) : null;
    if (!found) return renderStatus(reply, 404);
    const { organisation, members } = found;
    return reply.view("organisations/views/show.njk", {
      pageTitle: organisation.name,
      ...(await formState(request)),
      organisation: organisationDetail(organisation),
      members,
    });
  });
};
