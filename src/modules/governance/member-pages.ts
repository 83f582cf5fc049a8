import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { MEMBERSHIP_ROLES, type MembershipRole } from "../../domain/decision-authority.js";
import { splitByToday } from "../../domain/memberships.js";
import { can } from "../../domain/policy.js";
import { longDate } from "../../domain/standstill.js";
import { renderStatus } from "../../web/errors.js";
import { formState, redirectWithErrors, redirectWithSuccess } from "../../web/forms.js";
import { admittedActor, requirePage } from "../../web/guards.js";
import { type FieldError } from "../../errors.js";
import { formRefusal } from "../../web/problems.js";
import { dateFromParts } from "../checklist/project-context.js";
import { governancePaths } from "./paths.js";
import { ROLE_LABELS, type MembershipInput } from "./service.js";

type FormBody = Record<string, unknown>;

const text = (body: FormBody, name: string) => {
  const value = body[name];
  return typeof value === "string" ? value.trim() : "";
};

const membershipRole = z.enum(MEMBERSHIP_ROLES);

/** A GOV.UK date input's boxes as `YYYY-MM-DD`, or the error for its first box. */
function dateField(body: FormBody, name: string, what: string): { value?: string; error?: FieldError } {
  const iso = dateFromParts(body[`${name}-day`], body[`${name}-month`], body[`${name}-year`]);
  if (iso === "") return { error: { path: `${name}.day`, message: `Enter the ${what}` } };
  if (iso === null) {
    return {
      error: { path: `${name}.day`, message: `The ${what} must be a real date, for example 27 3 2025` },
    };
  }
  return { value: iso };
}

/** The add-a-member form → the API's membership, or the form's errors. */
export function parseAddMemberForm(body: FormBody): { value?: MembershipInput; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const userId = text(body, "userId");
  const role = membershipRole.safeParse(text(body, "role"));
  if (!userId) errors.push({ path: "userId", message: "Select the person to add" });
  if (!role.success) errors.push({ path: "role", message: "Select chair, member or officer" });
  const from = dateField(body, "from", "first day in the body");
  if (from.error) errors.push(from.error);
  if (errors.length || !from.value || !role.success) return { errors };
  return { value: { userId, role: role.data, from: from.value, to: null }, errors };
}

/** Errors at `members[n].field` of the whole list → the page's own fields. */
export function toFormFields(errors: readonly FieldError[], fallback: string): FieldError[] {
  return errors.map((e) => {
    const field = /^members\[\d+\]\.(\w+)$/.exec(e.path)?.[1];
    if (field === "from" || field === "to") return { ...e, path: `${field}.day` };
    if (field === "userId" || field === "role") return { ...e, path: field };
    return { ...e, path: fallback };
  });
}

function typedDate(values: Record<string, unknown>, name: string) {
  const part = (p: string) => {
    const v = values[`${name}-${p}`];
    return typeof v === "string" ? v : "";
  };
  return { day: part("day"), month: part("month"), year: part("year") };
}

function presentMember<T extends { role: MembershipRole }>(m: T) {
  return { ...m, roleLabel: ROLE_LABELS[m.role] };
}

const bodyParams = z.object({ code: z.string().max(50) });
/** A urlencoded form: its fields are read one by one (text, date boxes). */
const formBody = z.record(z.string(), z.unknown());
const membershipParams = z.object({ code: z.string().max(50), id: z.string().max(100) });

async function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  to: string,
  error: unknown,
  fallback: string,
) {
  const refused = formRefusal(error);
  if (!refused) throw error;
  const errors = refused.errors.length
    ? toFormFields(refused.errors, fallback)
    : [{ path: fallback, message: refused.message }];
  return redirectWithErrors(request, reply, to, errors);
}

/**
 * A governance body's page: its current, coming and past members (framework §2.1), and for
 * administrators the forms to add a member and to end a membership. Ending keeps the history.
 */
export const governanceMemberPages: FastifyPluginAsyncZod = async (app) => {
  const { governance, clock } = app.services;
  const read = { preHandler: requirePage("governance:read"), schema: { hide: true, params: bodyParams } };
  const manage = {
    preHandler: requirePage("governance:manage"),
    schema: { hide: true, params: bodyParams, body: formBody },
  };
  const manageOne = {
    preHandler: requirePage("governance:manage"),
    schema: { hide: true, params: membershipParams },
  };
  const manageOneForm = {
    preHandler: requirePage("governance:manage"),
    schema: { hide: true, params: membershipParams, body: formBody },
  };

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
      roles: MEMBERSHIP_ROLES.map((r) => ({ value: r, text: ROLE_LABELS[r] })),
      governancePaths,
    });
  });

  app.post(governancePaths.members(), manage, async (request, reply) => {
    const found = await governance.listMembers(request.params.code);
    if (!found) return renderStatus(reply, 404);
    const back = `${governancePaths.body(found.body.code)}#add-member`;
    const parsed = parseAddMemberForm(request.body);
    if (!parsed.value) return redirectWithErrors(request, reply, back, parsed.errors);
    try {
      await governance.addMember(admittedActor(request), found.body.code, parsed.value);
    } catch (error) {
      return refuse(request, reply, back, error, "userId");
    }
    const person = (await governance.peopleOptions()).find((p) => p.id === parsed.value?.userId);
    return redirectWithSuccess(
      request,
      reply,
      governancePaths.body(found.body.code),
      `${person?.name ?? "The person"} has been added to ${found.body.name} as ${ROLE_LABELS[parsed.value.role].toLowerCase()}`,
    );
  });

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

  app.post(governancePaths.endMembership(), manageOneForm, async (request, reply) => {
    const { code, id } = request.params;
    const found = await governance.findMembership(code, id);
    if (!found) return renderStatus(reply, 404);
    const back = governancePaths.endMembership(found.body.code, id);
    const to = dateField(request.body, "to", "last day in the body");
    if (!to.value) return redirectWithErrors(request, reply, back, to.error ? [to.error] : []);
    try {
      await governance.endMembership(admittedActor(request), found.body.code, id, to.value);
    } catch (error) {
      return refuse(request, reply, back, error, "to.day");
    }
    return redirectWithSuccess(
      request,
      reply,
      governancePaths.body(found.body.code),
      `${found.membership.name}'s membership of ${found.body.name} ends on ${longDate(to.value)}`,
    );
  });
};
