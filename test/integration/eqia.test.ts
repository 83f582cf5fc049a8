import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditEvents,
  checklistTasks,
  equalityAssessments,
  projectDocuments,
  projects,
} from "../../src/db/schema/index.js";
import { CHARACTERISTICS } from "../../src/modules/eqia/screening.js";
import { isEqiaScreeningDone } from "../../src/modules/eqia/queries.js";
import { NOT_EQUALITIES_TEAM_MESSAGE, STALE_EQIA_MESSAGE } from "../../src/modules/eqia/service.js";
import {
  addMembership,
  apiTokenFor,
  multipartForm,
  buildTestApp,
  createUser,
  html,
  postForm,
  signIn,
  type TestApp,
  insertProject,
  asFixture,
} from "../helpers.js";

let t: TestApp;
let officerToken: string;
let officerCookies: Record<string, string>;
let equalitiesToken: string;
let equalitiesCookies: Record<string, string>;
let equalitiesName: string;

/** Until the projects module creates them, a project is a row (title, programme, value, regime, start). */
async function createProject(title = "Carers' support service") {
  return insertProject(t.database.db, { title, programmeCode: "KSAS", estimatedValuePence: 45_000_000 });
}

async function addDocument(projectId: string, kind = "eqia", title = "Full equality impact assessment") {
  const [row] = await asFixture(t.database.db, (tx) =>
    tx.insert(projectDocuments).values({ projectId, kind, title }).returning({ id: projectDocuments.id }),
  );
  if (!row) throw new Error("document not stored");
  return row.id;
}

async function task(projectId: string, key: string) {
  const [row] = await t.database.db
    .select()
    .from(checklistTasks)
    .where(and(eq(checklistTasks.projectId, projectId), eq(checklistTasks.taskKey, key)));
  return row;
}

const screening = (impact = "neutral", overrides: Record<string, string> = {}) =>
  CHARACTERISTICS.map((c) => ({
    characteristic: c.code,
    impact: overrides[c.code] ?? impact,
    evidence: `Needs assessment 2025, ${c.name.toLowerCase()} profile`,
  }));

interface ApiEqia {
  id: string | null;
  version: number;
  screeningDone: boolean;
  missing: string[];
  fullAssessmentRequired: boolean;
  fullAssessmentRequiredByScreening: boolean;
  fullAssessmentRequiredByHand: boolean;
  signedOff: { byId: string; byName: string; on: string } | null;
  signOffBlockers: string[];
  screening: { characteristic: string; impact: string | null }[];
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
function put(projectId: string, payload: Record<string, unknown>, token = officerToken) {
  return t.app.inject({
    method: "PUT",
    url: `/api/v1/projects/${projectId}/eqia`,
    headers: bearer(token),
    payload,
  });
}
function signOff(projectId: string, version: number, token = equalitiesToken) {
  return t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${projectId}/eqia/sign-off`,
    headers: bearer(token),
    payload: { version },
  });
}
async function get(projectId: string) {
  const response = await t.app.inject({
    url: `/api/v1/projects/${projectId}/eqia`,
    headers: bearer(officerToken),
  });
  expect(response.statusCode).toBe(200);
  return response.json<ApiEqia>();
}

beforeAll(async () => {
  t = await buildTestApp();
  const officer = await createUser(t.services, ["commissioner"]);
  officerToken = await apiTokenFor(t.services, officer.id);
  officerCookies = await signIn(t.app, officer.email);
  // A member of the Equalities team, added directly as the demo loader's data would be.
  const member = await createUser(t.services, ["authorised-officer"]);
  equalitiesName = member.name;
  await addMembership(t.database, "EQUALITIES_TEAM", member.id, "member");
  equalitiesToken = await apiTokenFor(t.services, member.id);
  equalitiesCookies = await signIn(t.app, member.email);
});
afterAll(async () => t.close());

describe("EqIA API", () => {
  it("starts empty at version 0, with every characteristic to screen", async () => {
    const projectId = await createProject();
    const eqia = await get(projectId);
    expect(eqia).toMatchObject({
      id: null,
      version: 0,
      screeningDone: false,
      fullAssessmentRequired: false,
      signedOff: null,
    });
    expect(eqia.screening.map((s) => s.characteristic)).toEqual(CHARACTERISTICS.map((c) => c.code));
    expect(eqia.missing).toHaveLength(10);
  });

  it("saves a finished screening, completes the EIA screening task, and keeps an audit record", async () => {
    const projectId = await createProject();
    const response = await put(projectId, {
      screening: screening("neutral", { carers: "positive" }),
      version: 0,
    });
    expect(response.statusCode).toBe(200);
    const saved = response.json<ApiEqia>();
    expect(saved).toMatchObject({
      version: 1,
      screeningDone: true,
      missing: [],
      fullAssessmentRequired: false,
    });
    expect(saved.screening.find((s) => s.characteristic === "carers")?.impact).toBe("positive");
    expect(await task(projectId, "1.4")).toMatchObject({
      status: "completed",
      completedAutomatically: true,
      evidenceType: "record",
      evidenceId: saved.id,
    });
    // What the stage 2 gate reads.
    expect(await isEqiaScreeningDone(t.database.db, projectId)).toBe(true);
    expect(await isEqiaScreeningDone(t.database.db, await createProject())).toBe(false);
    const audit = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "eqia"), eq(auditEvents.entityId, saved.id ?? "")));
    expect(audit.map((a) => a.action)).toEqual(["created"]);
  });

  it("keeps a partial screening without completing the task", async () => {
    const projectId = await createProject();
    const response = await put(projectId, { screening: screening().slice(0, 4), version: 0 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      screeningDone: false,
      missing: expect.arrayContaining(["race", "carers"]) as string[],
    });
    expect((await task(projectId, "1.4"))?.status).toBe("not-started");
  });

  it.each([
    ["negative", true],
    ["unknown", true],
    ["positive", false],
  ])("requires a full assessment when an impact is %s: %s", async (impact, expected) => {
    const projectId = await createProject();
    const response = await put(projectId, { screening: screening("neutral", { race: impact }), version: 0 });
    expect(response.json()).toMatchObject({
      fullAssessmentRequired: expected,
      fullAssessmentRequiredByScreening: expected,
      fullAssessmentRequiredByHand: false,
    });
  });

  it("lets a full assessment be required by hand, and takes the full assessment document of this project only", async () => {
    const projectId = await createProject();
    const other = await createProject("Another project");
    const theirs = await addDocument(other);
    const ours = await addDocument(projectId);
    const byHand = await put(projectId, { screening: screening(), fullAssessmentRequired: true, version: 0 });
    expect(byHand.json()).toMatchObject({
      fullAssessmentRequired: true,
      fullAssessmentRequiredByHand: true,
      version: 1,
    });
    const wrong = await put(projectId, {
      screening: screening(),
      fullAssessmentDocumentId: theirs,
      version: 1,
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json<{ errors: { path: string }[] }>().errors[0]?.path).toBe("fullAssessmentDocumentId");
    const right = await put(projectId, {
      screening: screening(),
      fullAssessmentDocumentId: ours,
      version: 1,
    });
    expect(right.statusCode).toBe(200);
    // The hand-set flag is kept when a later PUT leaves it out.
    expect(right.json()).toMatchObject({
      fullAssessmentDocumentId: ours,
      fullAssessmentRequiredByHand: true,
      version: 2,
    });
  });

  it("refuses a stale version with 409 and changes nothing", async () => {
    const projectId = await createProject();
    await put(projectId, { screening: screening(), version: 0 });
    const stale = await put(projectId, { screening: screening("negative"), version: 0 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json<{ detail: string }>().detail).toBe(STALE_EQIA_MESSAGE);
    const eqia = await get(projectId);
    expect(eqia).toMatchObject({ version: 1, fullAssessmentRequired: false });
  });

  it("refuses unknown characteristics and impacts, and a characteristic screened twice", async () => {
    const projectId = await createProject();
    const unknown = await put(projectId, {
      screening: [{ characteristic: "height", impact: "neutral", evidence: "x" }],
      version: 0,
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<{ errors: { path: string }[] }>().errors[0]?.path).toBe("screening.0.characteristic");
    const badImpact = await put(projectId, {
      screening: [{ characteristic: "age", impact: "huge", evidence: "x" }],
      version: 0,
    });
    expect(badImpact.json<{ errors: { path: string }[] }>().errors[0]?.path).toBe("screening.0.impact");
    const twice = await put(projectId, {
      screening: [
        { characteristic: "age", impact: "neutral", evidence: "x" },
        { characteristic: "age", impact: "negative", evidence: "y" },
      ],
      version: 0,
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json<{ errors: { path: string }[] }>().errors[0]?.path).toBe("screening.1.characteristic");
    expect((await get(projectId)).version).toBe(0);
  });

  it("is signed off by a member of the Equalities team only; anyone else gets 403 and nothing changes", async () => {
    const projectId = await createProject();
    const saved = (
      await put(projectId, { screening: screening(), updatedAfterConsultation: true, version: 0 })
    ).json<ApiEqia>();
    // A commissioner may edit but is not in the team.
    const notMember = await signOff(projectId, saved.version, officerToken);
    expect(notMember.statusCode).toBe(403);
    expect(notMember.json<{ detail: string }>().detail).toBe(NOT_EQUALITIES_TEAM_MESSAGE);
    const viaPut = await put(projectId, {
      screening: screening("positive"),
      signOff: true,
      version: saved.version,
    });
    expect(viaPut.statusCode).toBe(403);
    expect(await get(projectId)).toMatchObject({ version: saved.version, signedOff: null });
    // An administrator who is not in the team is refused too.
    const admin = await createUser(t.services, ["administrator"]);
    expect(
      (await signOff(projectId, saved.version, await apiTokenFor(t.services, admin.id))).statusCode,
    ).toBe(403);
    // Nor is a supplier let near it.
    const supplier = await createUser(t.services, ["supplier-user"]);
    expect(
      (await signOff(projectId, saved.version, await apiTokenFor(t.services, supplier.id))).statusCode,
    ).toBe(403);

    const signed = await signOff(projectId, saved.version);
    expect(signed.statusCode).toBe(200);
    const body = signed.json<ApiEqia>();
    expect(body.signedOff).toMatchObject({ byName: equalitiesName });
    expect(body.version).toBe(saved.version + 1);
    // App C 3: "Amended EqIA and agreement from Equalities team".
    expect(await task(projectId, "3.5")).toMatchObject({ status: "completed", completedAutomatically: true });
    const audit = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "eqia"), eq(auditEvents.action, "signed-off")));
    expect(audit.some((a) => a.entityId === saved.id)).toBe(true);

    // A change afterwards withdraws the sign-off.
    const changed = await put(projectId, { screening: screening("positive"), version: body.version });
    expect(changed.json()).toMatchObject({ signedOff: null });
    const [row] = await t.database.db
      .select()
      .from(equalityAssessments)
      .where(eq(equalityAssessments.projectId, projectId));
    expect(row?.signedOffById).toBeNull();
  });

  it("cannot be signed off before the screening is finished or without a required full assessment", async () => {
    const projectId = await createProject();
    expect((await signOff(projectId, 0)).statusCode).toBe(409);
    const partial = (
      await put(projectId, { screening: screening().slice(0, 3), version: 0 })
    ).json<ApiEqia>();
    const early = await signOff(projectId, partial.version);
    expect(early.statusCode).toBe(409);
    expect(early.json<{ missing: string[] }>().missing[0]).toMatch(/7 of 10 still need an impact/);
    const negative = (
      await put(projectId, {
        screening: screening("neutral", { disability: "negative" }),
        version: partial.version,
      })
    ).json<ApiEqia>();
    const noDocument = await signOff(projectId, negative.version);
    expect(noDocument.statusCode).toBe(409);
    expect(noDocument.json<{ missing: string[] }>().missing).toEqual([
      "Add the full assessment document: a full assessment is required",
    ]);
    const documentId = await addDocument(projectId);
    // An authorised officer may not edit (eqia:manage), so the team member's PUT is refused before anything.
    const byMember = await put(
      projectId,
      {
        screening: screening("neutral", { disability: "negative" }),
        fullAssessmentDocumentId: documentId,
        signOff: true,
        version: negative.version,
      },
      equalitiesToken,
    );
    expect(byMember.statusCode).toBe(403);
    const saved = (
      await put(projectId, {
        screening: screening("neutral", { disability: "negative" }),
        fullAssessmentDocumentId: documentId,
        version: negative.version,
      })
    ).json<ApiEqia>();
    expect(saved.signOffBlockers).toEqual([]);
    const signed = await signOff(projectId, saved.version);
    expect(signed.statusCode).toBe(200);
    // Not updated after consultation: the App C 3 task waits.
    expect((await task(projectId, "3.5"))?.status).toBe("not-started");
  });

  it("is closed to suppliers and providers", async () => {
    const projectId = await createProject();
    for (const role of ["supplier-user", "provider-user"] as const) {
      const user = await createUser(t.services, [role]);
      const outsider = await apiTokenFor(t.services, user.id);
      expect(
        (await t.app.inject({ url: `/api/v1/projects/${projectId}/eqia`, headers: bearer(outsider) }))
          .statusCode,
      ).toBe(403);
      expect((await put(projectId, { screening: screening(), version: 0 }, outsider)).statusCode).toBe(403);
      const page = await t.app.inject({
        url: `/projects/${projectId}/eqia`,
        cookies: await signIn(t.app, user.email),
      });
      expect(page.statusCode).toBe(403);
    }
  });
});

describe("EqIA page", () => {
  const formFields = (impact: string, overrides: Record<string, string> = {}) => {
    const fields: Record<string, string> = {};
    for (const c of CHARACTERISTICS) {
      fields[`impact-${c.code}`] = impact;
      fields[`evidence-${c.code}`] = `Evidence for ${c.name}`;
    }
    return { ...fields, ...overrides };
  };

  it("shows one fieldset per characteristic and saves the screening (Post/Redirect/Get)", async () => {
    const projectId = await createProject();
    const page = `/projects/${projectId}/eqia`;
    const $ = html((await t.app.inject({ url: page, cookies: officerCookies })).body);
    expect($("h1").text()).toBe("Equality impact assessment");
    const legends = $("#screening-form fieldset > legend")
      .map((_i, el) => $(el).text().trim())
      .get();
    expect(legends).toEqual(CHARACTERISTICS.map((c) => c.name));
    expect(
      $('input[name="impact-age"]')
        .map((_i, el) => $(el).attr("value"))
        .get(),
    ).toEqual(["positive", "neutral", "negative", "unknown"]);

    const { response, cookies } = await postForm(t.app, page, page, officerCookies, {
      ...formFields("neutral", {
        "impact-disability": "negative",
        "mitigation-disability": "Accessible venues",
      }),
      version: "0",
    });
    expect(response.headers.location).toBe(page);
    const after = html((await t.app.inject({ url: page, cookies })).body);
    expect(after(".govuk-notification-banner--success").text()).toContain("the screening is finished");
    expect(after("#eqia-status").text()).toContain(
      "Required: the screening found a negative or unknown impact",
    );
    expect(after('input[name="impact-disability"][value="negative"]').attr("checked")).toBeDefined();
    expect(after("#mitigation-disability").val()).toBe("Accessible venues");
    expect(after("#sign-off-blockers").text()).toContain("Add the full assessment document");
  });

  it("shows an error summary for a bad answer, keeping the input", async () => {
    const projectId = await createProject();
    const page = `/projects/${projectId}/eqia`;
    const { cookies } = await postForm(t.app, page, page, officerCookies, {
      ...formFields("neutral", { "impact-race": "enormous", "evidence-sex": "Kept evidence" }),
      version: "0",
    });
    const $ = html((await t.app.inject({ url: page, cookies })).body);
    expect($('.govuk-error-summary a[href="#impact-race"]').text()).toContain(
      "Select positive, neutral, negative or not known yet",
    );
    expect($("#evidence-sex").val()).toBe("Kept evidence");
    expect((await get(projectId)).version).toBe(0);
  });

  it("tells the second of two officers that someone else changed it, keeping their answers", async () => {
    const projectId = await createProject();
    const page = `/projects/${projectId}/eqia`;
    const other = await createUser(t.services, ["procurement-officer"]);
    const otherCookies = await signIn(t.app, other.email);
    await postForm(t.app, page, page, otherCookies, { ...formFields("positive"), version: "0" });
    const { response, cookies } = await postForm(t.app, page, page, officerCookies, {
      ...formFields("neutral", { "evidence-age": "My own age evidence" }),
      version: "0",
    });
    expect(response.headers.location).toBe(page);
    const $ = html((await t.app.inject({ url: page, cookies })).body);
    expect($(".govuk-error-summary").text()).toContain(STALE_EQIA_MESSAGE);
    expect($("#evidence-age").val()).toBe("My own age evidence");
    expect($('input[name="impact-age"][value="neutral"]').attr("checked")).toBeDefined();
    expect($('input[name="version"]').first().val()).toBe("1");
    expect((await get(projectId)).screening[0]?.impact).toBe("positive");
  });

  it("offers sign-off to a member of the Equalities team only", async () => {
    const projectId = await createProject();
    await put(projectId, { screening: screening(), version: 0 });
    const page = `/projects/${projectId}/eqia`;
    const officerView = html((await t.app.inject({ url: page, cookies: officerCookies })).body);
    expect(officerView("#sign-off-form")).toHaveLength(0);
    expect(officerView("#awaiting-sign-off").text()).toContain("Only a member of the Equalities team");
    // A commissioner posting the sign-off form anyway is refused.
    const refused = await postForm(t.app, page, `/projects/${projectId}/eqia/sign-off`, officerCookies, {
      version: "1",
    });
    expect(refused.response.statusCode).toBe(403);

    const memberView = html((await t.app.inject({ url: page, cookies: equalitiesCookies })).body);
    expect(memberView("#sign-off-form button").text()).toContain("Sign off this assessment");
    // An authorised officer cannot edit the screening: they see it as a table.
    expect(memberView("#screening-form")).toHaveLength(0);
    expect(memberView("#screening tbody tr")).toHaveLength(10);
    const signed = await postForm(t.app, page, `/projects/${projectId}/eqia/sign-off`, equalitiesCookies, {
      version: "1",
    });
    expect(signed.response.headers.location).toBe(page);
    const after = html((await t.app.inject({ url: page, cookies: signed.cookies })).body);
    expect(after(".govuk-notification-banner--success").text()).toContain("signed off");
    expect(after("#signed-off").text()).toContain(`Signed off by ${equalitiesName}`);
  });
});

describe("one form to a page: the sign-off beside the screening form", () => {
  it("sends a commissioner in the Equalities team to the sign-off's own page", async () => {
    const projectId = await createProject();
    await put(projectId, { screening: screening(), version: 0 });
    const both = await createUser(t.services, ["commissioner"]);
    await addMembership(t.database, "EQUALITIES_TEAM", both.id, "member");
    const cookies = await signIn(t.app, both.email);
    const page = `/projects/${projectId}/eqia`;
    const $ = html((await t.app.inject({ url: page, cookies })).body);
    expect($("#screening-form")).toHaveLength(1);
    expect($("#sign-off-form")).toHaveLength(0);
    expect($("#sign-off-link a").attr("href")).toBe(`${page}/sign-off`);
    const signOff = html((await t.app.inject({ url: `${page}/sign-off`, cookies })).body);
    expect(signOff("main form")).toHaveLength(1);
    expect(signOff("#sign-off-form button").text()).toContain("Sign off this assessment");
    expect(signOff('#project-navigation [aria-current="page"]').text().trim()).toBe("Equality impact");
    // Someone who may not sign off is not given the page.
    const supplier = await createUser(t.services, ["supplier-user"]);
    const supplierCookies = await signIn(t.app, supplier.email);
    expect((await t.app.inject({ url: `${page}/sign-off`, cookies: supplierCookies })).statusCode).toBe(403);
  });
});

describe("separation of duties for the sign-off (App C 3, framework §2.1)", () => {
  interface Refusal {
    detail: string;
    rule: string;
  }

  async function teamMember(
    role: "chair" | "member" | "officer" = "member",
    period: { from?: string; to?: string | null } = {},
  ) {
    const user = await createUser(t.services, ["commissioner"]);
    await addMembership(t.database, "EQUALITIES_TEAM", user.id, role, period);
    return { id: user.id, token: await apiTokenFor(t.services, user.id) };
  }

  async function screened(projectId: string) {
    return (await put(projectId, { screening: screening(), version: 0 })).json<ApiEqia>();
  }

  it("refuses a team member who leads the project, and signs nothing", async () => {
    const lead = await teamMember();
    const projectId = await createProject();
    await asFixture(t.database.db, (tx) =>
      tx.update(projects).set({ leadCommissionerId: lead.id }).where(eq(projects.id, projectId)),
    );
    const saved = await screened(projectId);
    const refused = await signOff(projectId, saved.version, lead.token);
    expect(refused.statusCode).toBe(403);
    expect(refused.json<Refusal>()).toMatchObject({ rule: "own-project" });
    expect(refused.json<Refusal>().detail).toContain("You lead this project");
    expect(await get(projectId)).toMatchObject({ version: saved.version, signedOff: null });
  });

  it("refuses a team member who uploaded the full assessment", async () => {
    const author = await teamMember();
    const projectId = await createProject();
    const form = multipartForm(
      { kind: "eqia", title: "Full assessment" },
      { filename: "eqia.pdf", contentType: "application/pdf", data: Buffer.from("%PDF-1.4\n%%EOF\n") },
    );
    const uploaded = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${projectId}/documents`,
      headers: { ...bearer(author.token), ...form.headers },
      payload: form.payload,
    });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const saved = (
      await put(projectId, {
        screening: screening("neutral", { disability: "negative" }),
        fullAssessmentDocumentId: uploaded.json<{ id: string }>().id,
        version: 0,
      })
    ).json<ApiEqia>();
    const refused = await signOff(projectId, saved.version, author.token);
    expect(refused.statusCode).toBe(403);
    expect(refused.json<Refusal>()).toMatchObject({ rule: "own-document" });
    expect((await signOff(projectId, saved.version)).statusCode).toBe(200);
  });

  it("refuses the team's officer: the sign-off has no minutes to record it on the team's behalf", async () => {
    const clerk = await teamMember("officer");
    const projectId = await createProject();
    const saved = await screened(projectId);
    const refused = await signOff(projectId, saved.version, clerk.token);
    expect(refused.statusCode).toBe(403);
    expect(refused.json<Refusal>()).toMatchObject({
      rule: "officer-without-minutes",
      detail: NOT_EQUALITIES_TEAM_MESSAGE,
    });
  });

  it("refuses someone whose membership of the team has ended", async () => {
    const former = await teamMember("member", { from: "2020-01-01", to: "2025-01-31" });
    const projectId = await createProject();
    const saved = await screened(projectId);
    const refused = await signOff(projectId, saved.version, former.token);
    expect(refused.statusCode).toBe(403);
    expect(refused.json<Refusal>()).toMatchObject({ rule: "not-in-body" });
  });
});
