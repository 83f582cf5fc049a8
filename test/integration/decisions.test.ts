import { randomBytes } from "node:crypto";
import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decisions } from "../../src/db/schema/index.js";

import { addDays } from "../../src/domain/dates.js";
import { systemClock } from "../../src/domain/clock.js";
import {
  addMembership,
  apiTokenFor,
  buildTestApp,
  createUser,
  html,
  postForm,
  signIn,
  type TestApp,
  multipartForm,
  createProjectThroughApi,
} from "../helpers.js";

let t: TestApp;
let commissionerToken: string;
let commissioner: Record<string, string>;
let jcgMember: { id: string; name: string; token: string; cookies: Record<string, string> };
let jcgOfficer: { id: string; token: string };
let outsider: { token: string; cookies: Record<string, string> };
let evaluatorToken: string;
let projectId: string;
let otherProjectId: string;
let needsAssessmentId: string;
let otherDocumentId: string;

const auth = (bearer: string) => ({ authorization: `Bearer ${bearer}` });
const pdf = () => Buffer.from(`%PDF-1.4\n% ${randomBytes(6).toString("hex")}\n%%EOF\n`);

function multipart(fields: Record<string, string>, file: Buffer) {
  return multipartForm(fields, { filename: "doc.pdf", contentType: "application/pdf", data: file });
}

async function createProject(title: string) {
  const body = { title, estimatedValuePence: 250_000_000 };
  return (await createProjectThroughApi(t.app, commissionerToken, body)).id;
}

async function upload(project: string, title: string) {
  const form = multipart({ kind: "needs-assessment", title }, pdf());
  const response = await t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${project}/documents`,
    headers: { ...auth(commissionerToken), ...form.headers },
    payload: form.payload,
  });
  expect(response.statusCode).toBe(201);
  return response.json<{ id: string }>().id;
}

async function addMember(
  bodyCode: string,
  userId: string,
  role: "chair" | "member" | "officer",
  period: { from?: string; to?: string | null } = {},
) {
  await addMembership(t.database, bodyCode, userId, role, period);
}

const decision = (overrides: Record<string, unknown> = {}) => ({
  subjectId: needsAssessmentId,
  bodyCode: "JCG",
  decision: "approved",
  decidedOn: "2025-03-27",
  minutesRef: "JCG/2025/03/4",
  ...overrides,
});

async function record(bearer: string, body: Record<string, unknown>, project = projectId) {
  return t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${project}/decisions`,
    headers: auth(bearer),
    payload: body,
  });
}

async function decisionCount() {
  const [row] = await t.database.db.select({ n: count() }).from(decisions);
  return row?.n ?? 0;
}

beforeAll(async () => {
  t = await buildTestApp();
  const user = await createUser(t.services, ["commissioner"]);
  commissionerToken = await apiTokenFor(t.services, user.id);
  commissioner = await signIn(t.app, user.email);

  const member = await createUser(t.services, ["board-member"]);
  await addMember("JCG", member.id, "member");
  jcgMember = {
    id: member.id,
    name: member.name,
    token: await apiTokenFor(t.services, member.id),
    cookies: await signIn(t.app, member.email),
  };
  const officer = await createUser(t.services, ["authorised-officer"]);
  await addMember("JCG", officer.id, "officer");
  await addMember("PROCUREMENT_BOARD", officer.id, "officer");
  jcgOfficer = { id: officer.id, token: await apiTokenFor(t.services, officer.id) };
  const other = await createUser(t.services, ["board-member"]);
  await addMember("KDAAT_BOARD", other.id, "member");
  outsider = { token: await apiTokenFor(t.services, other.id), cookies: await signIn(t.app, other.email) };
  const evaluator = await createUser(t.services, ["evaluator"]);
  evaluatorToken = await apiTokenFor(t.services, evaluator.id);

  projectId = await createProject("Recovery services");
  otherProjectId = await createProject("Someone else's project");
  needsAssessmentId = await upload(projectId, "Needs assessment");
  otherDocumentId = await upload(otherProjectId, "Their needs assessment");
});
afterAll(async () => t.close());

describe("who may record a decision", () => {
  it("a member of the body records it in their own name", async () => {
    const response = await record(jcgMember.token, decision());
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({
      projectId,
      subjectType: "document",
      subjectId: needsAssessmentId,
      subjectVersion: 1,
      subjectKind: "needs-assessment",
      bodyCode: "JCG",
      decision: "approved",
      decidedOn: "2025-03-27",
      minutesRef: "JCG/2025/03/4",
      conditions: null,
      memberId: jcgMember.id,
      memberName: jcgMember.name,
      recordedById: jcgMember.id,
      onBehalf: false,
    });
  });

  it("the body's officer (its clerk) records it on the body's behalf, keeping both names", async () => {
    const response = await record(jcgOfficer.token, decision({ memberId: jcgMember.id, bodyCode: "jcg" }));
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({
      bodyCode: "JCG",
      memberId: jcgMember.id,
      recordedById: jcgOfficer.id,
      onBehalf: true,
    });
    const unnamed = await record(jcgOfficer.token, decision({ minutesRef: "JCG/2025/03/5" }));
    expect(unnamed.json()).toMatchObject({ memberId: null, recordedById: jcgOfficer.id, onBehalf: true });
  });

  it("the body's own officer records on its behalf", async () => {
    const response = await record(jcgOfficer.token, decision({ minutesRef: "JCG/2025/03/6" }));
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ onBehalf: true, recordedById: jcgOfficer.id, memberId: null });
  });

  it("refuses a board member of another body (403) and an evaluator (403), storing nothing", async () => {
    const before = await decisionCount();
    const other = await record(outsider.token, decision());
    expect(other.statusCode).toBe(403);
    expect(other.json<{ detail: string }>().detail).toContain("Only a member of Joint Commissioning Groups");
    const evaluator = await record(evaluatorToken, decision());
    expect(evaluator.statusCode).toBe(403);
    expect(await decisionCount()).toBe(before);
  });

  it("lets the outsider record for their own body", async () => {
    const response = await record(outsider.token, decision({ bodyCode: "KDAAT_BOARD", minutesRef: "KB/7" }));
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ bodyCode: "KDAAT_BOARD", onBehalf: false });
  });

  it("refuses a named member who is not in the body", async () => {
    const response = await record(jcgOfficer.token, decision({ memberId: jcgOfficer.id }));
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { path: string }[] }>().errors[0]?.path).toBe("memberId");
  });
});

describe("separation of duties (framework §2.1, §3.4, §3.15)", () => {
  interface Refusal {
    detail: string;
    rule: string;
  }

  it("refuses a commissioner who is not in the body, whatever their role, storing nothing", async () => {
    const before = await decisionCount();
    const response = await record(commissionerToken, decision({ minutesRef: "JCG/sod/1" }));
    expect(response.statusCode).toBe(403);
    expect(response.json<Refusal>()).toMatchObject({ rule: "not-in-body" });
    expect(response.json<Refusal>().detail).toContain("Only a member of Joint Commissioning Groups");
    expect(await decisionCount()).toBe(before);
  });

  it("refuses a member who uploaded the document its approval, but lets them record a rejection", async () => {
    const author = await createUser(t.services, ["commissioner"]);
    await addMember("JCG", author.id, "member");
    const token = await apiTokenFor(t.services, author.id);
    const form = multipart({ kind: "business-case", title: "Their own business case" }, pdf());
    const uploaded = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${projectId}/documents`,
      headers: { ...auth(token), ...form.headers },
      payload: form.payload,
    });
    const documentId = uploaded.json<{ id: string }>().id;
    const before = await decisionCount();
    for (const outcome of ["approved", "approved-with-conditions"]) {
      const response = await record(
        token,
        decision({ subjectId: documentId, decision: outcome, conditions: "x", minutesRef: "JCG/sod/2" }),
      );
      expect(response.statusCode).toBe(403);
      expect(response.json<Refusal>()).toMatchObject({ rule: "own-document" });
      expect(response.json<Refusal>().detail).toContain("You uploaded this document");
    }
    expect(await decisionCount()).toBe(before);
    const rejection = await record(
      token,
      decision({ subjectId: documentId, decision: "rejected", minutesRef: "JCG/sod/3" }),
    );
    expect(rejection.statusCode, rejection.body).toBe(201);
  });

  it("refuses the project's lead an approval in it, even as the body's chair", async () => {
    const lead = await createUser(t.services, ["commissioner"]);
    await addMember("JCG", lead.id, "chair");
    const token = await apiTokenFor(t.services, lead.id);
    const own = (await createProjectThroughApi(t.app, token, { title: "Led by the chair" })).id;
    const before = await decisionCount();
    const response = await record(token, decision({ subjectId: own, minutesRef: "JCG/sod/4" }), own);
    expect(response.statusCode).toBe(403);
    expect(response.json<Refusal>()).toMatchObject({ rule: "own-project" });
    expect(response.json<Refusal>().detail).toContain("You lead this project");
    expect(await decisionCount()).toBe(before);
  });

  it("refuses someone who handed the lead to a colleague just before the approval", async () => {
    const lead = await createUser(t.services, ["commissioner"]);
    const colleague = await createUser(t.services, ["commissioner"]);
    await addMember("JCG", lead.id, "chair");
    const token = await apiTokenFor(t.services, lead.id);
    const created = await createProjectThroughApi<{ id: string; version: number }>(t.app, token, {
      title: "Handed on",
    });
    const handed = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/projects/${created.id}`,
      headers: { authorization: `Bearer ${token}` },
      payload: { leadCommissionerId: colleague.id, version: created.version },
    });
    expect(handed.statusCode, handed.body).toBe(200);
    const response = await record(
      token,
      decision({ subjectId: created.id, minutesRef: "JCG/sod/6" }),
      created.id,
    );
    expect(response.statusCode).toBe(403);
    expect(response.json<Refusal>()).toMatchObject({ rule: "own-project" });
    expect(response.json<Refusal>().detail).toContain("or have led it");
  });

  it("refuses the project's lead as the body's officer", async () => {
    const lead = await createUser(t.services, ["commissioner"]);
    await addMember("JCG", lead.id, "officer");
    const token = await apiTokenFor(t.services, lead.id);
    const own = (await createProjectThroughApi(t.app, token, { title: "Led by the clerk" })).id;
    const response = await record(token, decision({ subjectId: own, minutesRef: "JCG/sod/5" }), own);
    expect(response.statusCode).toBe(403);
    expect(response.json<Refusal>()).toMatchObject({ rule: "own-project" });
  });

  it("counts membership on the meeting date: joined after it, or left before it, is refused", async () => {
    const late = await createUser(t.services, ["board-member"]);
    await addMember("JCG", late.id, "member", { from: "2025-04-01" });
    const lateResponse = await record(
      await apiTokenFor(t.services, late.id),
      decision({ minutesRef: "JCG/sod/6" }),
    );
    expect(lateResponse.statusCode).toBe(403);
    expect(lateResponse.json<Refusal>()).toMatchObject({ rule: "not-in-body" });

    const gone = await createUser(t.services, ["board-member"]);
    await addMember("JCG", gone.id, "member", { from: "2020-01-01", to: "2025-03-26" });
    const goneToken = await apiTokenFor(t.services, gone.id);
    const goneResponse = await record(goneToken, decision({ minutesRef: "JCG/sod/7" }));
    expect(goneResponse.statusCode).toBe(403);
    const earlier = await record(goneToken, decision({ decidedOn: "2025-03-20", minutesRef: "JCG/sod/8" }));
    expect(earlier.statusCode, earlier.body).toBe(201);
  });

  it("refuses an officer whose time as the body's clerk has ended", async () => {
    const former = await createUser(t.services, ["authorised-officer"]);
    await addMember("JCG", former.id, "officer", { from: "2020-01-01", to: "2025-01-31" });
    const response = await record(
      await apiTokenFor(t.services, former.id),
      decision({ minutesRef: "JCG/sod/9" }),
    );
    expect(response.statusCode).toBe(403);
    expect(response.json<Refusal>()).toMatchObject({ rule: "not-in-body" });
  });

  it("refuses to name as the deciding member someone not in the body on the meeting date", async () => {
    const late = await createUser(t.services, ["board-member"]);
    await addMember("JCG", late.id, "member", { from: "2025-04-01" });
    const response = await record(
      jcgOfficer.token,
      decision({ memberId: late.id, minutesRef: "JCG/sod/10" }),
    );
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { path: string }[] }>().errors[0]?.path).toBe("memberId");
  });
});

describe("what a decision is about, and bad input", () => {
  it("refuses a document of another project with 400 on subjectId, storing nothing", async () => {
    const before = await decisionCount();
    const response = await record(jcgOfficer.token, decision({ subjectId: otherDocumentId }));
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { path: string; message: string }[] }>().errors).toEqual([
      { path: "subjectId", message: "Select a document of this project, or the project itself" },
    ]);
    const unknown = await record(jcgOfficer.token, decision({ subjectId: crypto.randomUUID() }));
    expect(unknown.statusCode).toBe(400);
    expect(await decisionCount()).toBe(before);
  });

  it("records a decision on the project itself (procurement plan sign-off)", async () => {
    const response = await record(
      jcgOfficer.token,
      decision({ subjectId: projectId, bodyCode: "PROCUREMENT_BOARD", minutesRef: "PB/2025/1" }),
    );
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ subjectType: "project", subjectVersion: null });
  });

  it.each([
    ["2025-02-30", "not a real date"],
    ["27/03/2025", "the wrong format"],
    ["", "empty"],
  ])("refuses the date %j (%s) with 400 on decidedOn", async (decidedOn) => {
    const before = await decisionCount();
    const response = await record(jcgOfficer.token, decision({ decidedOn }));
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toContain("decidedOn");
    expect(await decisionCount()).toBe(before);
  });

  it("refuses a meeting date in the future", async () => {
    const response = await record(jcgOfficer.token, decision({ decidedOn: addDays(systemClock.today(), 2) }));
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { path: string; message: string }[] }>().errors[0]).toMatchObject({
      path: "decidedOn",
      message: "Date of the meeting must be today or in the past",
    });
  });

  it("needs conditions for an approval with conditions", async () => {
    const response = await record(jcgOfficer.token, decision({ decision: "approved-with-conditions" }));
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toEqual(["conditions"]);
    const ok = await record(
      jcgOfficer.token,
      decision({
        decision: "approved-with-conditions",
        conditions: "Add a carers' section",
        minutesRef: "JCG/9",
      }),
    );
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ conditions: "Add a carers' section" });
  });

  it.each([
    [{ bodyCode: "NOBODY" }, "bodyCode"],
    [{ minutesRef: "" }, "minutesRef"],
    [{ decision: "maybe" }, "decision"],
    [{ subjectId: "not-a-uuid" }, "subjectId"],
  ])("refuses %j with 400 on %s", async (overrides, path) => {
    const response = await record(jcgOfficer.token, decision(overrides));
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toContain(path);
  });

  it("records the latest version of the document at the time", async () => {
    const project = await createProject("Versions");
    const doc = await upload(project, "NA");
    await upload(project, "NA");
    const response = await record(jcgOfficer.token, decision({ subjectId: doc }), project);
    expect(response.json()).toMatchObject({ subjectVersion: 2 });
    const list = await t.app.inject({
      url: `/api/v1/projects/${project}/decisions`,
      headers: auth(commissionerToken),
    });
    expect(list.json<{ items: unknown[] }>().items).toHaveLength(1);
  });

  it("answers 404 for an unknown project", async () => {
    const response = await record(jcgOfficer.token, decision(), crypto.randomUUID());
    expect(response.statusCode).toBe(404);
  });
});

describe("Record a decision form on the decisions page", () => {
  it("a member records through the form; the decision shows in the table", async () => {
    const { response, cookies } = await postForm(
      t.app,
      `/projects/${projectId}/decisions`,
      `/projects/${projectId}/decisions`,
      jcgMember.cookies,
      {
        subjectId: needsAssessmentId,
        bodyCode: "JCG",
        decision: "rejected",
        "decidedOn-day": "2",
        "decidedOn-month": "4",
        "decidedOn-year": "2025",
        minutesRef: "JCG/2025/04/1",
        conditions: "",
        memberId: "",
      },
    );
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/projects/${projectId}/decisions`);
    const $ = html((await t.app.inject({ url: `/projects/${projectId}/decisions`, cookies })).body);
    expect($(".govuk-notification-banner--success").text()).toContain("JCG/2025/04/1");
    expect($("#decisions-table").text()).not.toContain("JCG ");
    const row = $("#decisions-table tbody tr").filter((_i, el) => $(el).text().includes("JCG/2025/04/1"));
    expect(row).toHaveLength(1);
    expect(row.text()).toContain("Rejected");
    expect(row.text()).toContain("2 April 2025");
    expect(row.text()).toContain(jcgMember.name);
  });

  it("shows errors in the summary and keeps what was typed", async () => {
    const { cookies } = await postForm(
      t.app,
      `/projects/${projectId}/decisions`,
      `/projects/${projectId}/decisions`,
      commissioner,
      {
        subjectId: needsAssessmentId,
        bodyCode: "JCG",
        decision: "approved-with-conditions",
        "decidedOn-day": "31",
        "decidedOn-month": "2",
        "decidedOn-year": "2025",
        minutesRef: "JCG/2025/02/9",
        conditions: "",
      },
    );
    const $ = html((await t.app.inject({ url: `/projects/${projectId}/decisions`, cookies })).body);
    const summary = $(".govuk-error-summary");
    expect(summary.find('a[href="#decidedOn-day"]').text()).toContain("real date");
    expect(summary.find('a[href="#conditions"]').text()).toContain("Enter the conditions");
    expect($("#minutesRef").val()).toBe("JCG/2025/02/9");
    expect($("#decidedOn-day").val()).toBe("31");
    expect($('input[name="decision"][value="approved-with-conditions"]').attr("checked")).toBeDefined();
    expect($("#bodyCode option[selected]").val()).toBe("JCG");
  });

  it("names as members who may have decided only those in the body today, not one who joins next month", async () => {
    const joining = await createUser(t.services, ["board-member"]);
    await addMember("JCG", joining.id, "member", { from: addDays(systemClock.today(), 30) });
    const left = await createUser(t.services, ["board-member"]);
    await addMember("JCG", left.id, "member", { from: "2020-01-01", to: addDays(systemClock.today(), -1) });
    const $ = html(
      (await t.app.inject({ url: `/projects/${projectId}/decisions`, cookies: commissioner })).body,
    );
    const named = $("#memberId option")
      .map((_i, el) => $(el).attr("value"))
      .get();
    expect(named).toContain(jcgMember.id);
    expect(named).not.toContain(joining.id);
    expect(named).not.toContain(left.id);
  });

  it("tells a member of another body why they may not record it", async () => {
    const before = await decisionCount();
    const { cookies } = await postForm(
      t.app,
      `/projects/${projectId}/decisions`,
      `/projects/${projectId}/decisions`,
      outsider.cookies,
      {
        subjectId: needsAssessmentId,
        bodyCode: "JCG",
        decision: "approved",
        "decidedOn-day": "2",
        "decidedOn-month": "4",
        "decidedOn-year": "2025",
        minutesRef: "JCG/x",
      },
    );
    const $ = html((await t.app.inject({ url: `/projects/${projectId}/decisions`, cookies })).body);
    expect($(".govuk-error-summary").text()).toContain("Only a member of Joint Commissioning Groups");
    expect(await decisionCount()).toBe(before);
  });

  it("is forbidden to a supplier", async () => {
    const supplier = await createUser(t.services, ["supplier-user"]);
    const cookies = await signIn(t.app, supplier.email);
    const { response } = await postForm(t.app, "/", `/projects/${projectId}/decisions`, cookies, {
      subjectId: needsAssessmentId,
      bodyCode: "JCG",
      decision: "approved",
      minutesRef: "x",
    });
    expect(response.statusCode).toBe(403);
    const api = await record(await apiTokenFor(t.services, supplier.id), decision());
    expect(api.statusCode).toBe(403);
  });
});
