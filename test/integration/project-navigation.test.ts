import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMembership,
  apiTokenFor,
  buildTestApp,
  createProjectThroughApi,
  createUser,
  html,
  multipart,
  signIn,
  signInAdministrator,
  type TestApp,
} from "../helpers.js";

/**
 * A project you can find your way around: every page of a project carries the same sub-navigation with
 * the current page marked, holds at most one form, and the overview links each missing gate item to
 * the page where it is done.
 */

let t: TestApp;
let token: string;
let clerkToken: string;
let boardToken: string;
let commissioner: Record<string, string>;
let administrator: Record<string, string>;

const auth = (bearer = token) => ({ authorization: `Bearer ${bearer}` });
const pdf = () =>
  Buffer.from(
    `%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\n% ${randomBytes(4).toString("hex")}\ntrailer<<>>\n%%EOF\n`,
  );

async function upload(projectId: string, kind: string) {
  const form = multipart([
    { name: "kind", value: kind },
    { name: "title", value: `The ${kind}` },
    { name: "file", filename: `${kind}.pdf`, contentType: "application/pdf", data: pdf() },
  ]);
  const response = await t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${projectId}/documents`,
    headers: { ...auth(), ...form.headers },
    payload: form.payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>();
}

async function approve(projectId: string, subjectId: string, bodyCode: string, bearer: string) {
  const response = await t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${projectId}/decisions`,
    headers: auth(bearer),
    payload: {
      subjectId,
      bodyCode,
      decision: "approved",
      decidedOn: "2025-04-01",
      minutesRef: `${bodyCode}/${randomBytes(2).toString("hex")}`,
    },
  });
  expect(response.statusCode, response.body).toBe(201);
}

async function page(url: string, cookies = commissioner) {
  const response = await t.app.inject({ url, cookies });
  expect(response.statusCode, url).toBe(200);
  return html(response.body);
}

/** A project's pages, each with the sub-navigation item it marks as current. */
const PAGES: [string, string][] = [
  ["", "Overview"],
  ["/documents", "Documents"],
  ["/decisions", "Decisions"],
  ["/incumbent-contracts", "Current contracts"],
  ["/checklist", "Checklist"],
  ["/risks", "Risks"],
  ["/eqia", "Equality impact"],
  ["/rules", "Rules"],
  ["/tenders", "Tenders"],
  ["/timeline", "Timeline"],
];

let projectId: string;

beforeAll(async () => {
  t = await buildTestApp();
  const user = await createUser(t.services, ["commissioner"]);
  commissioner = await signIn(t.app, user.email);
  token = await apiTokenFor(t.services, user.id);
  const admin = await createUser(t.services, ["administrator"]);
  administrator = await signInAdministrator(t.app, admin.email);
  const clerk = await createUser(t.services, ["authorised-officer"]);
  await addMembership(t.database, "JCG", clerk.id, "officer");
  clerkToken = await apiTokenFor(t.services, clerk.id);
  const board = await createUser(t.services, ["board-member"]);
  await addMembership(t.database, "KDAAT_BOARD", board.id, "member");
  boardToken = await apiTokenFor(t.services, board.id);
  projectId = (await createProjectThroughApi(t.app, token, { title: "Young people's treatment" })).id;
});
afterAll(async () => t.close());

describe("the sub-navigation of a project's pages", () => {
  it.each(PAGES)(
    "%s marks “%s” as the current page, and links every page of the project",
    async (path, current) => {
      const $ = await page(`/projects/${projectId}${path}`);
      const nav = $("nav#project-navigation.moj-sub-navigation");
      expect(nav).toHaveLength(1);
      expect(nav.attr("aria-label")).toBe("Project pages");
      const marked = nav.find('a[aria-current="page"]');
      expect(marked).toHaveLength(1);
      expect(marked.text().trim()).toBe(current);
      expect(marked.attr("href")).toBe(`/projects/${projectId}${path}`);
      const hrefs = nav
        .find("a")
        .map((_i, el) => $(el).attr("href"))
        .get();
      expect(hrefs).toEqual(PAGES.map(([p]) => `/projects/${projectId}${p}`));
      // MOJ Frontend's stylesheet is loaded for it.
      expect($('link[href="/stylesheets/moj-frontend.min.css"]')).toHaveLength(1);
    },
  );

  it.each([
    ["a commissioner", () => commissioner],
    ["an administrator", () => administrator],
  ])("gives %s at most one form on each page (besides signing out)", async (_who, cookies) => {
    const contract = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${projectId}/incumbent-contracts`,
      headers: auth(),
      payload: { name: `Contract ${randomBytes(2).toString("hex")}`, endsOn: "2030-03-31", noticeDays: 90 },
    });
    expect(contract.statusCode, contract.body).toBe(201);
    const notice = `/incumbent-contracts/${contract.json<{ id: string }>().id}/notice`;
    for (const path of [...PAGES.map(([p]) => p), notice]) {
      const $ = await page(`/projects/${projectId}${path}`, cookies());
      const forms = $("form").filter((_i, el) => $(el).attr("action") !== "/sign-out");
      expect(forms.length, path).toBeLessThanOrEqual(1);
    }
  });
});

describe("the overview's gate", () => {
  it("links each missing item to where it is done: documents to their upload, approvals to the decisions", async () => {
    const id = (await createProjectThroughApi(t.app, token, {})).id;
    const $ = await page(`/projects/${id}`);
    const items = $("#missing li")
      .map((_i, el) => ({
        text: $(el).find("a").text().trim(),
        href: $(el).find("a").attr("href"),
      }))
      .get();
    expect(items).toEqual([
      { text: "Upload the needs assessment", href: `/projects/${id}/documents?kind=needs-assessment#upload` },
      {
        text: "The needs assessment must be approved by the Joint Commissioning Groups (JCG)",
        href: `/projects/${id}/decisions#record-decision`,
      },
      {
        text: "The needs assessment must be approved by the KDAAT Board",
        href: `/projects/${id}/decisions#record-decision`,
      },
    ]);
    // The upload link sets the form's kind, and the page it opens has the upload form.
    const documents = await page(`/projects/${id}/documents?kind=needs-assessment`);
    expect(documents("#kind option[selected]").val()).toBe("needs-assessment");
    expect(documents("#upload")).toHaveLength(1);
    expect((await page(`/projects/${id}/decisions`))("#record-decision")).toHaveLength(1);
    // A kind that is no kind sets nothing.
    const plain = await page(`/projects/${id}/documents?kind=nonsense`);
    expect(plain("#kind option[selected]")).toHaveLength(0);
  });

  it("links “complete the EqIA screening” to the EqIA, and shows the gate as it changes", async () => {
    const id = (await createProjectThroughApi(t.app, token, {})).id;
    const before = await page(`/projects/${id}`);
    expect(before("#missing li")).toHaveLength(3);
    const needs = await upload(id, "needs-assessment");
    // The kept overview follows the change.
    expect((await page(`/projects/${id}`))("#missing li")).toHaveLength(2);
    await approve(id, needs.id, "JCG", clerkToken);
    await approve(id, needs.id, "KDAAT_BOARD", boardToken);
    const version = (await t.app.inject({ url: `/api/v1/projects/${id}`, headers: auth() })).json<{
      version: number;
    }>().version;
    const advanced = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${id}/advance`,
      headers: auth(),
      payload: { version },
    });
    expect(advanced.statusCode, advanced.body).toBe(200);
    const $ = await page(`/projects/${id}`);
    const eqia = $("#missing li").filter((_i, el) =>
      $(el).text().includes("equality impact assessment screening"),
    );
    expect(eqia.find("a").attr("href")).toBe(`/projects/${id}/eqia`);
    const business = $("#missing li").filter((_i, el) => $(el).text().includes("Upload the business case"));
    expect(business.find("a").attr("href")).toBe(`/projects/${id}/documents?kind=business-case#upload`);
  });

  it("leaves unlinked what no page does yet, and the advance button is the overview's one form", async () => {
    const $ = await page(`/projects/${projectId}`);
    expect($("form")).toHaveLength(2); // the advance button, and signing out
    expect($(`form[action="/projects/${projectId}/advance"] button#advance`)).toHaveLength(1);
    // The documents, decisions and contracts are on their own pages now.
    expect($("#documents-table, #decisions-table, #incumbents-table")).toHaveLength(0);
  });
});

describe("names, not codes, on the project pages", () => {
  it("names the programmes and the regime on the overview", async () => {
    const id = (await createProjectThroughApi(t.app, token, { programmeCode: "SP", programmeCodes: ["KSE"] }))
      .id;
    const $ = await page(`/projects/${id}`);
    expect($("#project-programmes").text()).toBe(
      "Supporting People, Supported Employment · Procurement Act 2023",
    );
    const details = $("#project-details").text();
    expect(details).toContain("Supported Employment");
    expect(details).not.toMatch(/\bKSE\b/);
  });

  it("names the bodies on the decisions page", async () => {
    const id = (await createProjectThroughApi(t.app, token, {})).id;
    const needs = await upload(id, "needs-assessment");
    await approve(id, needs.id, "JCG", clerkToken);
    const $ = await page(`/projects/${id}/decisions`);
    const body = $("#decisions-table tbody tr th").first().text().trim();
    expect(body).toBe("Joint Commissioning Groups");
  });

  it("names the programmes on the pipeline and on what awaits a body", async () => {
    const pipeline = await page("/pipeline");
    expect(pipeline('#stage-table tr[data-programme="KDAAT"] th').text().trim()).toBe(
      "Drug and Alcohol Action Team",
    );
    const awaiting = await page("/governance/KDAAT_BOARD/awaiting");
    expect(awaiting(".govuk-caption-l").text()).not.toContain("KDAAT_BOARD");
    const programmes = awaiting("#awaiting-table tbody tr td:nth-child(2)")
      .map((_i, el) => awaiting(el).text().trim())
      .get();
    expect(programmes.length).toBeGreaterThan(0);
    expect(new Set(programmes)).toEqual(new Set(["Drug and Alcohol Action Team"]));
  });
});
