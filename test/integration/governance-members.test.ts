import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, governanceMembers, users } from "../../src/db/schema/index.js";
import { addDays } from "../../src/domain/dates.js";
import { systemClock } from "../../src/domain/clock.js";

import {
  apiTokenFor,
  buildTestApp,
  createProjectThroughApi,
  createUser,
  html,
  postForm,
  signIn,
  signInAdministrator,
  type TestApp,
  asFixture,
} from "../helpers.js";

let t: TestApp;
let adminToken: string;
let admin: Record<string, string>;
let commissionerToken: string;
let commissioner: Record<string, string>;

interface Membership {
  id: string;
  userId: string;
  name: string;
  role: string;
  from: string;
  to: string | null;
}
interface Problem {
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const url = (code: string) => `/api/v1/governance-bodies/${code}/members`;

async function members(code: string, token = adminToken) {
  const response = await t.app.inject({ url: url(code), headers: auth(token) });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ code: string; name: string; members: Membership[] }>().members;
}

function put(code: string, list: Record<string, unknown>[], token = adminToken) {
  return t.app.inject({ method: "PUT", url: url(code), headers: auth(token), payload: { members: list } });
}

async function auditCount() {
  const [row] = await t.database.db.select({ n: count() }).from(auditEvents);
  return row?.n ?? 0;
}

async function membershipRows() {
  const [row] = await t.database.db.select({ n: count() }).from(governanceMembers);
  return row?.n ?? 0;
}

const asInput = (m: Membership) => ({ userId: m.userId, role: m.role, from: m.from, to: m.to });

beforeAll(async () => {
  t = await buildTestApp();
  const administrator = await createUser(t.services, ["administrator"]);
  adminToken = await apiTokenFor(t.services, administrator.id);
  admin = await signInAdministrator(t.app, administrator.email);
  const user = await createUser(t.services, ["commissioner"]);
  commissionerToken = await apiTokenFor(t.services, user.id);
  commissioner = await signIn(t.app, user.email);
});
afterAll(async () => t.close());

describe("GET, PUT /api/v1/governance-bodies/:code/members", () => {
  it("adds members, audits each with who and when, and lists today's members on the body", async () => {
    const chair = await createUser(t.services, ["board-member"]);
    const clerk = await createUser(t.services, ["authorised-officer"]);
    const before = await auditCount();
    const response = await put("CSG", [
      { userId: chair.id, role: "chair", from: "2024-04-01" },
      { userId: clerk.id, role: "officer", from: "2024-04-01", to: null },
    ]);
    expect(response.statusCode, response.body).toBe(200);
    const list = response.json<{ members: Membership[] }>().members;
    expect(list.map((m) => [m.name, m.role, m.from, m.to])).toEqual(
      expect.arrayContaining([
        [chair.name, "chair", "2024-04-01", null],
        [clerk.name, "officer", "2024-04-01", null],
      ]),
    );
    expect(await auditCount()).toBe(before + 2);
    const audit = await t.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, "member-added"));
    expect(audit.map((a) => a.summary)).toContainEqual(
      expect.objectContaining({
        userId: chair.id,
        name: chair.name,
        role: "chair",
        from: "2024-04-01",
        to: null,
      }),
    );
    expect(audit.every((a) => a.entityType === "governance-body" && a.entityId === "CSG")).toBe(true);
    const body = await t.app.inject({
      url: "/api/v1/governance-bodies/CSG",
      headers: auth(commissionerToken),
    });
    expect(body.json<{ members: { userId: string }[] }>().members.map((m) => m.userId)).toEqual(
      expect.arrayContaining([chair.id, clerk.id]),
    );
  });

  it("ends a membership with its last day, keeping it, and no longer counts it from the next day", async () => {
    const member = await createUser(t.services, ["board-member"]);
    const current = await members("CSG");
    await put("CSG", [...current.map(asInput), { userId: member.id, role: "member", from: "2024-04-01" }]);
    const withMember = await members("CSG");
    const yesterday = addDays(systemClock.today(), -1);
    const ended = withMember.map((m) =>
      m.userId === member.id ? { ...asInput(m), to: yesterday } : asInput(m),
    );
    const response = await put("CSG", ended);
    expect(response.statusCode, response.body).toBe(200);
    expect(
      response.json<{ members: Membership[] }>().members.find((m) => m.userId === member.id),
    ).toMatchObject({
      to: yesterday,
    });
    const [audit] = await t.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, "member-ended"));
    expect(audit?.summary).toMatchObject({
      userId: member.id,
      name: member.name,
      to: yesterday,
      previousTo: null,
    });
    const body = await t.app.inject({
      url: "/api/v1/governance-bodies/CSG",
      headers: auth(commissionerToken),
    });
    expect(body.json<{ members: { userId: string }[] }>().members.map((m) => m.userId)).not.toContain(
      member.id,
    );
  });

  it("refuses to remove a membership that has begun (409), changing nothing", async () => {
    const current = await members("CSG");
    const [first, ...rest] = current;
    expect(first).toBeDefined();
    const before = await auditCount();
    const rows = await membershipRows();
    const response = await put("CSG", rest.map(asInput));
    expect(response.statusCode).toBe(409);
    expect(response.json<Problem>().detail).toContain("end it with its last day");
    expect(await auditCount()).toBe(before);
    expect(await membershipRows()).toBe(rows);
  });

  it("withdraws a membership that has not begun yet, audited", async () => {
    const future = await createUser(t.services, ["board-member"]);
    const current = (await members("CSG")).map(asInput);
    const from = addDays(systemClock.today(), 30);
    expect((await put("CSG", [...current, { userId: future.id, role: "member", from }])).statusCode).toBe(
      200,
    );
    const response = await put("CSG", current);
    expect(response.statusCode, response.body).toBe(200);
    const withdrawn = await t.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, "member-withdrawn"));
    expect(withdrawn.map((a) => a.summary)).toContainEqual(
      expect.objectContaining({ userId: future.id, from }),
    );
  });

  it("answers 400 with each error at its path, changing nothing", async () => {
    const active = await createUser(t.services, ["board-member"]);
    const deactivated = await createUser(t.services, ["board-member"]);
    await asFixture(t.database.db, (tx) =>
      tx.update(users).set({ active: false }).where(eq(users.id, deactivated.id)),
    );
    const current = (await members("CSG")).map(asInput);
    const before = await auditCount();
    const response = await put("CSG", [
      ...current,
      { userId: active.id, role: "member", from: "2025-04-01", to: "2025-03-31" },
      { userId: crypto.randomUUID(), role: "member", from: "2025-04-01" },
      { userId: deactivated.id, role: "chair", from: "2025-04-01" },
      { userId: active.id, role: "chair", from: "2025-03-01" },
    ]);
    expect(response.statusCode).toBe(400);
    const n = current.length;
    expect(response.json<Problem>().errors?.map((e) => e.path)).toEqual([
      `members[${String(n)}].to`,
      `members[${String(n + 1)}].userId`,
      `members[${String(n + 2)}].userId`,
      `members[${String(n + 3)}].from`,
    ]);
    expect(await auditCount()).toBe(before);
  });

  it.each([
    [{ from: "2025-02-30" }, "members[0].from"],
    [{ from: "1/4/2025" }, "members[0].from"],
    [{ role: "secretary" }, "members[0].role"],
    [{ userId: "nobody" }, "members[0].userId"],
    [{ to: "2025-13-01" }, "members[0].to"],
  ])("refuses %j at %s", async (overrides, path) => {
    const response = await put("LEGAL", [
      { userId: crypto.randomUUID(), role: "member", from: "2025-04-01", ...overrides },
    ]);
    expect(response.statusCode).toBe(400);
    expect(response.json<Problem>().errors?.map((e) => e.path)).toContain(path);
  });

  it("is for administrators only, and 404 for an unknown body", async () => {
    expect((await t.app.inject({ url: url("CSG"), headers: auth(commissionerToken) })).statusCode).toBe(403);
    expect((await put("CSG", [], commissionerToken)).statusCode).toBe(403);
    expect((await t.app.inject({ url: url("NOBODY"), headers: auth(adminToken) })).statusCode).toBe(404);
    expect((await put("NOBODY", [])).statusCode).toBe(404);
  });

  it("lets a member added through the API record the body's decision, and not after their last day", async () => {
    const member = await createUser(t.services, ["board-member"]);
    const token = await apiTokenFor(t.services, member.id);
    const project = (await createProjectThroughApi(t.app, commissionerToken, { programmeCode: "SP" })).id;
    const decide = (decidedOn: string, minutesRef: string) =>
      t.app.inject({
        method: "POST",
        url: `/api/v1/projects/${project}/decisions`,
        headers: auth(token),
        payload: {
          subjectId: project,
          bodyCode: "SP_COMMISSIONING_BODY",
          decision: "approved",
          decidedOn,
          minutesRef,
        },
      });
    expect((await decide("2025-06-01", "SPCB/1")).statusCode).toBe(403);
    const current = (await members("SP_COMMISSIONING_BODY")).map(asInput);
    await put("SP_COMMISSIONING_BODY", [
      ...current,
      { userId: member.id, role: "member", from: "2025-01-01", to: "2025-06-30" },
    ]);
    expect((await decide("2025-06-01", "SPCB/2")).statusCode).toBe(201);
    expect((await decide("2025-07-01", "SPCB/3")).statusCode).toBe(403);
  });
});

describe("a governance body's page", () => {
  it("lists current and past members for staff, with the forms for administrators only", async () => {
    const asCommissioner = html((await t.app.inject({ url: "/governance/CSG", cookies: commissioner })).body);
    expect(asCommissioner("h1").text()).toBe("Core Strategy Group");
    expect(asCommissioner("#current-members").text()).toContain("Chair");
    expect(asCommissioner("#past-members").text()).toContain("Member");
    expect(asCommissioner("#add-member")).toHaveLength(0);
    expect(asCommissioner('a[href*="/end"]')).toHaveLength(0);
    const asAdmin = html((await t.app.inject({ url: "/governance/CSG", cookies: admin })).body);
    expect(asAdmin('form[action="/governance/CSG/members"]')).toHaveLength(1);
    expect(asAdmin('#current-members a[href$="/end"]').length).toBeGreaterThan(0);
    expect((await t.app.inject({ url: "/governance/NOBODY", cookies: admin })).statusCode).toBe(404);
    const list = html((await t.app.inject({ url: "/governance", cookies: commissioner })).body);
    expect(list('a[href="/governance/CSG"]')).toHaveLength(1);
  });

  it("adds a member through the form (Post/Redirect/Get), audited", async () => {
    const person = await createUser(t.services, ["board-member"]);
    const before = await auditCount();
    const { response, cookies } = await postForm(t.app, "/governance/JCG", "/governance/JCG/members", admin, {
      userId: person.id,
      role: "member",
      "from-day": "1",
      "from-month": "4",
      "from-year": "2025",
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/governance/JCG");
    const $ = html((await t.app.inject({ url: "/governance/JCG", cookies })).body);
    expect($(".govuk-notification-banner--success").text()).toContain(`${person.name} has been added`);
    const row = $("#current-members tbody tr").filter((_i, el) => $(el).text().includes(person.name));
    expect(row.text()).toContain("1 April 2025");
    expect(await auditCount()).toBe(before + 1);
  });

  it("shows errors in the summary and keeps what was typed", async () => {
    const person = await createUser(t.services, ["board-member"]);
    const before = await auditCount();
    const { response, cookies } = await postForm(t.app, "/governance/JCG", "/governance/JCG/members", admin, {
      userId: person.id,
      role: "chair",
      "from-day": "31",
      "from-month": "2",
      "from-year": "2025",
    });
    expect(response.statusCode).toBe(303);
    const $ = html((await t.app.inject({ url: "/governance/JCG", cookies })).body);
    expect($(".govuk-error-summary a[href='#from-day']").text()).toContain("real date");
    expect($("#from-day").val()).toBe("31");
    expect($("#from-year").val()).toBe("2025");
    expect($('input[name="role"][value="chair"]').attr("checked")).toBeDefined();
    expect($("#userId option[selected]").val()).toBe(person.id);
    const empty = await postForm(t.app, "/governance/JCG", "/governance/JCG/members", admin, {});
    const e = html((await t.app.inject({ url: "/governance/JCG", cookies: empty.cookies })).body);
    expect(
      e(".govuk-error-summary a")
        .map((_i, el) => e(el).attr("href"))
        .get(),
    ).toEqual(["#userId", "#role", "#from-day"]);
    expect(await auditCount()).toBe(before);
  });

  it("shows the service's refusal at the field: a person already in the body", async () => {
    const person = await createUser(t.services, ["board-member"]);
    const fields = {
      userId: person.id,
      role: "member",
      "from-day": "1",
      "from-month": "5",
      "from-year": "2025",
    };
    await postForm(t.app, "/governance/JCG", "/governance/JCG/members", admin, fields);
    const again = await postForm(t.app, "/governance/JCG", "/governance/JCG/members", admin, {
      ...fields,
      role: "chair",
    });
    const $ = html((await t.app.inject({ url: "/governance/JCG", cookies: again.cookies })).body);
    expect($(".govuk-error-summary a[href='#from-day']").text()).toContain("is already in this body");
  });

  it("ends a membership on its own page, which moves it to past members", async () => {
    const person = await createUser(t.services, ["board-member"]);
    await postForm(t.app, "/governance/LEGAL", "/governance/LEGAL/members", admin, {
      userId: person.id,
      role: "member",
      "from-day": "1",
      "from-month": "4",
      "from-year": "2024",
    });
    const page = html((await t.app.inject({ url: "/governance/LEGAL", cookies: admin })).body);
    const href = page("#current-members tbody tr")
      .filter((_i, el) => page(el).text().includes(person.name))
      .find('a[href$="/end"]')
      .attr("href");
    expect(href).toMatch(/^\/governance\/LEGAL\/members\/[0-9a-f-]{36}\/end$/);
    const endHref = href ?? "";
    const endPage = html((await t.app.inject({ url: endHref, cookies: admin })).body);
    expect(endPage("#membership").text()).toContain(person.name);

    const bad = await postForm(t.app, endHref, endHref, admin, {
      "to-day": "31",
      "to-month": "3",
      "to-year": "2024",
    });
    expect(bad.response.headers.location).toBe(endHref);
    const refused = html((await t.app.inject({ url: endHref, cookies: bad.cookies })).body);
    expect(refused(".govuk-error-summary a[href='#to-day']").text()).toContain(
      "same as or after the first day",
    );
    expect(refused("#to-year").val()).toBe("2024");

    const before = await auditCount();
    const done = await postForm(t.app, endHref, endHref, admin, {
      "to-day": "31",
      "to-month": "3",
      "to-year": "2025",
    });
    expect(done.response.headers.location).toBe("/governance/LEGAL");
    const after = html((await t.app.inject({ url: "/governance/LEGAL", cookies: done.cookies })).body);
    expect(after(".govuk-notification-banner--success").text()).toContain("31 March 2025");
    expect(after("#past-members").text()).toContain(person.name);
    expect(after("#current-members").text()).not.toContain(person.name);
    expect(await auditCount()).toBe(before + 1);
  });

  it("refuses the forms to anyone but an administrator", async () => {
    const { response } = await postForm(t.app, "/governance/JCG", "/governance/JCG/members", commissioner, {
      userId: crypto.randomUUID(),
      role: "member",
    });
    expect(response.statusCode).toBe(403);
  });
});
