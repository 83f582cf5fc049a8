import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, sessions, users } from "../../src/db/schema/index.js";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import { STANDING_REFUSALS } from "../../src/domain/user-administration.js";
import { OIDC_MESSAGES } from "../../src/modules/accounts/oidc/routes.js";
import { STALE_USER_MESSAGE } from "../../src/modules/users/service.js";
import {
  apiTokenFor,
  buildTestApp,
  cookiesFrom,
  createUser,
  html,
  postForm,
  signIn,
  signInAdministrator,
  TEST_PASSWORD,
  type TestApp,
} from "../helpers.js";
import { startTestOidcProvider, type TestOidcProvider } from "../oidc-provider.js";

/**
 * User administration (docs/api.md: PATCH /users/:id, POST /users/:id/unlock, POST /users/:id/two-factor/reset)
 * through the real HTTP layer. Runs on PGlite by default, where the signed-in path caches session and
 * token lookups for 5 seconds, and on PostgreSQL with TEST_DATABASE_URL, where it does not.
 */

let t: TestApp;
let adminId: string;
let adminToken: string;
let providerCode: string;

beforeAll(async () => {
  t = await buildTestApp();
  const administrator = await createUser(t.services, ["administrator"]);
  adminId = administrator.id;
  adminToken = await apiTokenFor(t.services, administrator.id);
  providerCode = `UAP${Date.now().toString(36)}`.toUpperCase();
  await t.services.organisations.create(SYSTEM_ACTOR, {
    name: `User administration provider ${providerCode}`,
    kind: "provider",
    code: providerCode,
    companyNumber: undefined,
    charityNumber: undefined,
  });
});
afterAll(async () => t.close());

const auth = (token = adminToken) => ({ authorization: `Bearer ${token}` });

interface ApiUser {
  id: string;
  roles: string[];
  organisationCode: string | null;
  active: boolean;
  twoFactor: boolean;
  locked: boolean;
  lockedUntil: string | null;
  version: number;
}

async function patchUser(id: string, payload: Record<string, unknown>, token = adminToken) {
  return t.app.inject({ method: "PATCH", url: `/api/v1/users/${id}`, headers: auth(token), payload });
}

async function getUser(id: string): Promise<ApiUser> {
  const response = await t.app.inject({ url: `/api/v1/users/${id}`, headers: auth() });
  expect(response.statusCode).toBe(200);
  return response.json<ApiUser>();
}

async function auditFor(userId: string) {
  return t.database.db
    .select({ action: auditEvents.action, summary: auditEvents.summary, actorId: auditEvents.actorId })
    .from(auditEvents)
    .where(eq(auditEvents.entityId, userId))
    .orderBy(auditEvents.seq);
}

/** The sign-in page's error summary after posting these credentials. */
async function signInRefusal(email: string, password: string): Promise<string> {
  const { response, cookies } = await postForm(t.app, "/sign-in", "/sign-in", {}, { email, password });
  expect(response.statusCode).toBe(303);
  expect(response.headers.location).toMatch(/^\/sign-in/);
  const page = await t.app.inject({ url: String(response.headers.location), cookies });
  return html(page.body)(".govuk-error-summary").text().replace(/\s+/g, " ").trim();
}

describe("PATCH /api/v1/users/:id refusals", () => {
  it("answers 401 without a token and 403 to someone who is not an administrator, before validation", async () => {
    const target = await createUser(t.services, ["evaluator"]);
    const commissioner = await createUser(t.services, ["commissioner"]);
    const theirToken = await apiTokenFor(t.services, commissioner.id);
    const anonymous = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/users/${target.id}`,
      payload: { active: false, version: 1 },
    });
    expect(anonymous.statusCode).toBe(401);
    for (const payload of [{ active: false, version: 1 }, { roles: ["nonsense"] }]) {
      const refused = await patchUser(target.id, payload, theirToken);
      expect(refused.statusCode).toBe(403);
      expect(refused.headers["content-type"]).toContain("application/problem+json");
    }
    for (const url of [`/api/v1/users/${target.id}/unlock`, `/api/v1/users/${target.id}/two-factor/reset`]) {
      const refused = await t.app.inject({ method: "POST", url, headers: auth(theirToken) });
      expect(refused.statusCode).toBe(403);
    }
    expect((await getUser(target.id)).active).toBe(true);
  });

  it("answers 404 for an unknown user and 400 for an id that is not one", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect((await patchUser(unknown, { active: false, version: 1 })).statusCode).toBe(404);
    for (const url of [`/api/v1/users/${unknown}/unlock`, `/api/v1/users/${unknown}/two-factor/reset`]) {
      expect((await t.app.inject({ method: "POST", url, headers: auth() })).statusCode).toBe(404);
    }
    const bad = await patchUser("not-an-id", { active: false, version: 1 });
    expect(bad.statusCode).toBe(400);
  });

  it("answers 400 with the field path for a bad role code or a missing version, changing nothing", async () => {
    const target = await createUser(t.services, ["evaluator"]);
    const badRole = await patchUser(target.id, { roles: ["evaluator", "emperor"], version: target.version });
    expect(badRole.statusCode).toBe(400);
    expect(badRole.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toContain("roles.1");
    const noVersion = await patchUser(target.id, { roles: ["commissioner"] });
    expect(noVersion.statusCode).toBe(400);
    expect(noVersion.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toEqual(["version"]);
    const empty = await patchUser(target.id, { roles: [], version: target.version });
    expect(empty.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toEqual(["roles"]);
    expect((await getUser(target.id)).roles).toEqual(["evaluator"]);
    expect(await auditFor(target.id)).toHaveLength(1); // "created" only
  });

  it("answers 400 on organisationCode for an unknown organisation or one that does not fit the roles", async () => {
    const target = await createUser(t.services, ["evaluator"]);
    const unknown = await patchUser(target.id, { organisationCode: "NO-SUCH-ORG", version: target.version });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<{ errors: { path: string }[] }>().errors[0]?.path).toBe("organisationCode");
    const misfit = await patchUser(target.id, { roles: ["provider-user"], version: target.version });
    expect(misfit.statusCode).toBe(400);
    expect(misfit.json<{ errors: { path: string; message: string }[] }>().errors[0]).toEqual({
      path: "organisationCode",
      message: "A provider user must belong to a provider organisation",
    });
    expect(await getUser(target.id)).toMatchObject({
      roles: ["evaluator"],
      organisationCode: null,
      version: 1,
    });
  });

  it("answers 409 for a stale version and changes nothing", async () => {
    const target = await createUser(t.services, ["evaluator"]);
    const first = await patchUser(target.id, { roles: ["commissioner"], version: target.version });
    expect(first.statusCode).toBe(200);
    const stale = await patchUser(target.id, {
      active: false,
      roles: ["evaluator"],
      version: target.version,
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json<{ detail: string }>().detail).toBe(STALE_USER_MESSAGE);
    expect(await getUser(target.id)).toMatchObject({ roles: ["commissioner"], active: true, version: 2 });
    expect((await auditFor(target.id)).map((a) => a.action)).toEqual(["created", "updated"]);
  });

  it("answers 409 with a detail when an administrator deactivates themselves or drops their own role", async () => {
    await createUser(t.services, ["administrator"]); // not the last administrator: that is another refusal
    const me = await getUser(adminId);
    const deactivate = await patchUser(adminId, { active: false, version: me.version });
    expect(deactivate.statusCode).toBe(409);
    expect(deactivate.json<{ detail: string; errors: unknown[] }>()).toMatchObject({
      detail: STANDING_REFUSALS.deactivateSelf,
      errors: [{ path: "active", message: STANDING_REFUSALS.deactivateSelf }],
    });
    const demote = await patchUser(adminId, { roles: ["commissioner"], version: me.version });
    expect(demote.statusCode).toBe(409);
    expect(demote.json<{ detail: string }>().detail).toBe(STANDING_REFUSALS.removeOwnAdministrator);
    expect(await getUser(adminId)).toMatchObject({
      active: true,
      roles: ["administrator"],
      version: me.version,
    });
  });
});

describe("PATCH /api/v1/users/:id changes", () => {
  it("changes roles and organisation, bumps the version and audits before and after", async () => {
    const target = await createUser(t.services, ["evaluator"]);
    const response = await patchUser(target.id, {
      roles: ["provider-user"],
      organisationCode: providerCode.toLowerCase(),
      version: target.version,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json<ApiUser>()).toMatchObject({
      roles: ["provider-user"],
      organisationCode: providerCode,
      active: true,
      locked: false,
      version: 2,
    });
    const [, updated] = await auditFor(target.id);
    expect(updated).toMatchObject({
      action: "updated",
      actorId: adminId,
      summary: {
        rolesBefore: ["evaluator"],
        rolesAfter: ["provider-user"],
        organisationBefore: null,
        organisationAfter: providerCode,
        version: 2,
      },
    });
    // The same request again changes nothing, so it writes no audit record and keeps the version.
    const again = await patchUser(target.id, {
      roles: ["provider-user"],
      organisationCode: providerCode,
      version: 2,
    });
    expect(again.json<ApiUser>().version).toBe(2);
    expect(await auditFor(target.id)).toHaveLength(2);
    // Back to council staff: organisationCode null removes the organisation.
    const back = await patchUser(target.id, { roles: ["commissioner"], organisationCode: null, version: 2 });
    expect(back.json<ApiUser>()).toMatchObject({
      roles: ["commissioner"],
      organisationCode: null,
      version: 3,
    });
  });

  it("deactivates: the session cookie and the API token are refused at once, and so is sign-in", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, user.email);
    const token = await apiTokenFor(t.services, user.id);
    // Both lookups are now in the signed-in path's cache (on PGlite) as working.
    expect((await t.app.inject({ url: "/account", cookies })).statusCode).toBe(200);
    expect((await t.app.inject({ url: "/api/v1/programmes", headers: auth(token) })).statusCode).toBe(200);

    const response = await patchUser(user.id, { active: false, version: user.version });
    expect(response.statusCode).toBe(200);
    expect(response.json<ApiUser>()).toMatchObject({ active: false, version: 2 });

    const page = await t.app.inject({ url: "/account", cookies });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toMatch(/^\/sign-in/);
    const api = await t.app.inject({ url: "/api/v1/programmes", headers: auth(token) });
    expect(api.statusCode).toBe(401);
    expect(await t.database.db.select().from(sessions).where(eq(sessions.userId, user.id))).toEqual([]);

    // A deactivated account looks like a wrong password: nobody learns that it exists.
    const wrong = await signInRefusal(user.email, "not the password at all");
    expect(await signInRefusal(user.email, TEST_PASSWORD)).toBe(wrong);

    const [, deactivated] = await auditFor(user.id);
    expect(deactivated).toMatchObject({
      action: "deactivated",
      summary: { activeBefore: true, activeAfter: false, sessionsEnded: 1, tokensRevoked: 1 },
    });
  });

  it("reactivates: sign-in works again, but not the old session or token", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, user.email);
    const token = await apiTokenFor(t.services, user.id);
    await patchUser(user.id, { active: false, version: 1 });
    const back = await patchUser(user.id, { active: true, version: 2 });
    expect(back.statusCode).toBe(200);
    expect(back.json<ApiUser>()).toMatchObject({ active: true, version: 3 });
    expect((await t.app.inject({ url: "/account", cookies })).statusCode).toBe(303);
    expect((await t.app.inject({ url: "/api/v1/programmes", headers: auth(token) })).statusCode).toBe(401);
    const fresh = await signIn(t.app, user.email);
    expect((await t.app.inject({ url: "/account", cookies: fresh })).statusCode).toBe(200);
    expect((await auditFor(user.id)).map((a) => a.action)).toEqual(["created", "deactivated", "reactivated"]);
  });

  it("takes a role away at once: the next request with the same session has the new roles", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, user.email);
    expect((await t.app.inject({ url: "/projects", cookies })).statusCode).toBe(200);
    await patchUser(user.id, { roles: ["provider-user"], organisationCode: providerCode, version: 1 });
    expect((await t.app.inject({ url: "/projects", cookies })).statusCode).toBe(403);
  });
});

describe("POST /api/v1/users/:id/unlock", () => {
  it("clears a lockout so that the person can sign in at once, audited", async () => {
    const user = await createUser(t.services, ["evaluator"]);
    for (let i = 0; i < 5; i++) await signInRefusal(user.email, `wrong ${String(i)}`);
    const locked = await getUser(user.id);
    expect(locked.locked).toBe(true);
    expect(Date.parse(locked.lockedUntil ?? "")).toBeGreaterThan(Date.now());
    expect(await signInRefusal(user.email, TEST_PASSWORD)).toContain("Your account is locked");

    const response = await t.app.inject({
      method: "POST",
      url: `/api/v1/users/${user.id}/unlock`,
      headers: auth(),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json<ApiUser>()).toMatchObject({ locked: false, lockedUntil: null, version: 2 });
    const [row] = await t.database.db.select().from(users).where(eq(users.id, user.id));
    expect(row).toMatchObject({ failedSignIns: 0, lockedUntil: null });
    await signIn(t.app, user.email);
    expect((await auditFor(user.id)).map((a) => a.action)).toEqual(["created", "locked-out", "unlocked"]);

    // Unlocking an account that is not locked changes nothing and records nothing.
    const again = await t.app.inject({
      method: "POST",
      url: `/api/v1/users/${user.id}/unlock`,
      headers: auth(),
    });
    expect(again.json<ApiUser>().version).toBe(2);
    expect(await auditFor(user.id)).toHaveLength(3);
  });
});

describe("POST /api/v1/users/:id/unlock after wrong two-factor codes", () => {
  it("shows the two-factor lock, which lasts until an administrator unlocks it, and clears it", async () => {
    const user = await createUser(t.services, ["evaluator"]);
    await t.database.db.transaction(async (tx) => {
      await tx
        .update(users)
        .set({ totpFailures: 10, totpFailuresSince: new Date(), totpLockedAt: new Date() })
        .where(eq(users.id, user.id));
    });
    expect(await getUser(user.id)).toMatchObject({ locked: true, lockedUntil: null });

    const response = await t.app.inject({
      method: "POST",
      url: `/api/v1/users/${user.id}/unlock`,
      headers: auth(),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json<ApiUser>()).toMatchObject({ locked: false, version: 2 });
    const [row] = await t.database.db.select().from(users).where(eq(users.id, user.id));
    expect(row).toMatchObject({ totpFailures: 0, totpFailuresSince: null, totpLockedAt: null });
    const [record] = (await auditFor(user.id)).filter((a) => a.action === "unlocked");
    expect(record?.summary).toMatchObject({ twoFactorLocked: true });
  });
});

describe("POST /api/v1/users/:id/two-factor/reset", () => {
  it("clears the enrolment and ends the sessions: the administrator sets it up again at next sign-in", async () => {
    const other = await createUser(t.services, ["administrator"]);
    const cookies = await signInAdministrator(t.app, other.email);
    expect((await getUser(other.id)).twoFactor).toBe(true);
    expect((await t.app.inject({ url: "/users", cookies })).statusCode).toBe(200);

    const response = await t.app.inject({
      method: "POST",
      url: `/api/v1/users/${other.id}/two-factor/reset`,
      headers: auth(),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json<ApiUser>().twoFactor).toBe(false);
    const [row] = await t.database.db.select().from(users).where(eq(users.id, other.id));
    expect(row).toMatchObject({ totpSecret: null, totpEnabled: false });
    expect((await t.app.inject({ url: "/users", cookies })).statusCode).toBe(303);
    // signInAdministrator goes through the set-up page: it is offered again, with a new secret.
    const again = await signInAdministrator(t.app, other.email);
    expect((await t.app.inject({ url: "/users", cookies: again })).statusCode).toBe(200);
    expect((await auditFor(other.id)).map((a) => a.action)).toContain("two-factor-reset");
  });
});

describe("the audit page", () => {
  it("shows what changed: roles before and after, organisation and active", async () => {
    const administrator = await createUser(t.services, ["administrator"]);
    const cookies = await signInAdministrator(t.app, administrator.email);
    const target = await createUser(t.services, ["evaluator"]);
    await patchUser(target.id, { roles: ["evaluator", "board-member"], version: 1 });
    await patchUser(target.id, { active: false, version: 2 });
    const page = await t.app.inject({ url: `/audit?entityId=${target.id}`, cookies });
    expect(page.statusCode).toBe(200);
    const $ = html(page.body);
    const rows = $("tbody tr")
      .map((_i, el) => $(el).text().replace(/\s+/g, " "))
      .get();
    const updated = rows.find((r) => r.includes(" updated "));
    expect(updated).toContain("Roles before: evaluator ");
    expect(updated).toContain("Roles after: evaluator, board-member");
    const deactivated = rows.find((r) => r.includes(" deactivated "));
    expect(deactivated).toContain("Active before: yes");
    expect(deactivated).toContain("Active after: no");
  });
});

describe("user administration pages", () => {
  let admin: Record<string, string>;
  beforeAll(async () => {
    const administrator = await createUser(t.services, ["administrator"]);
    admin = await signInAdministrator(t.app, administrator.email);
  });

  const userPage = async (id: string, cookies = admin) => {
    const page = await t.app.inject({ url: `/users/${id}`, cookies });
    expect(page.statusCode).toBe(200);
    return html(page.body);
  };
  const summary = ($: ReturnType<typeof html>) =>
    $(".govuk-error-summary").text().replace(/\s+/g, " ").trim();
  const banner = ($: ReturnType<typeof html>) =>
    $(".govuk-notification-banner--success").text().replace(/\s+/g, " ").trim();
  const checkedRoles = ($: ReturnType<typeof html>) =>
    $('input[name="roles"]:checked')
      .map((_i, el) => $(el).val())
      .get();
  const detail = ($: ReturnType<typeof html>, key: string) =>
    $("#user-details .govuk-summary-list__row")
      .filter((_i, el) => $(el).find("dt").text().trim() === key)
      .find("dd")
      .text()
      .replace(/\s+/g, " ")
      .trim();

  it("shows on the list whether each user is active, locked and enrolled in two-factor", async () => {
    const locked = await createUser(t.services, ["evaluator"]);
    for (let i = 0; i < 5; i++) await signInRefusal(locked.email, `wrong ${String(i)}`);
    const gone = await createUser(t.services, ["evaluator"]);
    await t.services.users.update(SYSTEM_ACTOR, gone.id, { active: false, version: 1 });
    const $ = html((await t.app.inject({ url: "/users", cookies: admin })).body);
    expect(
      $("#users thead th")
        .map((_i, el) => $(el).text().trim())
        .get(),
    ).toEqual(["Name", "Email address", "Roles", "Organisation", "Status", "Two-factor sign-in"]);
    const row = (email: string) =>
      $("#users tbody tr")
        .filter((_i, el) => $(el).text().includes(email))
        .find("td")
        .map((_i, el) => $(el).text().replace(/\s+/g, " ").trim())
        .get();
    expect(row(locked.email).slice(-2)).toEqual(["Active Locked", "Off"]);
    expect(row(gone.email).slice(-2)).toEqual(["Deactivated", "Off"]);
  });

  it("changes roles and organisation through the form, with a success banner (Post/Redirect/Get)", async () => {
    const user = await createUser(t.services, ["evaluator"]);
    const before = await userPage(user.id);
    expect(checkedRoles(before)).toEqual(["evaluator"]);
    expect(before('select[name="organisationCode"] option:checked').val()).toBe("");
    expect(before('input[name="version"]').val()).toBe("1");
    const { response, cookies } = await postForm(t.app, `/users/${user.id}`, `/users/${user.id}`, admin, {
      roles: ["provider-user", "evaluator"],
      organisationCode: providerCode,
      version: "1",
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/users/${user.id}`);
    const after = await userPage(user.id, cookies);
    expect(banner(after)).toContain(`${user.name}'s roles and organisation have been saved`);
    expect(checkedRoles(after)).toEqual(["evaluator", "provider-user"]);
    expect(after('select[name="organisationCode"] option:checked').val()).toBe(providerCode);
    expect(detail(after, "Roles")).toBe("Evaluator, Provider user");
    expect((await auditFor(user.id)).map((a) => a.action)).toEqual(["created", "updated"]);
  });

  it("refuses a bad change with an error summary, keeping what was typed and changing nothing", async () => {
    const user = await createUser(t.services, ["evaluator"]);
    const { response, cookies } = await postForm(t.app, `/users/${user.id}`, `/users/${user.id}`, admin, {
      roles: ["provider-user", "board-member"],
      organisationCode: "",
      version: "1",
    });
    expect(response.headers.location).toBe(`/users/${user.id}`);
    const $ = await userPage(user.id, cookies);
    expect(summary($)).toContain("A provider user must belong to a provider organisation");
    expect($('.govuk-error-summary a[href="#organisationCode"]')).toHaveLength(1);
    expect(checkedRoles($)).toEqual(["board-member", "provider-user"]);
    expect((await getUser(user.id)).roles).toEqual(["evaluator"]);

    const none = await postForm(t.app, `/users/${user.id}`, `/users/${user.id}`, admin, { version: "1" });
    const $none = await userPage(user.id, none.cookies);
    expect(summary($none)).toContain("Select at least one role");
    expect($none('.govuk-error-summary a[href="#roles"]')).toHaveLength(1);
    expect(await auditFor(user.id)).toHaveLength(1);
  });

  it("refuses a stale form, keeping the typed roles and carrying the saved version", async () => {
    const user = await createUser(t.services, ["evaluator"]);
    await patchUser(user.id, { roles: ["commissioner"], version: 1 });
    const { cookies } = await postForm(t.app, `/users/${user.id}`, `/users/${user.id}`, admin, {
      roles: ["board-member"],
      organisationCode: "",
      version: "1",
    });
    const $ = await userPage(user.id, cookies);
    expect(summary($)).toContain(STALE_USER_MESSAGE);
    expect($('.govuk-error-summary a[href="#user-details"]')).toHaveLength(1);
    expect(checkedRoles($)).toEqual(["board-member"]);
    expect($('input[name="version"]').val()).toBe("2");
    expect(detail($, "Roles")).toBe("Commissioner");
  });

  it("deactivates after a confirmation page; the user's own browser is signed out at once; reactivates", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const theirs = await signIn(t.app, user.email);
    expect((await t.app.inject({ url: "/account", cookies: theirs })).statusCode).toBe(200);

    const $user = await userPage(user.id);
    expect(detail($user, "Status")).toBe("Active");
    const confirmHref = $user('a.govuk-button--warning:contains("Deactivate account")').attr("href");
    expect(confirmHref).toBe(`/users/${user.id}/deactivate`);
    const confirm = html((await t.app.inject({ url: confirmHref ?? "", cookies: admin })).body);
    expect(confirm("h1").text()).toBe(`Are you sure you want to deactivate ${user.name}?`);
    expect(confirm(`form[action="/users/${user.id}/deactivate"] input[name="_csrf"]`)).toHaveLength(1);

    const done = await postForm(t.app, confirmHref ?? "", confirmHref ?? "", admin, { version: "1" });
    expect(done.response.statusCode).toBe(303);
    expect(done.response.headers.location).toBe(`/users/${user.id}`);
    const $after = await userPage(user.id, done.cookies);
    expect(banner($after)).toContain(`${user.name} has been deactivated`);
    expect(detail($after, "Status")).toBe("Deactivated");
    expect((await t.app.inject({ url: "/account", cookies: theirs })).statusCode).toBe(303);

    const back = await postForm(t.app, `/users/${user.id}`, `/users/${user.id}/reactivate`, admin, {
      version: "2",
    });
    const $back = await userPage(user.id, back.cookies);
    expect(banner($back)).toContain(`${user.name} has been reactivated and can sign in again`);
    expect(detail($back, "Status")).toBe("Active");
    await signIn(t.app, user.email);
  });

  it("refuses an administrator deactivating themselves or dropping their own role, on the page", async () => {
    const me = await createUser(t.services, ["administrator"]);
    const mine = await signInAdministrator(t.app, me.email);
    const $ = await userPage(me.id, mine);
    expect($('a:contains("Deactivate account")')).toHaveLength(0);
    expect($(".govuk-inset-text").text()).toContain("You cannot deactivate your own account");

    // Setting up two-factor at the first sign-in changed the account: read its version now.
    const version = String((await getUser(me.id)).version);
    const deactivate = await postForm(t.app, `/users/${me.id}`, `/users/${me.id}/deactivate`, mine, {
      version,
    });
    const $refused = await userPage(me.id, deactivate.cookies);
    expect(summary($refused)).toContain(STANDING_REFUSALS.deactivateSelf);
    expect($refused('.govuk-error-summary a[href="#active"]')).toHaveLength(1);

    const demote = await postForm(t.app, `/users/${me.id}`, `/users/${me.id}`, mine, {
      roles: ["commissioner"],
      organisationCode: "",
      version,
    });
    const $demoted = await userPage(me.id, demote.cookies);
    expect(summary($demoted)).toContain(STANDING_REFUSALS.removeOwnAdministrator);
    expect(checkedRoles($demoted)).toEqual(["commissioner"]);
    expect(await getUser(me.id)).toMatchObject({ active: true, roles: ["administrator"] });
  });

  it("unlocks a locked account from its page", async () => {
    const user = await createUser(t.services, ["evaluator"]);
    for (let i = 0; i < 5; i++) await signInRefusal(user.email, `wrong ${String(i)}`);
    const $ = await userPage(user.id);
    expect(detail($, "Sign-in")).toMatch(/^Locked until .+, after too many failed sign-ins$/);
    expect($(`form[action="/users/${user.id}/unlock"] button`).text().trim()).toBe("Unlock account");
    const { cookies } = await postForm(t.app, `/users/${user.id}`, `/users/${user.id}/unlock`, admin, {});
    const $after = await userPage(user.id, cookies);
    expect(banner($after)).toContain(`${user.name}'s account has been unlocked`);
    expect(detail($after, "Sign-in")).toBe("Not locked");
    expect($after(`form[action="/users/${user.id}/unlock"]`)).toHaveLength(0);
    await signIn(t.app, user.email);
  });

  it("resets two-factor after a confirmation page", async () => {
    const other = await createUser(t.services, ["administrator"]);
    await signInAdministrator(t.app, other.email);
    const $ = await userPage(other.id);
    expect(detail($, "Two-factor sign-in")).toBe("On");
    const href = $('a.govuk-button:contains("Reset two-factor sign-in")').attr("href") ?? "";
    expect(href).toBe(`/users/${other.id}/two-factor/reset`);
    const confirm = html((await t.app.inject({ url: href, cookies: admin })).body);
    expect(confirm("h1").text()).toBe(`Are you sure you want to reset ${other.name}'s two-factor sign-in?`);
    const { cookies } = await postForm(t.app, href, href, admin, {});
    const $after = await userPage(other.id, cookies);
    expect(banner($after)).toContain(`${other.name}'s two-factor sign-in has been reset`);
    expect(detail($after, "Two-factor sign-in")).toBe("Off");
  });

  it("refuses someone who is not an administrator (403), an unknown user (404) and a form without its CSRF token", async () => {
    const target = await createUser(t.services, ["evaluator"]);
    const commissioner = await createUser(t.services, ["commissioner"]);
    const theirs = await signIn(t.app, commissioner.email);
    for (const url of [
      `/users/${target.id}`,
      `/users/${target.id}/deactivate`,
      `/users/${target.id}/two-factor/reset`,
    ]) {
      expect((await t.app.inject({ url, cookies: theirs })).statusCode).toBe(403);
    }
    for (const action of ["", "/deactivate", "/reactivate", "/unlock", "/two-factor/reset"]) {
      const { response } = await postForm(t.app, "/account", `/users/${target.id}${action}`, theirs, {
        version: "1",
        roles: "administrator",
      });
      expect(response.statusCode).toBe(403);
    }
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-an-id"]) {
      expect((await t.app.inject({ url: `/users/${id}`, cookies: admin })).statusCode).toBe(404);
      expect((await t.app.inject({ url: `/users/${id}/deactivate`, cookies: admin })).statusCode).toBe(404);
      const { response } = await postForm(t.app, "/users", `/users/${id}/deactivate`, admin, {
        version: "1",
      });
      expect(response.statusCode).toBe(404);
    }
    const noToken = await t.app.inject({
      method: "POST",
      url: `/users/${target.id}/deactivate`,
      cookies: admin,
      payload: { version: "1" },
    });
    expect(noToken.statusCode).toBe(403);
    // A confirmation without the version it was read at is sent back, not taken as "whatever is current".
    const noVersion = await postForm(
      t.app,
      `/users/${target.id}`,
      `/users/${target.id}/deactivate`,
      admin,
      {},
    );
    expect(noVersion.response.headers.location).toBe(`/users/${target.id}`);
    expect(
      html((await t.app.inject({ url: `/users/${target.id}`, cookies: noVersion.cookies })).body)(
        ".govuk-error-summary",
      ).text(),
    ).toContain(STALE_USER_MESSAGE);
    expect(await getUser(target.id)).toMatchObject({ active: true, roles: ["evaluator"], version: 1 });
  });
});

describe("the last active administrator", () => {
  let own: TestApp;
  let idp: TestOidcProvider;
  const REDIRECT_URI = "http://localhost:3000/sign-in/oidc/callback";

  beforeAll(async () => {
    idp = await startTestOidcProvider({
      clientId: "commissioner",
      clientSecret: "test-client-secret",
      redirectUri: REDIRECT_URI,
    });
    own = await buildTestApp({
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: idp.clientId,
      OIDC_CLIENT_SECRET: idp.clientSecret,
      OIDC_REDIRECT_URI: REDIRECT_URI,
    });
  });
  afterAll(async () => {
    await own.close();
    await idp.close();
  });

  const patch = (token: string, id: string, payload: Record<string, unknown>) =>
    own.app.inject({ method: "PATCH", url: `/api/v1/users/${id}`, headers: auth(token), payload });

  it("can neither be deactivated nor lose the role: 409 with the rule as the detail", async () => {
    const only = await createUser(own.services, ["administrator", "commissioner"]);
    const token = await apiTokenFor(own.services, only.id);
    const demote = await patch(token, only.id, { roles: ["commissioner"], version: 1 });
    expect(demote.statusCode).toBe(409);
    expect(demote.json<{ detail: string; errors: unknown[] }>()).toMatchObject({
      title: "Conflict",
      detail: STANDING_REFUSALS.lastAdministratorRole,
      errors: [{ path: "roles", message: STANDING_REFUSALS.lastAdministratorRole }],
    });
    const deactivate = await patch(token, only.id, { active: false, version: 1 });
    expect(deactivate.json<{ detail: string }>().detail).toBe(STANDING_REFUSALS.lastAdministratorDeactivated);
    // The system (command line) is held to the same rule.
    await expect(
      own.services.users.update(SYSTEM_ACTOR, only.id, { active: false, version: 1 }),
    ).rejects.toThrow(STANDING_REFUSALS.lastAdministratorDeactivated);
    const [row] = await own.database.db.select().from(users).where(eq(users.id, only.id));
    expect(row).toMatchObject({ active: true, version: 1 });

    // Two administrators deactivating each other at the same moment: one of them stays.
    const second = await createUser(own.services, ["administrator"]);
    const secondToken = await apiTokenFor(own.services, second.id);
    const [a, b] = await Promise.all([
      patch(token, second.id, { active: false, version: 1 }),
      patch(secondToken, only.id, { active: false, version: 1 }),
    ]);
    const [won, lost] = [a.statusCode, b.statusCode].sort();
    expect(won).toBe(200);
    // The other is refused by the rule (409), or as deactivated (401) when the first change committed
    // before its token was read: either way one administrator stays.
    expect([401, 409]).toContain(lost);
    const left = await own.database.db.select().from(users).where(eq(users.active, true));
    expect(left.filter((u) => u.roles.includes("administrator"))).toHaveLength(1);
  });

  it("is refused on the page too, with the rule in the error summary", async () => {
    const [only] = await own.database.db.select().from(users).where(eq(users.active, true));
    const cookies = await signInAdministrator(own.app, only?.email ?? "");
    const id = only?.id ?? "";
    const [current] = await own.database.db.select().from(users).where(eq(users.id, id));
    const { cookies: after } = await postForm(own.app, `/users/${id}`, `/users/${id}`, cookies, {
      roles: ["commissioner"],
      organisationCode: "",
      version: String(current?.version),
    });
    const page = html((await own.app.inject({ url: `/users/${id}`, cookies: after })).body);
    expect(page(".govuk-error-summary").text()).toContain(STANDING_REFUSALS.lastAdministratorRole);
    expect(page('.govuk-error-summary a[href="#roles"]')).toHaveLength(1);
  });

  it("a deactivated user cannot sign in with the council account either, and is told no more than a stranger", async () => {
    const user = await createUser(own.services, ["commissioner"]);
    await own.services.users.update(SYSTEM_ACTOR, user.id, { active: false, version: 1 });
    idp.willSignIn({ sub: `deactivated-${user.id}`, email: user.email, email_verified: true });
    const start = await own.app.inject({ url: "/sign-in/oidc?next=%2Faccount" });
    const atProvider = await fetch(String(start.headers.location), { redirect: "manual" });
    const back = new URL(atProvider.headers.get("location") ?? "");
    const jar = cookiesFrom(start);
    const callback = await own.app.inject({ url: `${back.pathname}${back.search}`, cookies: jar });
    expect(String(callback.headers.location)).toMatch(/^\/sign-in/);
    const cookies = cookiesFrom(callback, jar);
    const page = await own.app.inject({ url: String(callback.headers.location), cookies });
    expect(html(page.body)(".govuk-error-summary").text()).toContain(OIDC_MESSAGES.notRegistered);
    expect((await own.app.inject({ url: "/account", cookies })).statusCode).toBe(303);
  });
});
