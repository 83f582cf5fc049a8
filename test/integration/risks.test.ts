import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, checklistTasks, riskHistory } from "../../src/db/schema/index.js";
import { STALE_RISK_MESSAGE } from "../../src/modules/risks/service.js";
import {
  apiTokenFor,
  buildTestApp,
  createUser,
  html,
  postForm,
  signIn,
  type TestApp,
  insertProject,
} from "../helpers.js";

let t: TestApp;
let token: string;
let cookies: Record<string, string>;

/** Until the projects module creates them, a project is a row (title, programme, value, regime, start). */
async function createProject(title = "Young people's supported accommodation") {
  return insertProject(t.database.db, { title, programmeCode: "SP", estimatedValuePence: 75_000_000 });
}

interface ApiRisk {
  id: string;
  title: string;
  likelihood: number;
  impact: number;
  score: number;
  rating: string;
  status: string;
  overdue: boolean;
  version: number;
  reviewOn: string;
}

const bearer = (value = token) => ({ authorization: `Bearer ${value}` });
const risk = (overrides: Record<string, unknown> = {}) => ({
  title: "Incumbent provider's staff leave before transfer",
  likelihood: 3,
  impact: 4,
  owner: "Commissioning manager",
  mitigation: "Early TUPE engagement with the incumbent",
  reviewOn: "2030-06-30",
  ...overrides,
});

async function addRisk(projectId: string, overrides: Record<string, unknown> = {}) {
  const response = await t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${projectId}/risks`,
    headers: bearer(),
    payload: risk(overrides),
  });
  expect(response.statusCode).toBe(201);
  return response.json<ApiRisk>();
}

beforeAll(async () => {
  t = await buildTestApp();
  const user = await createUser(t.services, ["commissioner"]);
  token = await apiTokenFor(t.services, user.id);
  cookies = await signIn(t.app, user.email);
});
afterAll(async () => t.close());

describe("risk register API", () => {
  it("adds a risk with its score, keeps it as history and audit, and begins the register task", async () => {
    const projectId = await createProject();
    const created = await addRisk(projectId);
    expect(created).toMatchObject({
      projectId,
      likelihood: 3,
      impact: 4,
      score: 12,
      rating: "high",
      status: "open",
      overdue: false,
      version: 1,
      description: "",
    });
    const history = await t.database.db.select().from(riskHistory).where(eq(riskHistory.riskId, created.id));
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ version: 1, snapshot: { action: "created", before: null } });
    const audit = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "risk"), eq(auditEvents.entityId, created.id)));
    expect(audit.map((a) => a.action)).toEqual(["created"]);
    // App C 1 "Begin Risk Register": completed by the first risk.
    const [task] = await t.database.db
      .select()
      .from(checklistTasks)
      .where(and(eq(checklistTasks.projectId, projectId), eq(checklistTasks.taskKey, "1.7")));
    expect(task).toMatchObject({ status: "completed", completedAutomatically: true, evidenceId: created.id });

    const list = await t.app.inject({ url: `/api/v1/projects/${projectId}/risks`, headers: bearer() });
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: ApiRisk[] }>().items.map((r) => r.id)).toEqual([created.id]);
  });

  it("changes a risk, writing the snapshot before and the change to history, and an audit record", async () => {
    const projectId = await createProject();
    const created = await addRisk(projectId);
    const response = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/risks/${created.id}`,
      headers: bearer(),
      payload: { likelihood: 5, impact: 5, version: 1 },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ score: 25, rating: "extreme", version: 2 });
    const closed = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/risks/${created.id}`,
      headers: bearer(),
      payload: { status: "closed", version: 2 },
    });
    expect(closed.json()).toMatchObject({ status: "closed", version: 3 });

    const rows = await t.database.db
      .select()
      .from(riskHistory)
      .where(eq(riskHistory.riskId, created.id))
      .orderBy(asc(riskHistory.version));
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3]);
    expect(rows[1]?.snapshot).toMatchObject({
      action: "updated",
      before: { likelihood: 3, impact: 4, score: 12, version: 1 },
      changes: { likelihood: { from: 3, to: 5 }, impact: { from: 4, to: 5 }, score: { from: 12, to: 25 } },
    });
    expect(rows[2]?.snapshot).toMatchObject({
      before: { status: "open" },
      changes: { status: { from: "open", to: "closed" } },
    });
    const audit = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "risk"), eq(auditEvents.entityId, created.id)))
      .orderBy(asc(auditEvents.seq));
    expect(audit.map((a) => a.action)).toEqual(["created", "updated", "closed"]);

    const detail = await t.app.inject({ url: `/api/v1/risks/${created.id}`, headers: bearer() });
    expect(detail.statusCode).toBe(200);
    const body = detail.json<{ history: { version: number; action: string }[] }>();
    expect(body.history.map((h) => h.version)).toEqual([3, 2, 1]);
  });

  it("refuses a stale version with 409 and changes nothing", async () => {
    const projectId = await createProject();
    const created = await addRisk(projectId);
    await t.app.inject({
      method: "PATCH",
      url: `/api/v1/risks/${created.id}`,
      headers: bearer(),
      payload: { owner: "Head of commissioning", version: 1 },
    });
    const stale = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/risks/${created.id}`,
      headers: bearer(),
      payload: { owner: "Someone else", version: 1 },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json<{ detail: string }>().detail).toBe(STALE_RISK_MESSAGE);
    const detail = await t.app.inject({ url: `/api/v1/risks/${created.id}`, headers: bearer() });
    expect(detail.json()).toMatchObject({ owner: "Head of commissioning", version: 2 });
    expect(
      await t.database.db.select().from(riskHistory).where(eq(riskHistory.riskId, created.id)),
    ).toHaveLength(2);
  });

  it("refuses bad input with the path of each field", async () => {
    const projectId = await createProject();
    const response = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${projectId}/risks`,
      headers: bearer(),
      payload: risk({ likelihood: 6, impact: 0, reviewOn: "30/06/2030", title: "" }),
    });
    expect(response.statusCode).toBe(400);
    const paths = response
      .json<{ errors: { path: string }[] }>()
      .errors.map((e) => e.path)
      .sort();
    expect(paths).toEqual(["impact", "likelihood", "reviewOn", "title"]);
    const unknown = await t.app.inject({
      method: "POST",
      url: "/api/v1/projects/00000000-0000-4000-8000-000000000000/risks",
      headers: bearer(),
      payload: risk(),
    });
    expect(unknown.statusCode).toBe(404);
  });

  it("flags open risks whose review date has passed, and not closed ones", async () => {
    const projectId = await createProject();
    const late = await addRisk(projectId, { title: "Late review", reviewOn: "2020-01-01" });
    const closedLate = await addRisk(projectId, { title: "Closed, late", reviewOn: "2020-01-01" });
    await t.app.inject({
      method: "PATCH",
      url: `/api/v1/risks/${closedLate.id}`,
      headers: bearer(),
      payload: { status: "closed", version: 1 },
    });
    await addRisk(projectId, { title: "Reviewed soon", reviewOn: "2999-01-01" });
    const list = await t.app.inject({ url: `/api/v1/projects/${projectId}/risks`, headers: bearer() });
    const body = list.json<{ items: ApiRisk[]; overdue: number }>();
    expect(body.overdue).toBe(1);
    expect(body.items.filter((r) => r.overdue).map((r) => r.id)).toEqual([late.id]);
    const counts = await t.services.risks.overdueReviews([projectId]);
    expect(counts.get(projectId)).toBe(1);
  });

  it("is closed to suppliers and providers", async () => {
    const projectId = await createProject();
    const created = await addRisk(projectId);
    for (const role of ["supplier-user", "provider-user"] as const) {
      const user = await createUser(t.services, [role]);
      const outsider = await apiTokenFor(t.services, user.id);
      expect(
        (await t.app.inject({ url: `/api/v1/projects/${projectId}/risks`, headers: bearer(outsider) }))
          .statusCode,
      ).toBe(403);
      expect(
        (await t.app.inject({ url: `/api/v1/risks/${created.id}`, headers: bearer(outsider) })).statusCode,
      ).toBe(403);
      const write = await t.app.inject({
        method: "POST",
        url: `/api/v1/projects/${projectId}/risks`,
        headers: bearer(outsider),
        payload: risk(),
      });
      expect(write.statusCode).toBe(403);
      const page = await t.app.inject({
        url: `/projects/${projectId}/risks`,
        cookies: await signIn(t.app, user.email),
      });
      expect(page.statusCode).toBe(403);
    }
  });
});

describe("risk register pages", () => {
  it("draws a 5×5 heat map as SVG with the right counts, and the same counts in a table", async () => {
    const projectId = await createProject("Domestic abuse refuges");
    await addRisk(projectId, { title: "A", likelihood: 5, impact: 5 });
    await addRisk(projectId, { title: "B", likelihood: 5, impact: 5 });
    await addRisk(projectId, { title: "C", likelihood: 1, impact: 2, reviewOn: "2020-02-02" });
    const closed = await addRisk(projectId, { title: "D", likelihood: 2, impact: 2 });
    await t.app.inject({
      method: "PATCH",
      url: `/api/v1/risks/${closed.id}`,
      headers: bearer(),
      payload: { status: "closed", version: 1 },
    });

    const response = await t.app.inject({ url: `/projects/${projectId}/risks`, cookies });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect($("h1").text()).toBe("Risk register");
    const svg = $("svg#risk-heatmap");
    expect(svg.attr("role")).toBe("img");
    expect(svg.attr("aria-labelledby")).toBe("heatmap-title heatmap-desc");
    expect(svg.find("title#heatmap-title").text()).toBe("Risk heat map");
    expect(svg.find("desc#heatmap-desc").text()).toMatch(/^3 open risks/);
    expect(svg.find("g.app-heatmap-cell")).toHaveLength(25);
    const count = (l: number, i: number) =>
      svg.find(`g[data-likelihood="${l}"][data-impact="${i}"]`).attr("data-count");
    expect(count(5, 5)).toBe("2");
    expect(count(1, 2)).toBe("1");
    expect(count(2, 2)).toBe("0");
    expect(svg.find('g[data-likelihood="5"][data-impact="5"] text').text()).toBe("2");
    expect(svg.find('g[data-likelihood="5"][data-impact="5"] rect').attr("fill")).toBe("#ca3535");
    expect(svg.find("[style]")).toHaveLength(0);

    const cell = (l: number, i: number) =>
      $(`#heatmap-table td[data-likelihood="${l}"][data-impact="${i}"]`).text();
    expect(cell(5, 5)).toBe("2");
    expect(cell(1, 2)).toBe("1");
    expect(cell(2, 2)).toBe("0");
    expect($("#heatmap-table caption").text()).toBe("Open risks by likelihood and impact");

    expect($("#risks tbody tr")).toHaveLength(4);
    expect($("#overdue-warning").text()).toContain("1 risk review is overdue");
    const row = $("#risks tbody tr").filter((_i, el) => $(el).find("th").text().trim() === "C");
    expect(row.find(".app-overdue").text().trim()).toBe("Review overdue");
    expect($("#risks tbody tr").first().find(".govuk-tag").first().text().trim()).toBe("25 Extreme");
  });

  it("adds a risk through the form, and shows errors with the input kept", async () => {
    const projectId = await createProject();
    const newPage = `/projects/${projectId}/risks/new`;
    const bad = await postForm(t.app, newPage, `/projects/${projectId}/risks`, cookies, {
      title: "Market has too few providers",
      owner: "",
      likelihood: "4",
      "reviewOn-day": "40",
      "reviewOn-month": "1",
      "reviewOn-year": "2031",
    });
    expect(bad.response.headers.location).toBe(newPage);
    const $ = html((await t.app.inject({ url: newPage, cookies: bad.cookies })).body);
    const summary = $(".govuk-error-summary");
    expect(summary.find('a[href="#impact"]').text()).toContain("Select the impact");
    expect(summary.find('a[href="#owner"]').text()).toContain("Enter who owns the risk");
    expect(summary.find('a[href="#reviewOn-day"]').text()).toContain("Next review must be a real date");
    expect($("#title").val()).toBe("Market has too few providers");
    expect($('input[name="likelihood"][value="4"]').attr("checked")).toBeDefined();
    expect($("#reviewOn-day").val()).toBe("40");

    const good = await postForm(t.app, newPage, `/projects/${projectId}/risks`, cookies, {
      title: "Market has too few providers",
      owner: "Market development lead",
      likelihood: "4",
      impact: "3",
      mitigation: "Provider event before the tender",
      "reviewOn-day": "1",
      "reviewOn-month": "2",
      "reviewOn-year": "2031",
    });
    expect(good.response.headers.location).toBe(`/projects/${projectId}/risks`);
    const list = html(
      (await t.app.inject({ url: `/projects/${projectId}/risks`, cookies: good.cookies })).body,
    );
    expect(list(".govuk-notification-banner--success").text()).toContain(
      "Risk added: Market has too few providers",
    );
    expect(list("#risks tbody tr").text()).toContain("1 February 2031");
    expect(list('#heatmap-table td[data-likelihood="4"][data-impact="3"]').text()).toBe("1");
  });

  it("shows a date with a box missing once, as that box's error", async () => {
    const projectId = await createProject();
    const newPage = `/projects/${projectId}/risks/new`;
    const bad = await postForm(t.app, newPage, `/projects/${projectId}/risks`, cookies, {
      title: "Half a date",
      owner: "Lead",
      likelihood: "2",
      impact: "2",
      "reviewOn-day": "1",
      "reviewOn-month": "",
      "reviewOn-year": "2031",
    });
    const $ = html((await t.app.inject({ url: newPage, cookies: bad.cookies })).body);
    const links = $(".govuk-error-summary li a")
      .toArray()
      .map((a) => [$(a).attr("href"), $(a).text().trim()]);
    expect(links).toEqual([["#reviewOn-month", "Next review must include a month"]]);
  });

  it("tells the second of two officers editing a risk that someone else changed it, keeping their input", async () => {
    const projectId = await createProject();
    const created = await addRisk(projectId, { title: "Funding reduced mid-contract" });
    const other = await createUser(t.services, ["procurement-officer"]);
    const otherCookies = await signIn(t.app, other.email);
    const page = `/projects/${projectId}/risks/${created.id}`;
    const fields = (overrides: Record<string, string>) => ({
      version: "1",
      title: "Funding reduced mid-contract",
      owner: "Commissioning manager",
      likelihood: "3",
      impact: "4",
      mitigation: "Early TUPE engagement with the incumbent",
      "reviewOn-day": "30",
      "reviewOn-month": "6",
      "reviewOn-year": "2030",
      status: "open",
      ...overrides,
    });
    const first = await postForm(
      t.app,
      page,
      page,
      otherCookies,
      fields({ likelihood: "2", mitigation: "Break clause agreed" }),
    );
    expect(first.response.headers.location).toBe(`/projects/${projectId}/risks`);

    const second = await postForm(
      t.app,
      page,
      page,
      cookies,
      fields({ impact: "5", owner: "Finance business partner" }),
    );
    expect(second.response.headers.location).toBe(page);
    const $ = html((await t.app.inject({ url: page, cookies: second.cookies })).body);
    expect($(".govuk-error-summary").text()).toContain(
      "Someone else changed this risk while you were editing it",
    );
    expect($("#saved-now").text()).toContain("Break clause agreed");
    expect($("#owner").val()).toBe("Finance business partner");
    expect($('input[name="impact"][value="5"]').attr("checked")).toBeDefined();
    expect($('input[name="version"]').val()).toBe("2");
    expect($("#risk-history tbody tr")).toHaveLength(2);
    expect($("#risk-history").text()).toContain("Likelihood: 3 → 2");

    const detail = await t.app.inject({ url: `/api/v1/risks/${created.id}`, headers: bearer() });
    expect(detail.json()).toMatchObject({
      likelihood: 2,
      impact: 4,
      owner: "Commissioning manager",
      version: 2,
    });
  });

  it("lets an evaluator read the register but not add to it", async () => {
    const projectId = await createProject();
    const evaluator = await createUser(t.services, ["evaluator"]);
    const evaluatorCookies = await signIn(t.app, evaluator.email);
    const page = await t.app.inject({ url: `/projects/${projectId}/risks`, cookies: evaluatorCookies });
    expect(page.statusCode).toBe(200);
    expect(html(page.body)(`a[href="/projects/${projectId}/risks/new"]`)).toHaveLength(0);
    expect(
      (await t.app.inject({ url: `/projects/${projectId}/risks/new`, cookies: evaluatorCookies })).statusCode,
    ).toBe(403);
  });
});
