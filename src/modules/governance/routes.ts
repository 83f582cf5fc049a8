import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { MEMBERSHIP_ROLE_NAMES, MEMBERSHIP_ROLES } from "../../domain/decision-authority.js";
import { splitByToday } from "../../domain/memberships.js";
import { can } from "../../domain/policy.js";
import { longDate } from "../../domain/standstill.js";
import { renderStatus } from "../../web/errors.js";
import { formState } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { pageAction, pathParam } from "../../web/page-action.js";
import { paths } from "../../web/paths.js";
import { layoutGovernance } from "./diagram.js";
import { governancePaths } from "./paths.js";
import { governanceTree, presentMember, typedDate } from "./presenter.js";
import { membershipInput } from "./service.js";

const BODY_PARAMS = z.object({ code: z.string().max(50) });
const MEMBERSHIP_PARAMS = z.object({ code: z.string().max(50), id: pathParam });

/** The add-a-member form: the API's membership, asked for in the page's words; it lasts until ended. */
const addMemberForm = z.object({
  userId: z.string().trim().min(1, "Select the person to add").pipe(membershipInput.shape.userId),
  role: z.enum(MEMBERSHIP_ROLES, { error: "Select chair, member or officer" }),
  from: z.string({ error: "Enter the first day in the body" }),
});

const endMembershipForm = z.object({ to: z.string({ error: "Enter the last day in the body" }) });

/** Errors at `members[n].field` of the body's whole list → the page's own fields, or `fallback`. */
export const pageFieldOr =
  (fallback: string) =>
  (path: string): string => {
    const field = /^members\[\d+\]\.(\w+)$/.exec(path)?.[1] ?? path;
    if (field === "from" || field === "to") return `${field}.day`;
    return field === "userId" || field === "role" ? field : fallback;
  };

type App = Parameters<FastifyPluginAsyncZod>[0];

const read = { preHandler: requirePage("governance:read"), schema: { hide: true, params: BODY_PARAMS } };
const manage = {
  preHandler: requirePage("governance:manage"),
  schema: { hide: true, params: BODY_PARAMS },
};
const manageOne = {
  preHandler: requirePage("governance:manage"),
  schema: { hide: true, params: MEMBERSHIP_PARAMS },
};

/** The structure: the diagram and the tree of bodies with their members today. */
function structurePage(app: App) {
  const { reference } = app.services;
  app.get(
    paths.governance,
    { preHandler: requirePage("governance:read"), schema: { hide: true } },
    async (_request, reply) => {
      const bodies = await reference.listGovernanceBodiesWithMembers();
      const programmes = await reference.listProgrammes();
      const names = new Map(programmes.map((p) => [p.code, p.name]));
      return reply.view("governance/views/governance.njk", {
        pageTitle: "Governance",
        diagram: layoutGovernance(bodies),
        diagramTitle: "Governance structure of the Commissioned Services partnership",
        bodies: governanceTree(bodies, names),
      });
    },
  );
}

/**
 * A governance body's page: its current, coming and past members (framework §2.1), and for
 * administrators the forms to add a member and to end a membership. Ending keeps the history.
 */
function bodyPage(app: App) {
  const { governance, clock } = app.services;
  app.get(governancePaths.body(), read, async (request, reply) => {
    const found = await governance.listMembers(request.params.code);
    if (!found) return renderStatus(reply, 404);
    const state = await formState(request);
    const mayManage = can(request.actor, "governance:manage");
    const { current, upcoming, past } = splitByToday(found.members.map(presentMember), clock.today());
    const values = state.values;
    return reply.view("governance/views/body.njk", {
      pageTitle: found.body.name,
      ...state,
      body: found.body,
      current,
      upcoming,
      past: [...past].reverse(),
      mayManage,
      people: mayManage ? await governance.peopleOptions() : [],
      form: {
        userId: typeof values.userId === "string" ? values.userId : "",
        role: typeof values.role === "string" ? values.role : "",
        from: typedDate(values, "from"),
      },
      roles: MEMBERSHIP_ROLES.map((r) => ({ value: r, text: MEMBERSHIP_ROLE_NAMES[r] })),
      governancePaths,
    });
  });
}

/** Adding a member, from the body's page. */
function addMember(app: App) {
  const { governance } = app.services;
  app.post(
    governancePaths.members(),
    manage,
    pageAction({
      params: BODY_PARAMS,
      load: ({ code }) => governance.listMembers(code),
      form: (found) => `${governancePaths.body(found.body.code)}#add-member`,
      body: addMemberForm,
      dates: { from: "First day in the body" },
      refusalField: "userId",
      pageFields: pageFieldOr("userId"),
      run: async ({ actor, loaded: found, input }) => {
        await governance.addMember(actor, found.body.code, { ...input, to: null });
        const person = (await governance.peopleOptions()).find((p) => p.id === input.userId);
        const role = MEMBERSHIP_ROLE_NAMES[input.role].toLowerCase();
        return {
          to: governancePaths.body(found.body.code),
          success: `${person?.name ?? "The person"} has been added to ${found.body.name} as ${role}`,
        };
      },
    }),
  );
}

/** Ending a membership on its last day: the form and its post. */
function endMembership(app: App) {
  const { governance } = app.services;
  app.get(governancePaths.endMembership(), manageOne, async (request, reply) => {
    const { code, id } = request.params;
    const found = await governance.findMembership(code, id);
    if (!found) return renderStatus(reply, 404);
    const state = await formState(request);
    return reply.view("governance/views/end-membership.njk", {
      pageTitle: `End ${found.membership.name}'s membership of ${found.body.name}`,
      ...state,
      body: found.body,
      membership: presentMember(found.membership),
      form: { to: typedDate(state.values, "to") },
      governancePaths,
    });
  });

  app.post(
    governancePaths.endMembership(),
    manageOne,
    pageAction({
      params: MEMBERSHIP_PARAMS,
      load: ({ code, id }) => governance.findMembership(code, id),
      form: (found, { id }) => governancePaths.endMembership(found.body.code, id),
      body: endMembershipForm,
      dates: { to: "Last day in the body" },
      refusalField: "to.day",
      pageFields: pageFieldOr("to.day"),
      run: async ({ actor, loaded: found, params, input }) => {
        await governance.endMembership(actor, found.body.code, params.id, input.to);
        return {
          to: governancePaths.body(found.body.code),
          success: `${found.membership.name}'s membership of ${found.body.name} ends on ${longDate(input.to)}`,
        };
      },
    }),
  );
}

/** The governance structure of the partnership (framework §2, Figure 1), for staff. */
export const governanceRoutes: FastifyPluginAsyncZod = async (app) => {
  structurePage(app);
  bodyPage(app);
  addMember(app);
  endMembership(app);
};
