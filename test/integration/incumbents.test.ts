import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../../src/db/schema/index.js";
import { addDays } from "../../src/domain/dates.js";
import { systemClock } from "../../src/domain/clock.js";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";

import {
  apiTokenFor,
  buildTestApp,
  createUser,
  html,
  postForm,
  signIn,
  type TestApp,
  createProjectThroughApi,
} from "../helpers.js";

let t: TestApp;
let token: string;
let commissioner: Record<string, string>;
let projectId: string;
let otherProjectId: string;
let providerId: string;
const today = systemClock.today();
const auth = (bearer = token) => ({ authorization: `Bearer ${bearer}` });

interface ContractJson {
  id: string;
  projectId: string;
  name: string;
  providerOrganisationId: string | null;
  providerName: string | null;
  endsOn: string;
  noticeDays: number;
  noticeByOn: string;
  noticeGivenOn: string | null;
  noticeDocumentId: string | null;
  noticeOverdue: boolean;
  version: number;
}

async function createProject(): Promise<string> {
  return (await createProjectThroughApi(t.app, token)).id;
}

async function addContract(payload: Record<string, unknown>, id = projectId) {
  return t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${id}/incumbent-contracts`,
    headers: auth(),
    payload,
  });
}

async function uploadPdf(id: string, kind: string) {
  const boundary = `----b${randomBytes(6).toString("hex")}`;
  const pdf = Buffer.from(
    `%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\n% ${randomBytes(4).toString("hex")}\ntrailer<<>>\n%%EOF\n`,
  );
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n${kind}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nLetter ${kind}\r\n`),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="l.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
    ),
    pdf,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const response = await t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${id}/documents`,
    headers: { ...auth(), "content-type": `multipart/form-data; boundary=${boundary}` },
    payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

beforeAll(async () => {
  t = await buildTestApp();
  const user = await createUser(t.services, ["commissioner"]);
  token = await apiTokenFor(t.services, user.id);
  commissioner = await signIn(t.app, user.email);
  projectId = await createProject();
  otherProjectId = await createProject();
  const provider = await t.services.organisations.create(SYSTEM_ACTOR, {
    name: "Forward Trust",
    kind: "provider",
    code: `P${randomBytes(2).toString("hex")}`.toUpperCase(),
    companyNumber: undefined,
    charityNumber: undefined,
  });
  providerId = provider.id;
});
afterAll(async () => t.close());

describe("contracts being recommissioned: API", () => {
  it("computes the date notice must be given and flags it overdue when it has passed", async () => {
    const response = await addContract({
      name: "Adult treatment 2021",
      providerOrganisationId: providerId,
      endsOn: addDays(today, 30),
      noticeDays: 90,
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json<ContractJson>()).toMatchObject({
      projectId,
      name: "Adult treatment 2021",
      providerName: "Forward Trust",
      noticeByOn: addDays(today, -60),
      noticeGivenOn: null,
      noticeOverdue: true,
      version: 1,
    });
    const later = await addContract({ name: "Outreach", endsOn: addDays(today, 200), noticeDays: 90 });
    expect(later.json<ContractJson>()).toMatchObject({
      noticeByOn: addDays(today, 110),
      noticeOverdue: false,
    });
    // Today itself is the last day: not yet overdue.
    const dueToday = await addContract({ name: "Due today", endsOn: addDays(today, 7), noticeDays: 7 });
    expect(dueToday.json<ContractJson>()).toMatchObject({ noticeByOn: today, noticeOverdue: false });
    const list = await t.app.inject({
      url: `/api/v1/projects/${projectId}/incumbent-contracts`,
      headers: auth(),
    });
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: ContractJson[] }>().items.map((c) => c.name)).toEqual([
      "Due today",
      "Adult treatment 2021",
      "Outreach",
    ]);
  });

  it("refuses bad input and a provider that is not a provider", async () => {
    const bad = await addContract({ name: "", endsOn: "2026-02-30", noticeDays: -1 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: { path: string; message: string }[] }>().errors).toContainEqual({
      path: "noticeDays",
      message: "Notice period must be 0 or more",
    });
    const notProvider = await addContract({
      name: "X",
      providerOrganisationId: "00000000-0000-4000-8000-000000000000",
      endsOn: "2026-03-31",
      noticeDays: 30,
    });
    expect(notProvider.statusCode).toBe(400);
    expect(notProvider.json<{ errors: { path: string }[] }>().errors[0]?.path).toBe("providerOrganisationId");
  });

  it("records the notice given with the letter, with an audit record; a stale version gets 409", async () => {
    const created = (
      await addContract({ name: "Recovery hub", endsOn: addDays(today, 10), noticeDays: 60 })
    ).json<ContractJson>();
    const letterId = await uploadPdf(projectId, "notice-letter");
    const response = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/incumbent-contracts/${created.id}`,
      headers: auth(),
      payload: { noticeGivenOn: today, noticeDocumentId: letterId, version: created.version },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<ContractJson>()).toMatchObject({
      noticeGivenOn: today,
      noticeDocumentId: letterId,
      noticeOverdue: false,
      version: created.version + 1,
    });
    const audit = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "incumbent-contract"), eq(auditEvents.entityId, created.id)));
    expect(audit.map((a) => a.action)).toEqual(["created", "notice-recorded"]);

    const stale = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/incumbent-contracts/${created.id}`,
      headers: auth(),
      payload: { noticeGivenOn: addDays(today, -1), version: created.version },
    });
    expect(stale.statusCode).toBe(409);
    const after = await t.app.inject({
      url: `/api/v1/projects/${projectId}/incumbent-contracts`,
      headers: auth(),
    });
    expect(
      after.json<{ items: ContractJson[] }>().items.find((c) => c.id === created.id)?.noticeGivenOn,
    ).toBe(today);
  });

  it("refuses a letter that is not a notice letter of this project", async () => {
    const created = (
      await addContract({ name: "Day service", endsOn: "2030-01-01", noticeDays: 30 })
    ).json<ContractJson>();
    const otherLetter = await uploadPdf(otherProjectId, "notice-letter");
    const wrongKind = await uploadPdf(projectId, "business-case");
    for (const documentId of [otherLetter, wrongKind]) {
      const response = await t.app.inject({
        method: "PATCH",
        url: `/api/v1/incumbent-contracts/${created.id}`,
        headers: auth(),
        payload: { noticeGivenOn: today, noticeDocumentId: documentId, version: created.version },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ errors: { path: string }[] }>().errors[0]?.path).toBe("noticeDocumentId");
    }
    const unknown = await t.app.inject({
      method: "PATCH",
      url: "/api/v1/incumbent-contracts/00000000-0000-4000-8000-000000000000",
      headers: auth(),
      payload: { noticeGivenOn: today, version: 1 },
    });
    expect(unknown.statusCode).toBe(404);
  });

  it("refuses suppliers", async () => {
    const supplier = await createUser(t.services, ["supplier-user"]);
    const supplierToken = await apiTokenFor(t.services, supplier.id);
    const response = await t.app.inject({
      url: `/api/v1/projects/${projectId}/incumbent-contracts`,
      headers: auth(supplierToken),
    });
    expect(response.statusCode).toBe(403);
  });
});

describe("contracts being recommissioned: the current contracts page", () => {
  it("adds a contract through the form and shows its notice date flagged overdue", async () => {
    const page = `/projects/${otherProjectId}/incumbent-contracts`;
    const { response } = await postForm(t.app, page, page, commissioner, {
      incumbentName: "Housing support 2019",
      providerOrganisationId: providerId,
      "endsOn-day": addDays(today, 5).slice(8, 10),
      "endsOn-month": addDays(today, 5).slice(5, 7),
      "endsOn-year": addDays(today, 5).slice(0, 4),
      noticeDays: "30",
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(page);
    const shown = html((await t.app.inject({ url: page, cookies: commissioner })).body);
    const row = shown("#incumbents-table tbody tr").first();
    expect(row.text()).toContain("Housing support 2019");
    expect(row.text()).toContain("Forward Trust");
    expect(row.find("[data-overdue]").length).toBe(1);
    // The notice is overdue (App C 1): the overview says so, linking to where it is recorded.
    const overview = html(
      (await t.app.inject({ url: `/projects/${otherProjectId}`, cookies: commissioner })).body,
    );
    const overdue = overview('#overdue-list li[data-overdue="notice"]');
    expect(overdue).toHaveLength(1);
    expect(overdue.text()).toContain("Forward Trust");
    expect(overdue.text()).toContain("Housing support 2019");
    expect(overdue.find("a").attr("href")).toMatch(
      new RegExp(`^/projects/${otherProjectId}/incumbent-contracts/[0-9a-f-]{36}/notice$`),
    );
  });

  it("keeps what was typed and says what is wrong", async () => {
    const page = `/projects/${otherProjectId}/incumbent-contracts`;
    const { response, cookies } = await postForm(t.app, page, page, commissioner, {
      incumbentName: "Half typed",
      noticeDays: "ninety",
    });
    expect(response.statusCode).toBe(303);
    const shown = html((await t.app.inject({ url: page, cookies })).body);
    expect(shown(".govuk-error-summary").text()).toContain("notice period");
    expect(shown("#incumbentName").val()).toBe("Half typed");
  });

  it("says what is wrong in the words of the form's own fields, in the order they appear", async () => {
    const page = `/projects/${otherProjectId}/incumbent-contracts`;
    const { cookies } = await postForm(t.app, page, page, commissioner, {
      incumbentName: "",
      "endsOn-day": "31",
      "endsOn-month": "2",
      "endsOn-year": "2030",
      noticeDays: "-5",
    });
    const shown = html((await t.app.inject({ url: page, cookies })).body);
    const summary = shown(".govuk-error-summary li a")
      .toArray()
      .map((a) => [shown(a).attr("href"), shown(a).text().trim()]);
    expect(summary).toEqual([
      ["#incumbentName", "Enter the contract's name"],
      ["#endsOn-day", "Date the contract ends must be a real date, for example 27 3 2025"],
      ["#noticeDays", "Notice period must be 0 or more"],
    ]);
  });

  it("records notice given through the form", async () => {
    const page = `/projects/${otherProjectId}/incumbent-contracts`;
    const list = await t.app.inject({
      url: `/api/v1/projects/${otherProjectId}/incumbent-contracts`,
      headers: auth(),
    });
    const contract = list.json<{ items: ContractJson[] }>().items[0];
    if (!contract) throw new Error("no contract");
    const notice = `${page}/${contract.id}/notice`;
    const form = html((await t.app.inject({ url: notice, cookies: commissioner })).body);
    expect(form("main form")).toHaveLength(1);
    expect(form("#project-navigation [aria-current=page]").text().trim()).toBe("Current contracts");
    const { response } = await postForm(t.app, notice, notice, commissioner, {
      contractId: contract.id,
      version: String(contract.version),
      "noticeGivenOn-day": today.slice(8, 10),
      "noticeGivenOn-month": today.slice(5, 7),
      "noticeGivenOn-year": today.slice(0, 4),
      noticeDocumentId: "",
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`${page}#incumbent-${contract.id}`);
    const shown = html((await t.app.inject({ url: page, cookies: commissioner })).body);
    expect(shown(`#incumbent-${contract.id} [data-overdue]`).length).toBe(0);
    expect(shown(`#incumbent-${contract.id}`).text()).not.toContain("Not yet");
    const overview = html(
      (await t.app.inject({ url: `/projects/${otherProjectId}`, cookies: commissioner })).body,
    );
    expect(overview('#overdue-list li[data-overdue="notice"]')).toHaveLength(0);
  });

  it("keeps what was typed, with the version now saved, when the notice form is sent over someone else's change", async () => {
    const page = `/projects/${otherProjectId}/incumbent-contracts`;
    const list = await t.app.inject({
      url: `/api/v1/projects/${otherProjectId}/incumbent-contracts`,
      headers: auth(),
    });
    const contract = list.json<{ items: ContractJson[] }>().items[0];
    if (!contract) throw new Error("no contract");
    const notice = `${page}/${contract.id}/notice`;
    const { response, cookies } = await postForm(t.app, notice, notice, commissioner, {
      contractId: contract.id,
      version: String(contract.version - 1),
      "noticeGivenOn-day": "3",
      "noticeGivenOn-month": today.slice(5, 7),
      "noticeGivenOn-year": today.slice(0, 4),
      noticeDocumentId: "",
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(notice);
    const $ = html((await t.app.inject({ url: notice, cookies })).body);
    expect($(".govuk-error-summary").text()).toContain("changed");
    expect($(`#notice-${contract.id}-day`).val()).toBe("3");
    expect($(`.govuk-error-summary a[href="#notice-${contract.id}-day"]`).length).toBe(1);
    const after = await t.app.inject({
      url: `/api/v1/projects/${otherProjectId}/incumbent-contracts`,
      headers: auth(),
    });
    expect(after.json<{ items: ContractJson[] }>().items[0]?.version).toBe(contract.version);
  });
});
