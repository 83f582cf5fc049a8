import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checklistTasks, projects, risks } from "../../src/db/schema/index.js";
import { addDays } from "../../src/domain/dates.js";
import { systemClock } from "../../src/domain/clock.js";

import {
  apiTokenFor,
  buildTestApp,
  createUser,
  html,
  signIn,
  type TestApp,
  createProjectThroughApi,
  asFixture,
} from "../helpers.js";

let t: TestApp;
let token: string;
let commissioner: Record<string, string>;
const auth = (bearer = token) => ({ authorization: `Bearer ${bearer}` });

async function createProject(body: Record<string, unknown>): Promise<{ id: string; title: string }> {
  return createProjectThroughApi(t.app, token, body);
}

interface PipelineJson {
  byProgramme: { programmeCode: string; stages: Record<string, number> }[];
  totals: Record<string, number>;
  overdueTasks: {
    total: number;
    items: { taskKey: string; projectId: string; projectTitle: string; plannedOn: string; text: string }[];
  };
  overdueRiskReviews: { total: number; items: { title: string; projectId: string; reviewOn: string }[] };
  awaitingDecisions: {
    bodyCode: string;
    bodyName: string;
    items: { projectId: string; what: string; paragraph: string }[];
  }[];
}

let kdaatA: { id: string; title: string };
let kdaatB: { id: string; title: string };
let joint: { id: string; title: string };
const today = systemClock.today();

beforeAll(async () => {
  t = await buildTestApp();
  const user = await createUser(t.services, ["commissioner"]);
  token = await apiTokenFor(t.services, user.id);
  commissioner = await signIn(t.app, user.email);
  kdaatA = await createProject({ title: "Adult treatment", programmeCode: "KDAAT" });
  kdaatB = await createProject({ title: "Young people's service", programmeCode: "KDAAT" });
  joint = await createProject({ title: "Floating support", programmeCode: "SP", programmeCodes: ["KSE"] });
  // One project has moved on to Stage 2 (set directly: its gate is another test's subject).
  await asFixture(t.database.db, (tx) =>
    tx.update(projects).set({ stage: "2" }).where(eq(projects.id, kdaatB.id)),
  );
  // An overdue checklist task, and one planned for the future (not overdue).
  await asFixture(t.database.db, (tx) =>
    tx
      .update(checklistTasks)
      .set({ plannedOn: addDays(today, -10), status: "planned" })
      .where(and(eq(checklistTasks.projectId, kdaatA.id), eq(checklistTasks.taskKey, "1.1"))),
  );
  await asFixture(t.database.db, (tx) =>
    tx
      .update(checklistTasks)
      .set({ plannedOn: addDays(today, 10), status: "planned" })
      .where(and(eq(checklistTasks.projectId, joint.id), eq(checklistTasks.taskKey, "1.1"))),
  );
  await asFixture(t.database.db, (tx) =>
    tx.insert(risks).values([
      {
        projectId: joint.id,
        title: "Provider market too thin",
        likelihood: 3,
        impact: 4,
        owner: "Commissioner",
        reviewOn: addDays(today, -3),
      },
      {
        projectId: joint.id,
        title: "Reviewed on time",
        likelihood: 2,
        impact: 2,
        owner: "Commissioner",
        reviewOn: addDays(today, 30),
      },
    ]),
  );
});
afterAll(async () => t.close());

describe("pipeline API", () => {
  it("counts projects by programme and stage, a joint project under each programme", async () => {
    const response = await t.app.inject({ url: "/api/v1/pipeline", headers: auth() });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<PipelineJson>();
    const row = (code: string) => body.byProgramme.find((r) => r.programmeCode === code)?.stages;
    expect(row("KDAAT")).toEqual({ "1": 1, "2": 1, "3": 0, "4": 0, "5": 0, closed: 0 });
    expect(row("SP")).toMatchObject({ "1": 1, "2": 0 });
    expect(row("KSE")).toMatchObject({ "1": 1 });
    expect(row("KSAS")).toMatchObject({ "1": 0 });
    expect(body.totals).toEqual({ "1": 2, "2": 1, "3": 0, "4": 0, "5": 0, closed: 0 });
  });

  it("lists overdue checklist tasks and risk reviews with their project", async () => {
    const body = (await t.app.inject({ url: "/api/v1/pipeline", headers: auth() })).json<PipelineJson>();
    expect(body.overdueTasks.total).toBe(1);
    expect(body.overdueTasks.items[0]).toMatchObject({
      taskKey: "1.1",
      projectId: kdaatA.id,
      projectTitle: "Adult treatment",
      plannedOn: addDays(today, -10),
    });
    expect(body.overdueTasks.items[0]?.text).toBeTruthy();
    expect(body.overdueRiskReviews.total).toBe(1);
    expect(body.overdueRiskReviews.items).toEqual([
      expect.objectContaining({
        title: "Provider market too thin",
        projectId: joint.id,
        reviewOn: addDays(today, -3),
      }),
    ]);
  });

  it("lists the decisions each governance body must take, from the open projects' gates", async () => {
    const body = (await t.app.inject({ url: "/api/v1/pipeline", headers: auth() })).json<PipelineJson>();
    const body0 = (code: string) => body.awaitingDecisions.find((b) => b.bodyCode === code);
    expect(body0("JCG")?.items.map((i) => i.projectId)).toContain(kdaatA.id);
    expect(body0("JCG")?.items.map((i) => i.projectId)).not.toContain(joint.id);
    expect(body0("KDAAT_BOARD")?.items.find((i) => i.projectId === kdaatA.id)).toMatchObject({
      what: "Approve the needs assessment, once it is uploaded",
      paragraph: "§3.4",
    });
    // Joint commissioning: the SP project waits for CSG and the SP Commissioning Body.
    expect(body0("CSG")?.items.map((i) => i.projectId)).toContain(joint.id);
    expect(body0("SP_COMMISSIONING_BODY")?.items.map((i) => i.projectId)).toContain(joint.id);
    expect(body0("JCG")?.bodyName).toBeTruthy();
  });

  it("answers one body's awaited decisions, and 404 for an unknown body", async () => {
    const response = await t.app.inject({ url: "/api/v1/governance-bodies/CSG/awaiting", headers: auth() });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ items: { projectId: string }[] }>().items.map((i) => i.projectId)).toEqual([
      joint.id,
    ]);
    const unknown = await t.app.inject({ url: "/api/v1/governance-bodies/NOPE/awaiting", headers: auth() });
    expect(unknown.statusCode).toBe(404);
  });

  it("refuses suppliers (403) and callers without a token (401)", async () => {
    const supplier = await createUser(t.services, ["supplier-user"]);
    const supplierToken = await apiTokenFor(t.services, supplier.id);
    expect((await t.app.inject({ url: "/api/v1/pipeline", headers: auth(supplierToken) })).statusCode).toBe(
      403,
    );
    expect((await t.app.inject({ url: "/api/v1/pipeline" })).statusCode).toBe(401);
    const cookies = await signIn(t.app, supplier.email);
    expect((await t.app.inject({ url: "/pipeline", cookies })).statusCode).toBe(403);
    expect((await t.app.inject({ url: "/governance/JCG/awaiting", cookies })).statusCode).toBe(403);
  });
});

describe("pipeline pages", () => {
  it("shows the stage table with counts linking to the filtered project list", async () => {
    const response = await t.app.inject({ url: "/pipeline", cookies: commissioner });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    const kdaat = $('#stage-table tr[data-programme="KDAAT"] td');
    expect(kdaat.eq(0).text().trim()).toBe("1");
    expect(kdaat.eq(0).find("a").attr("href")).toBe("/projects?programme=KDAAT&stage=1");
    expect(kdaat.eq(2).text().trim()).toBe("0");
    expect($('#stage-table tr[data-programme="all"] td').eq(0).find("a").attr("href")).toBe(
      "/projects?stage=1",
    );
    expect($("#overdue-tasks-table").text()).toContain("Adult treatment");
    expect($("#overdue-risks-table").text()).toContain("Provider market too thin");
    expect($("#body-JCG a").attr("href")).toBe("/governance/JCG/awaiting");
    expect($("#awaiting").nextAll().text()).toContain("Approve the needs assessment, once it is uploaded");
  });

  it("gives each governance body a page of what awaits its decision", async () => {
    const response = await t.app.inject({ url: "/governance/KDAAT_BOARD/awaiting", cookies: commissioner });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect($("h1").text()).toContain("KDAAT Board");
    expect($("#awaiting-table").text()).toContain("Adult treatment");
    expect($("#awaiting-table").text()).not.toContain("Floating support");
    const none = await t.app.inject({ url: "/governance/LEGAL/awaiting", cookies: commissioner });
    expect(none.statusCode).toBe(200);
    expect(html(none.body)("#nothing-awaited").length).toBe(1);
    expect((await t.app.inject({ url: "/governance/NOPE/awaiting", cookies: commissioner })).statusCode).toBe(
      404,
    );
  });

  it("pages a long list of what awaits a body, fifty at a time", async () => {
    const before = await t.app.inject({ url: "/api/v1/governance-bodies/CSG/awaiting", headers: auth() });
    const already = before.json<{ items: unknown[] }>().items.length;
    // Enough KSAS projects (Core Strategy Group) to need a second page.
    for (let i = already; i < 55; i++)
      await createProject({ title: `Paged ${String(i)}`, programmeCode: "KSAS" });
    const total = (
      await t.app.inject({ url: "/api/v1/governance-bodies/CSG/awaiting", headers: auth() })
    ).json<{ items: unknown[] }>().items.length;
    expect(total).toBeGreaterThan(50);

    const first = html((await t.app.inject({ url: "/governance/CSG/awaiting", cookies: commissioner })).body);
    expect(first("#awaiting-table tbody tr").length).toBe(50);
    expect(first("#awaiting-count").text()).toContain(`${String(total)} decisions awaited: 1 to 50 shown`);
    expect(first(".govuk-pagination__next a").attr("href")).toBe("/governance/CSG/awaiting?page=2");

    const second = await t.app.inject({ url: "/governance/CSG/awaiting?page=2", cookies: commissioner });
    expect(second.statusCode).toBe(200);
    const $ = html(second.body);
    expect($("#awaiting-table tbody tr").length).toBe(total - 50);
    expect($("title").text()).toContain("page 2 of 2");
    expect($(".govuk-pagination__prev a").attr("href")).toBe("/governance/CSG/awaiting");
    // Every project awaited shows once across the two pages.
    const titles = [
      ...first("#awaiting-table tbody tr td:first-child").get(),
      ...$("#awaiting-table tbody tr td:first-child").get(),
    ];
    expect(titles.length).toBe(total);

    for (const page of ["3", "0"]) {
      const response = await t.app.inject({
        url: `/governance/CSG/awaiting?page=${page}`,
        cookies: commissioner,
      });
      expect(response.statusCode).toBe(404);
    }
  });
});
