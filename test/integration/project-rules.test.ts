import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMembership,
  apiTokenFor,
  buildTestApp,
  createProjectThroughApi,
  createUser,
  html,
  multipartForm,
  signIn,
  type TestApp,
} from "../helpers.js";

/**
 * The rules on a project (docs/api.md: GET /projects/:id/rules; the page /projects/:id/rules): what
 * /rules/approvals answers for the project's value, regime, programme and start date, each with its
 * status, read through the gates' own function.
 */

let t: TestApp;
let commissionerToken: string;
let commissioner: Record<string, string>;
let supplierToken: string;
let jcgToken: string;
let boardToken: string;
let procurementBoardToken: string;

const auth = (bearer: string) => ({ authorization: `Bearer ${bearer}` });

interface Rules {
  projectId: string;
  regime: string;
  on: string;
  approvals: { bodyCode: string; what: string; stage: number; status: string; evidence: unknown[] }[];
  flags: { code: string; reason: string; paragraph: string; status: string; waitingFor: string | null }[];
  notRequired: { code: string; reason: string; status: string }[];
}
interface Approvals {
  approvals: { bodyCode: string; what: string; reason: string; paragraph: string; stage: number }[];
  flags: { code: string; reason: string; paragraph: string }[];
  notRequired: { code: string; reason: string; paragraph: string }[];
}

async function get<T>(url: string, token = commissionerToken) {
  const response = await t.app.inject({ url, headers: auth(token) });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<T>();
}

async function upload(projectId: string, kind: string) {
  const form = multipartForm(
    { kind, title: kind },
    {
      filename: "doc.pdf",
      contentType: "application/pdf",
      data: Buffer.from(`%PDF-1.4\n% ${randomBytes(6).toString("hex")}\n%%EOF\n`),
    },
  );
  const response = await t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${projectId}/documents`,
    headers: { ...auth(commissionerToken), ...form.headers },
    payload: form.payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

beforeAll(async () => {
  t = await buildTestApp();
  const user = await createUser(t.services, ["commissioner"]);
  commissionerToken = await apiTokenFor(t.services, user.id);
  commissioner = await signIn(t.app, user.email);
  const supplier = await createUser(t.services, ["supplier-user"]);
  supplierToken = await apiTokenFor(t.services, supplier.id);
  const member = await createUser(t.services, ["board-member"]);
  await addMembership(t.database, "JCG", member.id, "member");
  jcgToken = await apiTokenFor(t.services, member.id);
  const boardMember = await createUser(t.services, ["board-member"]);
  await addMembership(t.database, "KDAAT_BOARD", boardMember.id, "member");
  boardToken = await apiTokenFor(t.services, boardMember.id);
  const pbMember = await createUser(t.services, ["board-member"]);
  await addMembership(t.database, "PROCUREMENT_BOARD", pbMember.id, "member");
  procurementBoardToken = await apiTokenFor(t.services, pbMember.id);
});

async function approve(token: string, projectId: string, subjectId: string, bodyCode: string) {
  const response = await t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${projectId}/decisions`,
    headers: auth(token),
    payload: {
      subjectId,
      bodyCode,
      decision: "approved",
      decidedOn: "2025-05-01",
      minutesRef: `${bodyCode}/5`,
    },
  });
  expect(response.statusCode, response.body).toBe(201);
}

async function checklistTask(projectId: string, key: string) {
  const checklist = await get<{ sections: { tasks: { key: string; status: string }[] }[] }>(
    `/api/v1/projects/${projectId}/checklist`,
  );
  return checklist.sections.flatMap((s) => s.tasks).find((task) => task.key === key);
}
afterAll(async () => t.close());

describe("GET /api/v1/projects/:id/rules answers as /rules/approvals does for the same project", () => {
  it.each([
    ["KDAAT", 4_000_000, "PCR2006", "2010-03-23"],
    ["SP", 15_000_000, "PCR2006", "2014-06-02"],
    ["SP", 50_000_000, "PCR2015", "2018-06-01"],
    ["KDAAT", 100_000_000, "PCR2015", "2022-01-04"],
    ["KSE", 100_000_001, "PA2023", "2025-06-02"],
    ["KDAAT", 250_000_000, "PSR", "2025-06-02"],
  ] as const)("%s, %i pence, %s, started %s", async (programmeCode, valuePence, regime, startedOn) => {
    const { id } = await createProjectThroughApi(t.app, commissionerToken, {
      programmeCode,
      estimatedValuePence: valuePence,
      regime,
      startedOn,
    });
    const rules = await get<Rules>(`/api/v1/projects/${id}/rules`);
    const query = new URLSearchParams({
      regime,
      valuePence: String(valuePence),
      programmeCode,
      on: startedOn,
    });
    const answer = await get<Approvals>(`/api/v1/rules/approvals?${query.toString()}`);

    expect(rules).toMatchObject({ projectId: id, regime, on: startedOn });
    // The same approvals, flags and not-applicable items, word for word; statuses added.
    expect(rules.approvals.map(({ bodyCode, what, stage }) => ({ bodyCode, what, stage }))).toEqual(
      answer.approvals.map(({ bodyCode, what, stage }) => ({ bodyCode, what, stage })),
    );
    expect(rules.approvals).toEqual(answer.approvals.map((a): unknown => expect.objectContaining(a)));
    expect(rules.flags).toEqual(answer.flags.map((f): unknown => expect.objectContaining(f)));
    expect(rules.notRequired).toEqual(answer.notRequired.map((f): unknown => expect.objectContaining(f)));
    // Nothing recorded yet: every approval and flag is open; what the value does not need is not applicable.
    expect(new Set(rules.approvals.map((a) => a.status))).toEqual(new Set(["open"]));
    expect(new Set(rules.flags.map((f) => f.status))).toEqual(new Set(rules.flags.length ? ["open"] : []));
    expect(rules.notRequired.every((f) => f.status === "not-applicable" && f.reason.length > 0)).toBe(true);
    // No threshold is missing for a day the regime is in force.
    expect(rules.flags.map((f) => f.code)).not.toContain("THRESHOLD_NOT_HELD");
  });

  it("says why sealing and notices are open: the capability that records them does not exist yet", async () => {
    const { id } = await createProjectThroughApi(t.app, commissionerToken, {
      estimatedValuePence: 200_000_000,
      regime: "PA2023",
      startedOn: "2025-06-02",
    });
    const rules = await get<Rules>(`/api/v1/projects/${id}/rules`);
    const flag = (code: string) => rules.flags.find((f) => f.code === code);
    expect(flag("SEAL_REQUIRED")).toMatchObject({ status: "open", paragraph: "App C 7" });
    expect(flag("SEAL_REQUIRED")?.waitingFor).toContain("contracts capability, which is not available yet");
    expect(flag("CONTRACT_AWARD_NOTICE")?.waitingFor).toContain(
      "tenders capability, which is not available yet",
    );
    expect(flag("PROCUREMENT_BOARD_REQUIRED")).toMatchObject({ status: "open" });
  });

  it("marks an approval met with its evidence once the body approves the latest version, as the gate reads it", async () => {
    const { id } = await createProjectThroughApi(t.app, commissionerToken, { programmeCode: "KDAAT" });
    const documentId = await upload(id, "needs-assessment");
    const decided = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${id}/decisions`,
      headers: auth(jcgToken),
      payload: {
        subjectId: documentId,
        bodyCode: "JCG",
        decision: "approved",
        decidedOn: "2025-03-27",
        minutesRef: "JCG/2025/03/4",
      },
    });
    expect(decided.statusCode, decided.body).toBe(201);
    const rules = await get<Rules>(`/api/v1/projects/${id}/rules`);
    const needs = rules.approvals.filter((a) => a.what === "Needs assessment");
    expect(needs.map((a) => [a.bodyCode, a.status])).toEqual([
      ["JCG", "met"],
      ["KDAAT_BOARD", "open"],
    ]);
    expect(needs[0]?.evidence).toEqual([
      {
        output: "needs-assessment",
        bodyCode: "JCG",
        decision: "approved",
        decidedOn: "2025-03-27",
        version: 1,
      },
    ]);
    // The gate reads the same function: it still waits for the board alone.
    const project = await get<{ gate: { missing: { bodyCode?: string }[] } }>(`/api/v1/projects/${id}`);
    expect(project.gate.missing.map((m) => m.bodyCode)).toEqual(["KDAAT_BOARD"]);

    const page = await t.app.inject({ url: `/projects/${id}/rules`, cookies: commissioner });
    expect(page.statusCode).toBe(200);
    const $ = html(page.body);
    const met = $('#project-rules li[data-status="met"]');
    expect(met.length).toBe(1);
    expect(met.text()).toContain("The Joint Commissioning Groups (JCG): Needs assessment");
    expect(met.text()).toContain(
      "Approved by the Joint Commissioning Groups (JCG) on 27 March 2025: version 1 of the needs assessment",
    );
  });

  it("answers 404 for no such project, and refuses those who may not read projects", async () => {
    const missing = await t.app.inject({
      url: `/api/v1/projects/${randomUUID()}/rules`,
      headers: auth(commissionerToken),
    });
    expect(missing.statusCode).toBe(404);
    const { id } = await createProjectThroughApi(t.app, commissionerToken);
    const refused = await t.app.inject({ url: `/api/v1/projects/${id}/rules`, headers: auth(supplierToken) });
    expect(refused.statusCode).toBe(403);
    expect((await t.app.inject({ url: `/api/v1/projects/${id}/rules` })).statusCode).toBe(401);
  });
});

describe("one reading of approvals: the rules, the gate and the checklist agree", () => {
  it("over £1,000,000, task 1.5 completes only when the group, the board and the Procurement Board approve the business case (App C 1)", async () => {
    const { id } = await createProjectThroughApi(t.app, commissionerToken, {
      programmeCode: "KDAAT",
      estimatedValuePence: 200_000_000,
      regime: "PA2023",
      startedOn: "2025-06-02",
    });
    const businessCase = await upload(id, "business-case");
    await approve(jcgToken, id, businessCase, "JCG");
    expect((await checklistTask(id, "1.5"))?.status).toBe("not-started");
    await approve(boardToken, id, businessCase, "KDAAT_BOARD");
    // Not yet: over £1m the Procurement Board approves the proposed contract too.
    expect((await checklistTask(id, "1.5"))?.status).toBe("not-started");
    let rules = await get<Rules>(`/api/v1/projects/${id}/rules`);
    const proposed = () => rules.approvals.find((a) => a.what === "Proposed contract");
    expect(proposed()?.status).toBe("open");
    await approve(procurementBoardToken, id, businessCase, "PROCUREMENT_BOARD");
    expect((await checklistTask(id, "1.5"))?.status).toBe("completed");
    rules = await get<Rules>(`/api/v1/projects/${id}/rules`);
    expect(proposed()?.status).toBe("met");
    // The procurement plan is still to be signed off: the flag stays open until both are met.
    expect(rules.flags.find((f) => f.code === "PROCUREMENT_BOARD_REQUIRED")?.status).toBe("open");
  });

  it("at £1,000,000 the group and the board complete task 1.5", async () => {
    const { id } = await createProjectThroughApi(t.app, commissionerToken, {
      programmeCode: "KDAAT",
      estimatedValuePence: 100_000_000,
    });
    const businessCase = await upload(id, "business-case");
    await approve(boardToken, id, businessCase, "KDAAT_BOARD");
    expect((await checklistTask(id, "1.5"))?.status).toBe("not-started");
    await approve(jcgToken, id, businessCase, "JCG");
    expect((await checklistTask(id, "1.5"))?.status).toBe("completed");
  });
});

describe("the page GET /projects/:id/rules", () => {
  it("shows the panel in names, not codes: approvals, flags and what is not applicable, each with status and source", async () => {
    const { id } = await createProjectThroughApi(t.app, commissionerToken, {
      title: "Recovery services",
      programmeCode: "SP",
      estimatedValuePence: 60_000_000,
      regime: "PCR2015",
      startedOn: "2018-06-01",
    });
    const response = await t.app.inject({ url: `/projects/${id}/rules`, cookies: commissioner });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    const panel = $("#project-rules");
    expect($("h1").text()).toContain("What applies to this project");
    expect(panel.text()).toContain("Public Contracts Regulations 2015");
    expect(panel.text()).toContain("£615,278"); // the light touch threshold from 1 January 2018
    expect(panel.text()).toContain("The Core Strategy Group (CSG): Needs assessment");
    expect(panel.text()).toContain("The SP Commissioning Body: Final decision to award");
    expect(panel.text()).toContain("The Director of Service Improvement, Customer and Communities");
    expect(panel.text()).toContain("The Equalities team");
    expect(panel.text()).not.toMatch(/\b(SP_COMMISSIONING_BODY|EQUALITIES_TEAM|PROCUREMENT_MANAGER)\b/);
    // £600,000 is at 80% or more of £615,278: SSP engagement is essential, and open.
    expect($("#project-rules-flag-SSP_ENGAGEMENT_ESSENTIAL").attr("data-status")).toBe("open");
    expect($("#project-rules-flag-SSP_ENGAGEMENT_ESSENTIAL").text()).toContain("Source: §3.13");
    // Not over £1,000,000: the Procurement Board and the seal are not applicable, with the reason.
    const board = $("#project-rules-not-applicable-PROCUREMENT_BOARD_REQUIRED");
    expect(board.attr("data-status")).toBe("not-applicable");
    expect(board.text()).toContain("Not applicable");
    expect(board.text()).toContain("the Procurement Board is needed only for specifications over £1,000,000");
    expect($("#project-rules-not-applicable-SEAL_REQUIRED").text()).toContain("App C 7");
  });

  it("is the same panel the project's overview shows", async () => {
    const { id } = await createProjectThroughApi(t.app, commissionerToken, {
      title: "Floating support",
      programmeCode: "SP",
      estimatedValuePence: 150_000_000,
      regime: "PCR2015",
      startedOn: "2019-04-01",
    });
    const panelOf = async (url: string) => {
      const response = await t.app.inject({ url, cookies: commissioner });
      expect(response.statusCode).toBe(200);
      const $ = html(response.body);
      return $("#project-rules [data-status]")
        .toArray()
        .map((el) => `${$(el).attr("id") ?? ""} ${$(el).attr("data-status") ?? ""}`);
    };
    const onOverview = await panelOf(`/projects/${id}`);
    expect(onOverview).toContain("project-rules-flag-PROCUREMENT_BOARD_REQUIRED open");
    expect(onOverview).toEqual(await panelOf(`/projects/${id}/rules`));
  });

  it("is not found for no such project", async () => {
    const response = await t.app.inject({ url: `/projects/${randomUUID()}/rules`, cookies: commissioner });
    expect(response.statusCode).toBe(404);
  });
});
