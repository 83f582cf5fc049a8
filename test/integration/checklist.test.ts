import { systemClock } from "../../src/domain/clock.js";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditEvents,
  checklistTasks,
  decisions,
  projectDocuments,
  projects,
} from "../../src/db/schema/index.js";
import {
  instantiateChecklist,
  recordEvidence,
  revalueChecklist,
  STALE_TASK_MESSAGE,
} from "../../src/modules/checklist/service.js";

import {
  apiTokenFor,
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
let officer: { id: string; email: string };
let token: string;
let cookies: Record<string, string>;

/** Until the projects module creates them, a project is a row (title, programme, value, regime, start). */
async function createProject(valuePence: number, title = `Housing support ${valuePence}`) {
  return insertProject(t.database.db, { title, programmeCode: "SP", estimatedValuePence: valuePence });
}

async function addDocument(projectId: string, kind: string, title = kind) {
  const [row] = await asFixture(t.database.db, (tx) =>
    tx.insert(projectDocuments).values({ projectId, kind, title }).returning({ id: projectDocuments.id }),
  );
  if (!row) throw new Error("document not stored");
  return row.id;
}

async function addDecision(projectId: string, documentId: string, bodyCode: string) {
  const [row] = await asFixture(t.database.db, (tx) =>
    tx
      .insert(decisions)
      .values({
        projectId,
        subjectType: "document",
        subjectId: documentId,
        bodyCode,
        decision: "approved",
        decidedOn: "2025-05-01",
        minutesRef: "CSG/2025/05",
        recordedById: officer.id,
      })
      .returning({ id: decisions.id }),
  );
  if (!row) throw new Error("decision not stored");
  return row.id;
}

async function taskRow(projectId: string, key: string) {
  const [row] = await t.database.db
    .select()
    .from(checklistTasks)
    .where(and(eq(checklistTasks.projectId, projectId), eq(checklistTasks.taskKey, key)));
  if (!row) throw new Error(`no task ${key}`);
  return row;
}

interface ApiTask {
  id: string;
  key: string;
  status: string;
  version: number;
  completedOn: string | null;
  plannedOn: string | null;
  notApplicableReason: string | null;
  completedAutomatically: boolean;
  evidenceId: string | null;
  evidenceType: string | null;
  notApplicableByValue: boolean;
}
interface ApiChecklist {
  sections: { number: number; title: string; tasks: ApiTask[] }[];
}

const bearer = (value = token) => ({ authorization: `Bearer ${value}` });

async function apiChecklist(projectId: string) {
  const response = await t.app.inject({ url: `/api/v1/projects/${projectId}/checklist`, headers: bearer() });
  expect(response.statusCode).toBe(200);
  return response.json<ApiChecklist>();
}
async function apiTask(projectId: string, key: string) {
  const found = (await apiChecklist(projectId)).sections.flatMap((s) => s.tasks).find((x) => x.key === key);
  if (!found) throw new Error(`no task ${key}`);
  return found;
}
function patch(projectId: string, taskId: string, payload: Record<string, unknown>) {
  return t.app.inject({
    method: "PATCH",
    url: `/api/v1/projects/${projectId}/checklist/${taskId}`,
    headers: bearer(),
    payload,
  });
}

beforeAll(async () => {
  t = await buildTestApp();
  officer = await createUser(t.services, ["procurement-officer"]);
  token = await apiTokenFor(t.services, officer.id);
  cookies = await signIn(t.app, officer.email);
});
afterAll(async () => t.close());

describe("instantiating the checklist", () => {
  it("creates every Appendix C task once, with the value's irrelevant tasks not applicable", async () => {
    const atOneMillion = await createProject(100_000_000);
    const rows = await t.database.db
      .select()
      .from(checklistTasks)
      .where(eq(checklistTasks.projectId, atOneMillion));
    expect(rows).toHaveLength(46);
    expect(new Set(rows.map((r) => r.taskKey)).size).toBe(46);
    const notApplicable = rows.filter((r) => r.status === "not-applicable").map((r) => r.taskKey);
    expect(notApplicable.sort()).toEqual(["4.3", "7.1", "7.7", "7.9"]);
    expect((await taskRow(atOneMillion, "4.3")).notApplicableReason).toMatch(/over £1,000,000 only/);
    // Again: nothing new.
    const again = await t.database.db.transaction((tx) =>
      instantiateChecklist(tx, { projectId: atOneMillion, estimatedValuePence: 100_000_000 }),
    );
    expect(again).toBe(0);

    const overOneMillion = await createProject(100_000_001);
    const over = await t.database.db
      .select()
      .from(checklistTasks)
      .where(eq(checklistTasks.projectId, overOneMillion));
    expect(over.every((r) => r.status === "not-started")).toBe(true);
  });

  it("completes, at start, the checklist of a project that has none, audited; reading it writes nothing", async () => {
    const [row] = await asFixture(t.database.db, (tx) =>
      tx
        .insert(projects)
        .values({
          title: "No checklist yet",
          programmeCode: "KDAAT",
          estimatedValuePence: 1,
          regime: "PCR2015",
          startedOn: "2025-04-01",
        })
        .returning({ id: projects.id }),
    );
    const id = row?.id ?? "";
    expect((await apiChecklist(id)).sections.flatMap((s) => s.tasks)).toHaveLength(0);
    expect(await t.services.checklist.completeAll()).toBeGreaterThanOrEqual(1);
    expect((await apiChecklist(id)).sections.flatMap((s) => s.tasks)).toHaveLength(46);
    const audit = await t.database.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.entityId, id));
    expect(audit.map((a) => a.action)).toEqual(["completed-from-template"]);
    expect(await t.services.checklist.completeAll()).toBe(0);
  });
});

describe("a change of value", () => {
  it("sets value-bound tasks aside or brings them back, leaving tasks people have touched alone", async () => {
    const projectId = await createProject(100_000_000);
    const sealing = await apiTask(projectId, "7.9");
    await patch(projectId, "7.9", {
      status: "not-applicable",
      notApplicableReason: "Signed by two authorised officers instead",
      version: sealing.version,
    });
    const up = await t.database.db.transaction((tx) =>
      revalueChecklist(tx, { projectId, estimatedValuePence: 150_000_000 }),
    );
    expect(up).toEqual(["4.3", "7.1", "7.7"]);
    expect((await taskRow(projectId, "4.3")).status).toBe("not-started");
    expect((await taskRow(projectId, "7.9")).notApplicableReason).toBe(
      "Signed by two authorised officers instead",
    );
    await patch(projectId, "7.1", {
      status: "in-progress",
      version: (await apiTask(projectId, "7.1")).version,
    });
    const down = await t.database.db.transaction((tx) =>
      revalueChecklist(tx, { projectId, estimatedValuePence: 100_000_000 }),
    );
    expect(down).toEqual(["4.3", "7.7"]);
    expect((await taskRow(projectId, "4.3")).status).toBe("not-applicable");
    expect((await taskRow(projectId, "7.1")).status).toBe("in-progress");
  });
});

describe("evidence completes tasks by itself", () => {
  it("completes the needs assessment task when one is uploaded, and no other", async () => {
    const projectId = await createProject(40_000_000);
    const documentId = await addDocument(projectId, "needs-assessment");
    const completed = await t.database.db.transaction((tx) =>
      recordEvidence(tx, {
        projectId,
        type: "document",
        kind: "needs-assessment",
        id: documentId,
        on: "2025-05-02",
      }),
    );
    expect(completed).toEqual(["1.1"]);
    const task = await taskRow(projectId, "1.1");
    expect(task).toMatchObject({
      status: "completed",
      completedOn: "2025-05-02",
      evidenceType: "document",
      evidenceId: documentId,
      completedAutomatically: true,
      version: 2,
    });
    const rows = await t.database.db
      .select()
      .from(checklistTasks)
      .where(eq(checklistTasks.projectId, projectId));
    expect(rows.filter((r) => r.status === "completed").map((r) => r.taskKey)).toEqual(["1.1"]);

    const audit = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, projectId), eq(auditEvents.action, "completed-automatically")));
    expect(audit).toHaveLength(1);
    expect(audit[0]?.summary).toMatchObject({ taskKeys: ["1.1"] });

    // Evidence that arrives again changes nothing.
    const again = await t.database.db.transaction((tx) =>
      recordEvidence(tx, {
        projectId,
        type: "document",
        kind: "needs-assessment",
        id: documentId,
        on: "2025-06-01",
      }),
    );
    expect(again).toEqual([]);
    expect((await taskRow(projectId, "1.1")).completedOn).toBe("2025-05-02");
  });

  it("completes record and decision tasks, but not a task the value makes irrelevant", async () => {
    const projectId = await createProject(90_000_000);
    const record = await t.database.db.transaction((tx) =>
      recordEvidence(tx, { projectId, type: "record", kind: "advert-live", id: projectId, on: "2025-07-01" }),
    );
    expect(record).toEqual(["5.1"]);
    const businessCase = await addDocument(projectId, "business-case");
    const decisionId = await addDecision(projectId, businessCase, "SP_COMMISSIONING_BODY");
    const approved = await t.database.db.transaction((tx) =>
      recordEvidence(tx, {
        projectId,
        type: "decision",
        kind: "business-case",
        bodyCode: "SP_COMMISSIONING_BODY",
        decision: "approved",
        id: decisionId,
        on: "2025-05-01",
      }),
    );
    // App C 1 task 1.5 needs every approval approvalsFor names (the Core Strategy Group too), each on the
    // latest version, as the gate reads them: the board's alone does not complete it (see project-rules.test.ts).
    expect(approved).toEqual([]);
    expect((await taskRow(projectId, "1.5")).status).toBe("not-started");
    // £900,000: the Procurement Board task is not applicable, so its evidence leaves it alone.
    const board = await t.database.db.transaction((tx) =>
      recordEvidence(tx, {
        projectId,
        type: "decision",
        kind: "procurement-plan",
        bodyCode: "PROCUREMENT_BOARD",
        decision: "approved",
        id: decisionId,
        on: "2025-05-01",
      }),
    );
    expect(board).toEqual([]);
    expect((await taskRow(projectId, "4.3")).status).toBe("not-applicable");
    const rejected = await t.database.db.transaction((tx) =>
      recordEvidence(tx, {
        projectId,
        type: "decision",
        kind: "service-specification-final",
        decision: "rejected",
        id: decisionId,
        on: "2025-05-01",
      }),
    );
    expect(rejected).toEqual([]);
  });

  it("completes the strategy-and-evaluation-plan approval only when both are approved", async () => {
    const projectId = await createProject(200_000_000);
    const strategy = await addDocument(projectId, "procurement-strategy");
    const plan = await addDocument(projectId, "tender-evaluation-plan");
    const first = await addDecision(projectId, strategy, "CSG");
    const one = await t.database.db.transaction((tx) =>
      recordEvidence(tx, {
        projectId,
        type: "decision",
        kind: "procurement-strategy",
        decision: "approved",
        id: first,
        on: "2025-08-01",
      }),
    );
    expect(one).toEqual([]);
    const second = await addDecision(projectId, plan, "CSG");
    const both = await t.database.db.transaction((tx) =>
      recordEvidence(tx, {
        projectId,
        type: "decision",
        kind: "tender-evaluation-plan",
        decision: "approved",
        id: second,
        on: "2025-08-02",
      }),
    );
    expect(both).toEqual(["4.5"]);
    expect(await taskRow(projectId, "4.5")).toMatchObject({ evidenceId: second, completedOn: "2025-08-02" });
  });

  it("does not complete a task someone has already completed by hand", async () => {
    const projectId = await createProject(10_000_000);
    const task = await apiTask(projectId, "2.1");
    expect(
      (
        await patch(projectId, task.id, {
          status: "completed",
          completedOn: "2025-03-03",
          version: task.version,
        })
      ).statusCode,
    ).toBe(200);
    const documentId = await addDocument(projectId, "market-capacity-report");
    const completed = await t.database.db.transaction((tx) =>
      recordEvidence(tx, {
        projectId,
        type: "document",
        kind: "market-capacity-report",
        id: documentId,
        on: "2025-09-09",
      }),
    );
    expect(completed).toEqual([]);
    expect(await taskRow(projectId, "2.1")).toMatchObject({
      completedOn: "2025-03-03",
      completedAutomatically: false,
    });
  });
});

describe("checklist API", () => {
  it("is described in the OpenAPI document", async () => {
    const response = await t.app.inject({ url: "/api/v1/openapi.json" });
    expect(response.statusCode).toBe(200);
    const paths = Object.keys(response.json<{ paths: Record<string, unknown> }>().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/api/v1/projects/{id}/checklist",
        "/api/v1/projects/{id}/checklist/{taskId}",
        "/api/v1/projects/{id}/risks",
        "/api/v1/risks/{id}",
        "/api/v1/projects/{id}/eqia",
        "/api/v1/projects/{id}/eqia/sign-off",
      ]),
    );
  });

  it("answers the eight sections and their tasks (docs/api.md shape)", async () => {
    const projectId = await createProject(100_000_000);
    const checklist = await apiChecklist(projectId);
    expect(checklist.sections.map((s) => [s.number, s.title, s.tasks.length])).toEqual([
      [1, "Business Case", 7],
      [2, "Understanding the Market", 1],
      [3, "Requirement", 6],
      [4, "Sourcing", 6],
      [5, "Competition", 8],
      [6, "Evaluation", 5],
      [7, "Contract Award", 9],
      [8, "Post Contract Award", 4],
    ]);
    const board = checklist.sections[3]?.tasks[2];
    expect(board).toMatchObject({
      key: "4.3",
      text: "Secure approval from Procurement Board",
      evidencedBy: "Approval from Procurement Board",
      status: "not-applicable",
      notApplicableByValue: true,
      applicable: false,
      plannedOn: null,
      completedOn: null,
    });
    expect(checklist.sections[0]?.tasks[0]).toMatchObject({
      key: "1.1",
      status: "not-started",
      completesWhen: "when a needs assessment is uploaded",
    });
  });

  it("refuses a stale version with 409 and changes nothing", async () => {
    const projectId = await createProject(30_000_000);
    const task = await apiTask(projectId, "1.2");
    const first = await patch(projectId, task.key, {
      status: "planned",
      plannedOn: "2025-10-01",
      version: task.version,
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      status: "planned",
      plannedOn: "2025-10-01",
      version: task.version + 1,
    });
    const stale = await patch(projectId, task.id, { status: "completed", version: task.version });
    expect(stale.statusCode).toBe(409);
    expect(stale.headers["content-type"]).toContain("application/problem+json");
    expect(stale.json<{ detail: string }>().detail).toBe(STALE_TASK_MESSAGE);
    const after = await apiTask(projectId, "1.2");
    expect(after).toMatchObject({ status: "planned", plannedOn: "2025-10-01", version: task.version + 1 });
  });

  it("needs a reason for not applicable (400 with the path)", async () => {
    const projectId = await createProject(30_000_000);
    const task = await apiTask(projectId, "1.6");
    const refused = await patch(projectId, task.id, { status: "not-applicable", version: task.version });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ errors: { path: string }[] }>().errors).toEqual([
      { path: "notApplicableReason", message: "Enter why this task is not applicable" },
    ]);
    expect((await apiTask(projectId, "1.6")).version).toBe(task.version);
    const accepted = await patch(projectId, task.id, {
      status: "not-applicable",
      notApplicableReason: "A new service: there is no current provider to give notice to",
      version: task.version,
    });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ status: "not-applicable", notApplicableByValue: false });
  });

  it("completes a task today when no date is given, and refuses dates in the wrong form", async () => {
    const projectId = await createProject(30_000_000);
    const task = await apiTask(projectId, "1.2");
    const completed = await patch(projectId, "1.2", { status: "completed", version: task.version });
    expect(completed.statusCode).toBe(200);
    expect(completed.json()).toMatchObject({
      status: "completed",
      completedOn: systemClock.today(),
      completedAutomatically: false,
    });
    for (const bad of ["2025-02-30", "01/02/2025", "2025-2-1"]) {
      const response = await patch(projectId, "1.3", { status: "planned", plannedOn: bad, version: 1 });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ errors: { path: string }[] }>().errors[0]?.path).toBe("plannedOn");
    }
    const future = await patch(projectId, "1.3", {
      status: "completed",
      completedOn: "2999-01-01",
      version: 1,
    });
    expect(future.statusCode).toBe(400);
    expect(future.json<{ errors: { path: string }[] }>().errors[0]?.path).toBe("completedOn");
  });

  it("links evidence of the same project only", async () => {
    const projectId = await createProject(30_000_000);
    const other = await createProject(30_000_000);
    const theirs = await addDocument(other, "lessons-log");
    const ours = await addDocument(projectId, "lessons-log", "Lessons log, final");
    const refused = await patch(projectId, "8.1", { evidenceId: theirs, version: 1 });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ errors: { path: string }[] }>().errors[0]?.path).toBe("evidenceId");
    const linked = await patch(projectId, "8.1", {
      evidenceId: ours,
      evidenceNote: "Signed by the board",
      version: 1,
    });
    expect(linked.statusCode).toBe(200);
    expect(linked.json()).toMatchObject({
      evidenceId: ours,
      evidenceType: "document",
      evidenceNote: "Signed by the board",
    });
    const audit = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "checklist-task"), eq(auditEvents.action, "updated")));
    expect(audit.some((a) => (a.summary as { projectId?: string }).projectId === projectId)).toBe(true);
  });

  it("answers 404 for an unknown project or task", async () => {
    const projectId = await createProject(30_000_000);
    const missing = await t.app.inject({
      url: "/api/v1/projects/00000000-0000-4000-8000-000000000000/checklist",
      headers: bearer(),
    });
    expect(missing.statusCode).toBe(404);
    expect((await patch(projectId, "9.9", { version: 1 })).statusCode).toBe(404);
  });

  it("is closed to suppliers, providers and anyone without a token; evaluators read but do not change", async () => {
    const projectId = await createProject(30_000_000);
    for (const role of ["supplier-user", "provider-user"] as const) {
      const user = await createUser(t.services, [role]);
      const outsider = await apiTokenFor(t.services, user.id);
      expect(
        (await t.app.inject({ url: `/api/v1/projects/${projectId}/checklist`, headers: bearer(outsider) }))
          .statusCode,
      ).toBe(403);
      const write = await t.app.inject({
        method: "PATCH",
        url: `/api/v1/projects/${projectId}/checklist/1.1`,
        headers: bearer(outsider),
        payload: { status: "completed", version: 1 },
      });
      expect(write.statusCode).toBe(403);
      const page = await t.app.inject({
        url: `/projects/${projectId}/checklist`,
        cookies: await signIn(t.app, user.email),
      });
      expect(page.statusCode).toBe(403);
    }
    expect((await t.app.inject({ url: `/api/v1/projects/${projectId}/checklist` })).statusCode).toBe(401);
    const evaluator = await createUser(t.services, ["evaluator"]);
    const evaluatorToken = await apiTokenFor(t.services, evaluator.id);
    expect(
      (
        await t.app.inject({
          url: `/api/v1/projects/${projectId}/checklist`,
          headers: bearer(evaluatorToken),
        })
      ).statusCode,
    ).toBe(200);
    const write = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/projects/${projectId}/checklist/1.1`,
      headers: bearer(evaluatorToken),
      payload: { status: "completed", version: 1 },
    });
    expect(write.statusCode).toBe(403);
  });
});

describe("checklist pages", () => {
  it("shows a GOV.UK task list per section with status, automatic completion and value reasons", async () => {
    const projectId = await createProject(100_000_000, "Floating support recommissioning");
    const documentId = await addDocument(projectId, "needs-assessment");
    await t.database.db.transaction((tx) =>
      recordEvidence(tx, {
        projectId,
        type: "document",
        kind: "needs-assessment",
        id: documentId,
        on: "2025-05-02",
      }),
    );
    const planned = await apiTask(projectId, "1.3");
    await patch(projectId, "1.3", { status: "planned", plannedOn: "2020-01-31", version: planned.version });

    const response = await t.app.inject({ url: `/projects/${projectId}/checklist`, cookies });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect($("h1").text()).toBe("Procurement checklist");
    expect(
      $("h2.govuk-heading-m")
        .map((_i, el) => $(el).text())
        .get(),
    ).toEqual([
      "1. Business Case",
      "2. Understanding the Market",
      "3. Requirement",
      "4. Sourcing",
      "5. Competition",
      "6. Evaluation",
      "7. Contract Award",
      "8. Post Contract Award",
    ]);
    expect($("ul.govuk-task-list")).toHaveLength(8);
    expect($("li.govuk-task-list__item")).toHaveLength(46);
    const item = (key: string) => $(`#task-${key.replace(".", "-")}`).closest("li");
    expect(item("1.1").find(".govuk-task-list__status").text().trim()).toBe("Completed");
    expect(item("1.1").find(".govuk-task-list__hint").text()).toContain(
      "Completed automatically on 2 May 2025",
    );
    expect(item("1.2").find(".govuk-tag").text().trim()).toBe("Not started");
    expect(item("1.3").find(".govuk-tag--red").text().trim()).toBe("Overdue");
    expect(item("4.3").find(".govuk-task-list__status").text().trim()).toBe("Not applicable");
    expect(item("4.3").find(".govuk-task-list__hint").text()).toMatch(
      /Not needed: the Procurement Board approves procurements over £1,000,000 only/,
    );
    expect(item("1.4").find(".govuk-task-list__hint").text()).toContain("Completes itself when");
    expect(item("1.2").find("a.govuk-task-list__link").attr("href")).toBe(
      `/projects/${projectId}/checklist/1.2`,
    );
    expect($("#progress").text()).toMatch(/completed 1 of 42 tasks/);
    expect($("#progress").text()).toContain("1 task is overdue");
  });

  it("edits a task through the form (Post/Redirect/Get) and shows the change", async () => {
    const projectId = await createProject(30_000_000);
    const page = `/projects/${projectId}/checklist/1.2`;
    const form = html((await t.app.inject({ url: page, cookies })).body);
    expect(form("h1").text()).toContain("Seek views and feedback");
    const { response, cookies: jar } = await postForm(t.app, page, page, cookies, {
      version: String(form('input[name="version"]').val()),
      status: "planned",
      "plannedOn-day": "3",
      "plannedOn-month": "11",
      "plannedOn-year": "2030",
      evidenceNote: "Survey of current service users",
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/projects/${projectId}/checklist#task-1-2`);
    const list = html((await t.app.inject({ url: `/projects/${projectId}/checklist`, cookies: jar })).body);
    expect(list(".govuk-notification-banner--success").text()).toContain("Task 1.2 is now: planned");
    const li = list("#task-1-2").closest("li");
    expect(li.find(".govuk-tag").text().trim()).toBe("Planned");
    expect(li.text()).toContain("Planned for 3 November 2030");
    expect(await taskRow(projectId, "1.2")).toMatchObject({
      plannedOn: "2030-11-03",
      evidenceNote: "Survey of current service users",
    });
  });

  it("shows an error summary and keeps the input when the form is wrong", async () => {
    const projectId = await createProject(30_000_000);
    const page = `/projects/${projectId}/checklist/1.6`;
    const { response, cookies: jar } = await postForm(t.app, page, page, cookies, {
      version: "1",
      status: "not-applicable",
      notApplicableReason: "",
      "plannedOn-day": "31",
      "plannedOn-month": "2",
      "plannedOn-year": "2026",
      evidenceNote: "Kept note",
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(page);
    const $ = html((await t.app.inject({ url: page, cookies: jar })).body);
    expect($("title").text()).toMatch(/^Error: /);
    const summary = $(".govuk-error-summary");
    expect(summary.find('a[href="#plannedOn-day"]').text()).toContain("Planned date must be a real date");
    expect($("#plannedOn-day").val()).toBe("31");
    expect($("#plannedOn-month").val()).toBe("2");
    expect($("#evidenceNote").val()).toBe("Kept note");
    expect($('input[name="status"][value="not-applicable"]').attr("checked")).toBeDefined();

    // With a real date, the missing reason is the one error.
    const second = await postForm(t.app, page, page, cookies, {
      version: "1",
      status: "not-applicable",
      notApplicableReason: "",
    });
    const again = html((await t.app.inject({ url: page, cookies: second.cookies })).body);
    expect(again('.govuk-error-summary a[href="#notApplicableReason"]').text()).toBe(
      "Enter why this task is not applicable",
    );
    expect(again("#notApplicableReason-error").text()).toContain("Enter why this task is not applicable");
    expect((await taskRow(projectId, "1.6")).status).toBe("not-started");
  });

  it("tells the second of two officers editing a task that someone else changed it, keeping their input", async () => {
    const projectId = await createProject(30_000_000);
    const other = await createUser(t.services, ["commissioner"]);
    const otherCookies = await signIn(t.app, other.email);
    const page = `/projects/${projectId}/checklist/3.1`;
    // Both open the form at version 1.
    const mine = html((await t.app.inject({ url: page, cookies })).body);
    const theirs = html((await t.app.inject({ url: page, cookies: otherCookies })).body);
    expect(mine('input[name="version"]').val()).toBe("1");
    expect(theirs('input[name="version"]').val()).toBe("1");

    const first = await postForm(t.app, page, page, otherCookies, {
      version: "1",
      status: "in-progress",
      evidenceNote: "Drafting with partners",
    });
    expect(first.response.headers.location).toContain("/checklist#task-3-1");

    const second = await postForm(t.app, page, page, cookies, {
      version: "1",
      status: "completed",
      "completedOn-day": "1",
      "completedOn-month": "4",
      "completedOn-year": "2025",
      evidenceNote: "Draft specification agreed with the JCG",
    });
    expect(second.response.statusCode).toBe(303);
    expect(second.response.headers.location).toBe(page);
    const $ = html((await t.app.inject({ url: page, cookies: second.cookies })).body);
    expect($(".govuk-error-summary").text()).toContain(
      "Someone else changed this task while you were editing it",
    );
    expect($('.govuk-error-summary a[href="#current"]')).toHaveLength(1);
    expect($("#saved-now").text()).toContain("In progress");
    expect($("#saved-now").text()).toContain("Drafting with partners");
    expect($('input[name="status"][value="completed"]').attr("checked")).toBeDefined();
    expect($("#completedOn-day").val()).toBe("1");
    expect($("#completedOn-month").val()).toBe("4");
    expect($("#completedOn-year").val()).toBe("2025");
    expect($("#evidenceNote").val()).toBe("Draft specification agreed with the JCG");
    // The form now carries the saved version: sending it again is a deliberate overwrite.
    expect($('input[name="version"]').val()).toBe("2");
    expect(await taskRow(projectId, "3.1")).toMatchObject({
      status: "in-progress",
      evidenceNote: "Drafting with partners",
    });

    const resend = await postForm(t.app, page, page, cookies, {
      version: "2",
      status: "completed",
      "completedOn-day": "1",
      "completedOn-month": "4",
      "completedOn-year": "2025",
      evidenceNote: "Draft specification agreed with the JCG",
    });
    expect(resend.response.headers.location).toContain("/checklist#task-3-1");
    expect(await taskRow(projectId, "3.1")).toMatchObject({ status: "completed", completedOn: "2025-04-01" });
  });

  it("says on the edit page that a task completed automatically, and keeps its evidence when saved", async () => {
    const projectId = await createProject(30_000_000);
    await t.database.db.transaction((tx) =>
      recordEvidence(tx, {
        projectId,
        type: "record",
        kind: "risk-register-started",
        id: projectId,
        on: "2025-06-06",
      }),
    );
    const page = `/projects/${projectId}/checklist/1.7`;
    const $ = html((await t.app.inject({ url: page, cookies })).body);
    expect($("#completed-automatically").text()).toContain("completed automatically on 6 June 2025");
    expect($("#evidenceId").val()).toBe(projectId);
    const { response } = await postForm(t.app, page, page, cookies, {
      version: String($('input[name="version"]').val()),
      status: "completed",
      "completedOn-day": "6",
      "completedOn-month": "6",
      "completedOn-year": "2025",
      evidenceId: projectId,
      evidenceNote: "Register on the team site",
    });
    expect(response.headers.location).toContain("#task-1-7");
    expect(await taskRow(projectId, "1.7")).toMatchObject({
      evidenceType: "record",
      evidenceId: projectId,
      completedAutomatically: true,
      evidenceNote: "Register on the team site",
    });
  });

  it("keeps a value-bound task's reason when its form is saved unchanged", async () => {
    const projectId = await createProject(100_000_000);
    const page = `/projects/${projectId}/checklist/4.3`;
    const $ = html((await t.app.inject({ url: page, cookies })).body);
    expect($("#not-applicable-by-value").text()).toContain("over £1,000,000 only");
    const { response } = await postForm(t.app, page, page, cookies, {
      version: String($('input[name="version"]').val()),
      status: "not-applicable",
      notApplicableReason: String($("#notApplicableReason").val()),
    });
    expect(response.headers.location).toContain("#task-4-3");
    expect((await apiTask(projectId, "4.3")).notApplicableByValue).toBe(true);
  });

  it("prints as an annex with a print stylesheet", async () => {
    const projectId = await createProject(250_000_000, "Substance misuse treatment");
    const response = await t.app.inject({ url: `/projects/${projectId}/checklist/print`, cookies });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect($("h1").text()).toBe("Procurement checklist: Substance misuse treatment");
    expect($('link[rel="stylesheet"][href="/stylesheets/checklist-print.css"]')).toHaveLength(1);
    expect(
      $("#checklist-annex thead th")
        .map((_i, el) => $(el).text())
        .get(),
    ).toEqual(["Task", "Evidenced by", "Status", "Planned", "Completed"]);
    expect($("#checklist-annex tbody tr[data-task]")).toHaveLength(46);
    expect($("#checklist-annex tbody th[scope=colgroup]")).toHaveLength(8);
    expect($('tr[data-task="4.2"]').text()).toContain("competitive or non-competitive");
    expect($(".app-annex-facts").text()).toContain("£2,500,000.00");
    // The programme and stage by name, not their codes.
    const facts = Object.fromEntries(
      $(".app-annex-facts > div")
        .toArray()
        .map((row) => [$(row).find("dt").text().trim(), $(row).find("dd").text().trim()]),
    );
    expect(facts.Programme).toBe("Supporting People");
    expect(facts.Stage).toBe("Stage 1: Needs assessment, contract monitoring and service evaluation");
    const css = await t.app.inject({ url: "/stylesheets/checklist-print.css" });
    expect(css.statusCode).toBe(200);
    expect(css.headers["content-type"]).toContain("text/css");
    expect(css.body).toContain("@media print");
  });

  it("downloads the annex as a PDF, linked from the checklist page", async () => {
    const projectId = await createProject(250_000_000, "Substance misuse: treatment & recovery");
    const page = html((await t.app.inject({ url: `/projects/${projectId}/checklist`, cookies })).body);
    expect(page("a#pdf-link").attr("href")).toBe(`/projects/${projectId}/checklist.pdf`);
    const response = await t.app.inject({ url: `/projects/${projectId}/checklist.pdf`, cookies });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/pdf");
    expect(response.headers["content-disposition"]).toBe(
      'attachment; filename="checklist-substance-misuse-treatment-recovery.pdf"',
    );
    expect(response.rawPayload.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(response.rawPayload.length).toBeGreaterThan(2000);
    expect((await t.app.inject({ url: "/projects/not-a-uuid/checklist.pdf", cookies })).statusCode).toBe(404);
    const supplier = await createUser(t.services, ["supplier-user"]);
    const refused = await t.app.inject({
      url: `/projects/${projectId}/checklist.pdf`,
      cookies: await signIn(t.app, supplier.email),
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers["content-type"]).not.toBe("application/pdf");
    expect((await t.app.inject({ url: `/projects/${projectId}/checklist.pdf` })).statusCode).toBe(303);
  });

  it("answers 404 for an unknown project or task, and sends a visitor to sign in", async () => {
    expect((await t.app.inject({ url: "/projects/not-a-uuid/checklist", cookies })).statusCode).toBe(404);
    const projectId = await createProject(30_000_000);
    expect((await t.app.inject({ url: `/projects/${projectId}/checklist/12.1`, cookies })).statusCode).toBe(
      404,
    );
    const visitor = await t.app.inject({ url: `/projects/${projectId}/checklist` });
    expect(visitor.statusCode).toBe(303);
    expect(visitor.headers.location).toContain("/sign-in?next=");
  });
});
