import { systemClock } from "../../src/domain/clock.js";
import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, checklistTasks, projects } from "../../src/db/schema/index.js";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import { recordAudit } from "../../src/modules/audit/service.js";

import {
  addMembership,
  apiTokenFor,
  buildTestApp,
  cookiesFrom,
  createUser,
  formToken,
  html,
  postForm,
  signIn,
  type TestApp,
  multipart,
  createProjectThroughApi,
  asFixture,
} from "../helpers.js";

/** Sets a checklist task's fields directly, as if an officer had planned it long ago. */
async function setTask(
  projectId: string,
  taskKey: string,
  values: Partial<typeof checklistTasks.$inferInsert>,
) {
  const updated = await asFixture(t.database.db, (tx) =>
    tx
      .update(checklistTasks)
      .set(values)
      .where(and(eq(checklistTasks.projectId, projectId), eq(checklistTasks.taskKey, taskKey)))
      .returning({ id: checklistTasks.id }),
  );
  if (updated.length !== 1) throw new Error(`no checklist task ${taskKey}`);
}

let t: TestApp;
let commissionerId: string;
let commissionerName: string;
let commissioner: Record<string, string>;
let token: string;
let boardMemberToken: string;
let clerkToken: string;

const auth = (bearer = token) => ({ authorization: `Bearer ${bearer}` });
const pdf = (text = "needs") =>
  Buffer.from(
    `%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\n% ${text} ${randomBytes(4).toString("hex")}\ntrailer<<>>\n%%EOF\n`,
  );

interface ProjectJson {
  id: string;
  title: string;
  programmeCode: string;
  programmeCodes: string[];
  stage: number | "closed";
  regime: string;
  estimatedValuePence: number;
  version: number;
  leadCommissionerId: string | null;
  startedOn: string;
  outcome: string;
  gate: { canAdvance: boolean; nextStage: number | "closed" | null; missing: Record<string, unknown>[] };
  overdue?: boolean;
}

async function createProject(body: Record<string, unknown> = {}): Promise<ProjectJson> {
  return createProjectThroughApi<ProjectJson>(t.app, token, body);
}

async function getProject(id: string): Promise<ProjectJson> {
  const response = await t.app.inject({ url: `/api/v1/projects/${id}`, headers: auth() });
  expect(response.statusCode).toBe(200);
  return response.json<ProjectJson>();
}

async function upload(projectId: string, kind: string, title: string, data = pdf()) {
  const form = multipart([
    { name: "kind", value: kind },
    { name: "title", value: title },
    { name: "file", filename: `${kind}.pdf`, contentType: "application/pdf", data },
  ]);
  const response = await t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${projectId}/documents`,
    headers: { ...auth(), ...form.headers },
    payload: form.payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string; version: number }>();
}

/** Recorded by the bodies' clerk: the commissioner who leads the project may not (decision-authority.ts). */
async function approve(projectId: string, subjectId: string, bodyCode: string, bearer = clerkToken) {
  const response = await t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${projectId}/decisions`,
    headers: auth(bearer),
    payload: {
      subjectId,
      bodyCode,
      decision: "approved",
      decidedOn: "2025-04-01",
      minutesRef: `${bodyCode}/2025/04/${randomBytes(2).toString("hex")}`,
    },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>();
}

const STAGE_1_MISSING_KDAAT = [
  { output: "needs-assessment", kind: "document", reason: "Upload the needs assessment", paragraph: "§3.4" },
  {
    output: "needs-assessment",
    kind: "approval",
    bodyCode: "JCG",
    reason: "The needs assessment must be approved by the Joint Commissioning Groups (JCG)",
    paragraph: "§3.4",
  },
  {
    output: "needs-assessment",
    kind: "approval",
    bodyCode: "KDAAT_BOARD",
    reason: "The needs assessment must be approved by the KDAAT Board",
    paragraph: "§3.4",
  },
];

beforeAll(async () => {
  t = await buildTestApp();
  const user = await createUser(t.services, ["commissioner"]);
  commissionerId = user.id;
  commissionerName = user.name;
  commissioner = await signIn(t.app, user.email);
  token = await apiTokenFor(t.services, user.id);
  // A member of the KDAAT Board, who records the Board's decisions in their own name.
  const member = await createUser(t.services, ["board-member"]);
  await addMembership(t.database, "KDAAT_BOARD", member.id, "member");
  boardMemberToken = await apiTokenFor(t.services, member.id);
  // The clerk of the Joint Commissioning Groups, who records its decisions on its behalf.
  const clerk = await createUser(t.services, ["authorised-officer"]);
  await addMembership(t.database, "JCG", clerk.id, "officer");
  clerkToken = await apiTokenFor(t.services, clerk.id);
});
afterAll(async () => t.close());

describe("projects API: create, read, list", () => {
  it("starts a project at Stage 1 with the creator as lead and the regime in force today", async () => {
    const project = await createProject({
      title: "Adult substance misuse treatment",
      description: "Recommission",
    });
    expect(project).toMatchObject({
      title: "Adult substance misuse treatment",
      programmeCode: "KDAAT",
      programmeCodes: [],
      stage: 1,
      estimatedValuePence: 75_000_000,
      version: 1,
      leadCommissionerId: commissionerId,
      startedOn: systemClock.today(),
      outcome: "open",
      gate: { canAdvance: false, nextStage: 2, missing: STAGE_1_MISSING_KDAAT },
    });
    expect(project.regime).toBe(systemClock.today() >= "2025-02-24" ? "PA2023" : "PCR2015");
    expect(await getProject(project.id)).toEqual(project);
  });

  it.each([
    ["2025-02-24", "PA2023"],
    ["2025-02-23", "PCR2015"],
    ["2015-02-26", "PCR2015"],
    ["2015-02-25", "PCR2006"],
    ["2010-06-01", "PCR2006"],
  ])("defaults the regime from the start date %s to %s", async (startedOn, regime) => {
    const project = await createProject({ startedOn });
    expect(project.regime).toBe(regime);
    expect(project.startedOn).toBe(startedOn);
  });

  it("keeps a chosen regime, joint programmes (without the lead) and a named lead", async () => {
    const other = await createUser(t.services, ["commissioner"]);
    const project = await createProject({
      programmeCode: "SP",
      programmeCodes: ["KDAAT", "SP", "KDAAT"],
      regime: "PCR2015",
      leadCommissionerId: other.id,
      contractMonths: 36,
    });
    expect(project).toMatchObject({ programmeCode: "SP", programmeCodes: ["KDAAT"], regime: "PCR2015" });
    expect(project.leadCommissionerId).toBe(other.id);
    // Joint commissioning: both partnerships' groups and boards approve the needs assessment (§2.1, §3.4).
    expect(project.gate.missing.map((m) => m.bodyCode ?? m.output)).toEqual([
      "needs-assessment",
      "CSG",
      "JCG",
      "SP_COMMISSIONING_BODY",
      "KDAAT_BOARD",
    ]);
  });

  it.each([
    [{ programmeCode: "XX" }, "programmeCode"],
    [{ title: "" }, "title"],
    [{ estimatedValuePence: 1.5 }, "estimatedValuePence"],
    [{ estimatedValuePence: -1 }, "estimatedValuePence"],
    [{ startedOn: "2025-02-30" }, "startedOn"],
    [{ regime: "PCR1999" }, "regime"],
    [{ leadCommissionerId: "5b1f4a52-3f0e-4a6e-9d5c-9d1b1c1d1e1f" }, "leadCommissionerId"],
  ])("refuses %j with 400 naming %s", async (body, path) => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/projects",
      headers: auth(),
      payload: { title: "Bad", programmeCode: "KDAAT", estimatedValuePence: 100, ...body },
    });
    expect(response.statusCode).toBe(400);
    const problem = response.json<{ errors: { path: string }[] }>();
    expect(problem.errors.map((e) => e.path)).toContain(path);
  });

  it("lists and filters by programme (lead or joint), stage and overdue checklist tasks", async () => {
    const tag = randomBytes(3).toString("hex");
    const ksas = await createProject({ title: `KSAS ${tag}`, programmeCode: "KSAS" });
    const joint = await createProject({
      title: `Joint ${tag}`,
      programmeCode: "KSE",
      programmeCodes: ["KSAS"],
    });
    const late = await createProject({ title: `Late ${tag}`, programmeCode: "KSE" });
    await asFixture(t.database.db, (tx) =>
      tx.update(projects).set({ stage: "3" }).where(eq(projects.id, joint.id)),
    );
    // Every project gets the Appendix C checklist when it is created: plan task 1.1 on each.
    await setTask(late.id, "1.1", { status: "planned", plannedOn: "2020-01-01" });
    await setTask(joint.id, "1.1", {
      status: "completed",
      plannedOn: "2020-01-01",
      completedOn: "2020-01-02",
    });
    await setTask(ksas.id, "1.1", { status: "planned", plannedOn: "2999-01-01" });
    const list = async (query: string) => {
      const response = await t.app.inject({ url: `/api/v1/projects?limit=500&${query}`, headers: auth() });
      expect(response.statusCode, response.body).toBe(200);
      return response
        .json<{ items: ProjectJson[] }>()
        .items.filter((p) => p.title.endsWith(tag))
        .map((p) => p.title.split(" ")[0])
        .sort();
    };
    expect(await list("")).toEqual(["Joint", "KSAS", "Late"]);
    expect(await list("programmeCode=KSAS")).toEqual(["Joint", "KSAS"]);
    expect(await list("programme=KSE")).toEqual(["Joint", "Late"]);
    expect(await list("stage=3")).toEqual(["Joint"]);
    expect(await list("stage=1&programmeCode=KSE")).toEqual(["Late"]);
    expect(await list("overdue=true")).toEqual(["Late"]);
    const all = await t.app.inject({ url: "/api/v1/projects?limit=500", headers: auth() });
    expect(all.json<{ items: ProjectJson[] }>().items.find((p) => p.id === late.id)?.overdue).toBe(true);
    expect((await t.app.inject({ url: "/api/v1/projects?stage=9", headers: auth() })).statusCode).toBe(400);
  });

  it("pages with a cursor", async () => {
    await createProject();
    await createProject();
    const first = await t.app.inject({ url: "/api/v1/projects?limit=1", headers: auth() });
    const page1 = first.json<{ items: ProjectJson[]; nextCursor?: string }>();
    expect(page1.items).toHaveLength(1);
    expect(page1.nextCursor).toBeTruthy();
    const second = await t.app.inject({
      url: `/api/v1/projects?limit=1&cursor=${page1.nextCursor ?? ""}`,
      headers: auth(),
    });
    const page2 = second.json<{ items: ProjectJson[] }>();
    expect(page2.items[0]?.id).not.toBe(page1.items[0]?.id);
  });

  it("answers 404 for an unknown project and 400 for a malformed id", async () => {
    expect(
      (await t.app.inject({ url: `/api/v1/projects/${crypto.randomUUID()}`, headers: auth() })).statusCode,
    ).toBe(404);
    expect((await t.app.inject({ url: "/api/v1/projects/not-an-id", headers: auth() })).statusCode).toBe(400);
  });

  it("shows the 404 page for an unknown or malformed project id on the pages", async () => {
    for (const url of [
      `/projects/${crypto.randomUUID()}`,
      "/projects/not-an-id",
      "/projects/not-an-id/edit",
      "/projects/not-an-id/timeline",
      "/projects/not-an-id/reject",
      `/projects/not-an-id/documents/${crypto.randomUUID()}/versions/1`,
    ]) {
      const page = await t.app.inject({ url, cookies: commissioner });
      expect(page.statusCode, url).toBe(404);
      expect(html(page.body)("h1").text(), url).toContain("Page not found");
    }
  });
});

describe("PATCH with optimistic locking", () => {
  it("changes the project and bumps its version", async () => {
    const project = await createProject();
    const response = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/projects/${project.id}`,
      headers: auth(),
      payload: { version: 1, title: "Renamed", estimatedValuePence: 150_000_000, contractMonths: 60 },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<ProjectJson>()).toMatchObject({
      title: "Renamed",
      estimatedValuePence: 150_000_000,
      version: 2,
    });
  });

  it("refuses a stale version with 409 and changes nothing", async () => {
    const project = await createProject({ title: "Original" });
    await t.app.inject({
      method: "PATCH",
      url: `/api/v1/projects/${project.id}`,
      headers: auth(),
      payload: { version: 1, description: "first writer" },
    });
    const stale = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/projects/${project.id}`,
      headers: auth(),
      payload: { version: 1, title: "Second writer" },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.headers["content-type"]).toContain("application/problem+json");
    expect(stale.json<{ detail: string; currentVersion: number }>()).toMatchObject({ currentVersion: 2 });
    expect(stale.json<{ detail: string }>().detail).toContain("Someone else changed this project");
    const after = await getProject(project.id);
    expect(after).toMatchObject({ title: "Original", version: 2 });
  });

  it("requires the version", async () => {
    const project = await createProject();
    const response = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/projects/${project.id}`,
      headers: auth(),
      payload: { title: "No version" },
    });
    expect(response.statusCode).toBe(400);
  });
});

describe("advance through the Stage 1 gate (§3.4)", () => {
  it("refuses with the exact missing list and changes nothing; then advances once the latest version is approved", async () => {
    const project = await createProject({ title: "Gate journey" });
    const refused = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${project.id}/advance`,
      headers: auth(),
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ missing: unknown[] }>().missing).toEqual(STAGE_1_MISSING_KDAAT);
    expect(await getProject(project.id)).toMatchObject({ stage: 1, version: 1 });

    const na = await upload(project.id, "needs-assessment", "Substance misuse needs assessment 2025");
    await approve(project.id, na.id, "JCG");
    const stillMissing = await getProject(project.id);
    expect(stillMissing.gate.missing).toEqual([
      expect.objectContaining({
        output: "needs-assessment",
        bodyCode: "KDAAT_BOARD",
        version: 1,
        paragraph: "§3.4",
      }),
    ]);
    await approve(project.id, na.id, "KDAAT_BOARD", boardMemberToken);
    expect((await getProject(project.id)).gate.canAdvance).toBe(true);

    const advanced = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${project.id}/advance`,
      headers: auth(),
      payload: { version: 1 },
    });
    expect(advanced.statusCode, advanced.body).toBe(200);
    expect(advanced.json()).toEqual({ stage: 2, version: 2 });
    const now = await getProject(project.id);
    expect(now.stage).toBe(2);
    expect(now.gate.nextStage).toBe(3);
    expect(now.gate.missing.map((m) => m.output)).toContain("eqia-screening");

    // The timeline lists these events, oldest first.
    const timeline = await t.app.inject({ url: `/api/v1/projects/${project.id}/timeline`, headers: auth() });
    expect(timeline.statusCode).toBe(200);
    const items = timeline.json<{ items: { at: string; actor: string; action: string; summary: string }[] }>()
      .items;
    expect(items.map((i) => i.action)).toEqual([
      "project.created",
      "document.uploaded",
      // The needs assessment completes checklist task 1.1 by itself (App C 1).
      "checklist.completed-automatically",
      "decision.recorded",
      "decision.recorded",
      "project.advanced",
    ]);
    expect(items[0]?.actor).toBe(commissionerName);
    expect(items[0]?.summary).toContain("Gate journey");
    expect(items[1]?.summary).toBe(
      "Uploaded the needs assessment “Substance misuse needs assessment 2025”, version 1",
    );
    expect(items[3]?.summary).toMatch(
      /^The Joint Commissioning Groups \(JCG\) approved the needs assessment/,
    );
    expect(items[4]?.summary).toMatch(/^The KDAAT Board approved/);
    expect(items[5]?.summary).toBe("Moved the project from stage 1 to stage 2");
    const times = items.map((i) => i.at);
    expect([...times].sort()).toEqual(times);
    expect(times[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it("makes an approval stale when a new version of the needs assessment is uploaded", async () => {
    const project = await createProject();
    const na = await upload(project.id, "needs-assessment", "Needs assessment");
    await approve(project.id, na.id, "JCG");
    await approve(project.id, na.id, "KDAAT_BOARD", boardMemberToken);
    expect((await getProject(project.id)).gate.canAdvance).toBe(true);
    const v2 = await upload(project.id, "needs-assessment", "NEEDS ASSESSMENT", pdf("second"));
    expect(v2).toMatchObject({ id: na.id, version: 2 });
    const gate = (await getProject(project.id)).gate;
    expect(gate.canAdvance).toBe(false);
    expect(gate.missing).toEqual([
      expect.objectContaining({
        bodyCode: "JCG",
        version: 2,
        reason: expect.stringContaining("its approval was of version 1") as unknown,
      }),
      expect.objectContaining({ bodyCode: "KDAAT_BOARD", version: 2 }),
    ]);
    const refused = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${project.id}/advance`,
      headers: auth(),
    });
    expect(refused.statusCode).toBe(409);
  });

  it("refuses to advance with a stale version", async () => {
    const project = await createProject();
    const response = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${project.id}/advance`,
      headers: auth(),
      payload: { version: 7 },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json<{ currentVersion: number }>().currentVersion).toBe(1);
  });
});

describe("a rejected recommendation ends the procurement (§3.17)", () => {
  it("is refused before Stage 4", async () => {
    const project = await createProject();
    const response = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${project.id}/reject`,
      headers: auth(),
      payload: { reason: "No bid met the quality threshold" },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json<{ detail: string }>().detail).toContain("Stage 4");
  });

  it.each([
    [200_000_000, true],
    [50_000_000, false],
  ])(
    "at Stage 4 with value %i pence records the outcome (cost avoidance paper required: %s)",
    async (value, required) => {
      const project = await createProject({ estimatedValuePence: value });
      await asFixture(t.database.db, (tx) =>
        tx.update(projects).set({ stage: "4" }).where(eq(projects.id, project.id)),
      );
      const response = await t.app.inject({
        method: "POST",
        url: `/api/v1/projects/${project.id}/reject`,
        headers: auth(),
        payload: { reason: "No bid met the quality threshold" },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        stage: "closed",
        outcome: "rejected",
        costAvoidancePaper: { required },
      });
      const after = await getProject(project.id);
      expect(after).toMatchObject({ stage: "closed", outcome: "rejected" });
      expect(after.gate).toMatchObject({ canAdvance: false, nextStage: null });
      const page = html((await t.app.inject({ url: `/projects/${project.id}`, cookies: commissioner })).body);
      expect(page("#rejected").text()).toContain("No bid met the quality threshold");
      expect(page("#cost-avoidance-paper")).toHaveLength(required ? 1 : 0);
    },
  );
});

describe("project pages", () => {
  it("starts a project through the form (value in pounds) and shows its home page", async () => {
    const { response, cookies } = await postForm(t.app, "/projects/new", "/projects", commissioner, {
      title: "Housing-related support for young people",
      programmeCode: "SP",
      estimatedValue: "£1,250,000.50",
      contractMonths: "36",
      "startedOn-day": "1",
      "startedOn-month": "4",
      "startedOn-year": "2025",
      regime: "",
      description: "",
    });
    expect(response.statusCode).toBe(303);
    const location = String(response.headers.location);
    expect(location).toMatch(/^\/projects\/[0-9a-f-]{36}$/);
    const page = await t.app.inject({ url: location, cookies });
    expect(page.statusCode).toBe(200);
    const $ = html(page.body);
    expect($(".govuk-notification-banner--success").text()).toContain("has been started at Stage 1");
    expect($("h1").text()).toBe("Housing-related support for young people");
    expect($("#stage .govuk-tag").text().trim()).toBe("Stage 1");
    expect($("#gate").text()).toContain("What is needed to move to stage 2");
    const missing = $("#missing li")
      .map((_i, el) => $(el).text().replace(/\s+/g, " ").trim())
      .get();
    expect(missing).toEqual([
      "Upload the needs assessment (§3.4)",
      "The needs assessment must be approved by the Core Strategy Group (CSG) (§3.4)",
      "The needs assessment must be approved by the SP Commissioning Body (§3.4)",
    ]);
    expect($("#nothing-overdue").text()).toContain("Nothing is overdue");
    const decisions = $("#next-decisions").nextUntil("h2").text();
    expect(decisions).toContain("Core Strategy Group");
    expect(decisions).toContain("SP Commissioning Body");
    expect(decisions).toContain("Approve the needs assessment, once it is uploaded (§3.4)");
    const details = $("#project-details").text();
    expect(details).toContain("£1,250,000.50");
    expect(details).toContain("36 months");
    expect(details).toContain("Procurement Act 2023");
    expect(details).toContain("Supporting People");
    expect(details).not.toContain("PA2023");
    expect($("#project-programmes").text()).toBe("Supporting People · Procurement Act 2023");
    expect(details).toContain("1 April 2025");
    expect($("button#advance").text()).toContain("Move to stage 2");
    // The upload form, on the documents page, sends its CSRF token first, then kind, title and file.
    const documents = html((await t.app.inject({ url: `${location}/documents`, cookies })).body);
    const fields = documents(`form[enctype="multipart/form-data"] [name]`)
      .map((_i, el) => documents(el).attr("name"))
      .get();
    expect(fields.slice(0, 4)).toEqual(["_csrf", "kind", "title", "file"]);
  });

  it("refuses a bad form with an error summary, keeping what was typed", async () => {
    const { response, cookies } = await postForm(t.app, "/projects/new", "/projects", commissioner, {
      title: "",
      programmeCode: "KDAAT",
      estimatedValue: "12.345",
      contractMonths: "three",
      "startedOn-day": "30",
      "startedOn-month": "2",
      "startedOn-year": "2025",
    });
    expect(response.headers.location).toBe("/projects/new");
    const $ = html((await t.app.inject({ url: "/projects/new", cookies })).body);
    expect($("title").text()).toMatch(/^Error: /);
    const summary = $(".govuk-error-summary");
    expect(summary.find('a[href="#title"]').text()).toContain("Enter the project's title");
    expect(summary.find('a[href="#estimatedValue"]').text()).toContain("2 numbers after the decimal point");
    expect(summary.find('a[href="#contractMonths"]').text()).toContain("whole number of months");
    expect(summary.find('a[href="#startedOn-day"]').text()).toContain("real date");
    expect($("#estimatedValue").val()).toBe("12.345");
    expect($("#contractMonths").val()).toBe("three");
    expect($("#programmeCode option[selected]").val()).toBe("KDAAT");
  });

  it("lists projects with filters", async () => {
    const project = await createProject({ title: "Listed KSAS project", programmeCode: "KSAS" });
    const $ = html(
      (await t.app.inject({ url: "/projects?programme=KSAS&stage=1", cookies: commissioner })).body,
    );
    expect($("h1").text()).toBe("Commissioning projects");
    const row = $("#projects tbody tr").filter((_i, el) => $(el).text().includes("Listed KSAS project"));
    expect(row).toHaveLength(1);
    expect(row.find("a").attr("href")).toBe(`/projects/${project.id}`);
    expect(row.text()).toContain("Stage 1");
    expect($("#programme option[selected]").val()).toBe("KSAS");
    const none = html(
      (await t.app.inject({ url: "/projects?programme=KSAS&stage=5", cookies: commissioner })).body,
    );
    expect(none("#no-projects").text()).toContain("No projects match");
  });

  it("on a stale edit says so clearly, keeps the input, and saves when sent again", async () => {
    const project = await createProject({ title: "Edited twice" });
    const { csrf, cookies } = await formToken(t.app, `/projects/${project.id}/edit`, commissioner);
    const editPage = html((await t.app.inject({ url: `/projects/${project.id}/edit`, cookies })).body);
    expect(editPage('input[name="version"]').val()).toBe("1");
    expect(editPage("#estimatedValue").val()).toBe("750,000");
    // Someone else saves first.
    await t.app.inject({
      method: "PATCH",
      url: `/api/v1/projects/${project.id}`,
      headers: auth(),
      payload: { version: 1, title: "Changed by someone else" },
    });
    const form = new URLSearchParams({
      _csrf: csrf,
      version: "1",
      title: "My careful title",
      programmeCode: "KDAAT",
      estimatedValue: "800,000",
      description: "My long description",
      "startedOn-day": "1",
      "startedOn-month": "5",
      "startedOn-year": "2025",
    });
    const stale = await t.app.inject({
      method: "POST",
      url: `/projects/${project.id}/edit`,
      cookies,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: form.toString(),
    });
    expect(stale.statusCode).toBe(303);
    expect(stale.headers.location).toBe(`/projects/${project.id}/edit`);
    const jar = cookiesFrom(stale, cookies);
    const $ = html((await t.app.inject({ url: `/projects/${project.id}/edit`, cookies: jar })).body);
    expect($(".govuk-error-summary").text()).toContain("Someone else changed this project");
    expect($("#current-details").text()).toContain("Changed by someone else");
    expect($("#title").val()).toBe("My careful title");
    expect($("#description").val()).toBe("My long description");
    expect($("#estimatedValue").val()).toBe("800,000");
    expect($('input[name="version"]').val()).toBe("2");
    expect(await getProject(project.id)).toMatchObject({ title: "Changed by someone else", version: 2 });

    const again = await postForm(t.app, `/projects/${project.id}/edit`, `/projects/${project.id}/edit`, jar, {
      version: "2",
      title: "My careful title",
      programmeCode: "KDAAT",
      estimatedValue: "800,000",
      description: "My long description",
      "startedOn-day": "1",
      "startedOn-month": "5",
      "startedOn-year": "2025",
    });
    expect(again.response.headers.location).toBe(`/projects/${project.id}`);
    expect(await getProject(project.id)).toMatchObject({
      title: "My careful title",
      estimatedValuePence: 80_000_000,
      startedOn: "2025-05-01",
      version: 3,
    });
  });

  it("the Move to stage button shows the missing list as an error summary, then advances once approved", async () => {
    const project = await createProject({ title: "Page advance" });
    const refused = await postForm(
      t.app,
      `/projects/${project.id}`,
      `/projects/${project.id}/advance`,
      commissioner,
      {
        version: "1",
      },
    );
    expect(refused.response.headers.location).toBe(`/projects/${project.id}`);
    let $ = html((await t.app.inject({ url: `/projects/${project.id}`, cookies: refused.cookies })).body);
    const summary = $(".govuk-error-summary li")
      .map((_i, el) => $(el).text().trim())
      .get();
    expect(summary).toEqual([
      "Upload the needs assessment (§3.4)",
      "The needs assessment must be approved by the Joint Commissioning Groups (JCG) (§3.4)",
      "The needs assessment must be approved by the KDAAT Board (§3.4)",
    ]);
    expect($('.govuk-error-summary a[href="#gate"]')).toHaveLength(3);
    expect((await getProject(project.id)).stage).toBe(1);

    const na = await upload(project.id, "needs-assessment", "Needs assessment");
    await approve(project.id, na.id, "JCG");
    await approve(project.id, na.id, "KDAAT_BOARD", boardMemberToken);
    $ = html((await t.app.inject({ url: `/projects/${project.id}`, cookies: commissioner })).body);
    expect($("#gate-ready").text()).toContain("Everything needed to move on is in place");
    const done = await postForm(
      t.app,
      `/projects/${project.id}`,
      `/projects/${project.id}/advance`,
      commissioner,
      {
        version: "1",
      },
    );
    $ = html((await t.app.inject({ url: `/projects/${project.id}`, cookies: done.cookies })).body);
    expect($(".govuk-notification-banner--success").text()).toContain("moved to stage 2");
    expect($("#stage .govuk-tag").text().trim()).toBe("Stage 2");
    expect($("#gate").text()).toContain("move to stage 3");

    const timeline = html(
      (await t.app.inject({ url: `/projects/${project.id}/timeline`, cookies: commissioner })).body,
    );
    // MOJ Frontend's timeline component, with its stylesheet.
    const entries = timeline("#timeline.moj-timeline .moj-timeline__item .moj-timeline__title")
      .map((_i, el) => timeline(el).text().trim())
      .get();
    expect(entries[0]).toContain("Started the project “Page advance”");
    expect(entries.at(-1)).toBe("Moved the project from stage 1 to stage 2");
    expect(timeline(".moj-timeline__item .moj-timeline__byline").first().text()).toContain(commissionerName);
    expect(timeline(".moj-timeline__item time").first().attr("datetime")).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(timeline('link[href="/stylesheets/moj-frontend.min.css"]').length).toBe(1);
    const stylesheet = await t.app.inject({ url: "/stylesheets/moj-frontend.min.css" });
    expect(stylesheet.statusCode).toBe(200);
    expect(stylesheet.body).toContain(".moj-timeline");
  });

  it("shows overdue checklist tasks on the home page", async () => {
    const project = await createProject();
    await setTask(project.id, "1.3", { status: "in-progress", plannedOn: "2024-03-01" });
    const $ = html((await t.app.inject({ url: `/projects/${project.id}`, cookies: commissioner })).body);
    expect($("#overdue-list").text()).toContain("Checklist task 1.3");
    expect($("#overdue-list").text()).toContain("1 March 2024");
  });

  it("includes what other capabilities record about the project on its timeline", async () => {
    const project = await createProject();
    await recordAudit(t.database.db, SYSTEM_ACTOR, {
      entityType: "checklist",
      entityId: project.id,
      action: "completed-automatically",
      summary: { taskKeys: ["1.1", "1.3"] },
    });
    const response = await t.app.inject({ url: `/api/v1/projects/${project.id}/timeline`, headers: auth() });
    const items = response.json<{ items: { actor: string; action: string; summary: string }[] }>().items;
    expect(items.at(-1)).toMatchObject({
      actor: "system",
      action: "checklist.completed-automatically",
      summary: "Checklist tasks 1.1, 1.3 completed by the evidence recorded",
    });
  });

  it("records a rejection through its page", async () => {
    const project = await createProject({ estimatedValuePence: 150_000_000 });
    await asFixture(t.database.db, (tx) =>
      tx.update(projects).set({ stage: "4" }).where(eq(projects.id, project.id)),
    );
    const { response, cookies } = await postForm(
      t.app,
      `/projects/${project.id}/reject`,
      `/projects/${project.id}/reject`,
      commissioner,
      { reason: "Authorised officers rejected the recommendation", version: "1" },
    );
    expect(response.headers.location).toBe(`/projects/${project.id}`);
    const $ = html((await t.app.inject({ url: `/projects/${project.id}`, cookies })).body);
    expect($(".govuk-notification-banner--success").text()).toContain("A cost avoidance paper is required");
    expect($("#stage .govuk-tag").text().trim()).toBe("Closed");
    const [record] = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, project.id), eq(auditEvents.action, "rejected")));
    expect(record?.summary).toMatchObject({ costAvoidancePaperRequired: true, fromStage: 4 });
  });
});

describe("permissions: supplier and provider users see none of this", () => {
  it.each([["supplier-user"], ["provider-user"]] as const)(
    "a %s gets 403 on every page and API route",
    async (role) => {
      const project = await createProject();
      const user = await createUser(t.services, [role]);
      const cookies = await signIn(t.app, user.email);
      const bearer = await apiTokenFor(t.services, user.id);
      for (const url of [
        "/projects",
        "/projects/new",
        `/projects/${project.id}`,
        `/projects/${project.id}/edit`,
        `/projects/${project.id}/timeline`,
        `/projects/${project.id}/reject`,
      ]) {
        const page = await t.app.inject({ url, cookies });
        expect(page.statusCode, url).toBe(403);
      }
      const post = await postForm(t.app, "/", "/projects", cookies, { title: "x" });
      expect(post.response.statusCode).toBe(403);
      const advance = await postForm(t.app, "/", `/projects/${project.id}/advance`, cookies, {});
      expect(advance.response.statusCode).toBe(403);
      for (const [method, url] of [
        ["GET", "/api/v1/projects"],
        ["GET", `/api/v1/projects/${project.id}`],
        ["GET", `/api/v1/projects/${project.id}/timeline`],
        ["GET", `/api/v1/projects/${project.id}/documents`],
        ["GET", `/api/v1/projects/${project.id}/decisions`],
        ["POST", "/api/v1/projects"],
        ["PATCH", `/api/v1/projects/${project.id}`],
        ["POST", `/api/v1/projects/${project.id}/advance`],
        ["POST", `/api/v1/projects/${project.id}/reject`],
        ["POST", `/api/v1/projects/${project.id}/decisions`],
        ["POST", `/api/v1/projects/${project.id}/documents`],
      ] as const) {
        const response = await t.app.inject({
          method,
          url,
          headers: auth(bearer),
          payload: method === "GET" ? undefined : {},
        });
        expect(response.statusCode, `${method} ${url}`).toBe(403);
      }
      expect((await getProject(project.id)).version).toBe(1);
    },
  );

  it("asks for a token on the API and a sign-in on pages", async () => {
    expect((await t.app.inject({ url: "/api/v1/projects" })).statusCode).toBe(401);
    const page = await t.app.inject({ url: "/projects" });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toContain("/sign-in");
  });

  it("lets an evaluator read projects but not change them", async () => {
    const project = await createProject();
    const user = await createUser(t.services, ["evaluator"]);
    const bearer = await apiTokenFor(t.services, user.id);
    expect(
      (await t.app.inject({ url: `/api/v1/projects/${project.id}`, headers: auth(bearer) })).statusCode,
    ).toBe(200);
    const patch = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/projects/${project.id}`,
      headers: auth(bearer),
      payload: { version: 1, title: "no" },
    });
    expect(patch.statusCode).toBe(403);
  });
});
