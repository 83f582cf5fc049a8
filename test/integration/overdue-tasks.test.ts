import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checklistTasks } from "../../src/db/schema/index.js";
import { fixedClock } from "../../src/domain/clock.js";
import type { TaskStatus } from "../../src/domain/checklist-template.js";
import {
  apiTokenFor,
  asFixture,
  buildTestApp,
  createProjectThroughApi,
  createUser,
  html,
  signIn,
  type TestApp,
} from "../helpers.js";

/**
 * One rule says when a checklist task is overdue (domain/overdue.ts, App C), and every place that
 * shows it agrees: the checklist (each task and the count), the projects list and its filter, the
 * project's home page and the pipeline. A task planned yesterday and still to be done is overdue; one
 * planned today is not, nor is a completed or not-applicable one whatever its planned date.
 */
const TODAY = "2025-06-02";
const YESTERDAY = "2025-06-01";

let t: TestApp;
let token: string;
let cookies: Record<string, string>;
let late: { id: string; title: string };
let onTime: { id: string; title: string };
const auth = () => ({ authorization: `Bearer ${token}` });

async function setTasks(projectId: string, tasks: Record<string, { status: TaskStatus; plannedOn: string }>) {
  for (const [taskKey, { status, plannedOn }] of Object.entries(tasks)) {
    await asFixture(t.database.db, (tx) =>
      tx
        .update(checklistTasks)
        .set({
          status,
          plannedOn,
          completedOn: status === "completed" ? YESTERDAY : null,
          notApplicableReason: status === "not-applicable" ? "Not needed for this service" : null,
        })
        .where(and(eq(checklistTasks.projectId, projectId), eq(checklistTasks.taskKey, taskKey))),
    );
  }
}

beforeAll(async () => {
  t = await buildTestApp({}, { clock: fixedClock(TODAY) });
  const user = await createUser(t.services, ["commissioner"]);
  token = await apiTokenFor(t.services, user.id);
  cookies = await signIn(t.app, user.email);
  late = await createProjectThroughApi(t.app, token, { title: "Late", startedOn: "2025-05-01" });
  onTime = await createProjectThroughApi(t.app, token, { title: "On time", startedOn: "2025-05-01" });
  await setTasks(late.id, {
    "1.1": { status: "planned", plannedOn: YESTERDAY },
    "1.2": { status: "planned", plannedOn: TODAY },
    "1.3": { status: "in-progress", plannedOn: YESTERDAY },
    "1.6": { status: "completed", plannedOn: YESTERDAY },
    "1.7": { status: "not-applicable", plannedOn: YESTERDAY },
    "2.1": { status: "not-started", plannedOn: YESTERDAY },
  });
  await setTasks(onTime.id, {
    "1.1": { status: "planned", plannedOn: TODAY },
    "1.2": { status: "completed", plannedOn: YESTERDAY },
    "1.3": { status: "not-applicable", plannedOn: YESTERDAY },
  });
});
afterAll(async () => t.close());

async function checklistOf(projectId: string) {
  const response = await t.app.inject({ url: `/api/v1/projects/${projectId}/checklist`, headers: auth() });
  expect(response.statusCode).toBe(200);
  return response.json<{
    sections: { tasks: { key: string; overdue: boolean }[] }[];
    progress: { overdue: number };
  }>();
}

describe("a checklist task planned yesterday, today, or done", () => {
  it("is overdue in the checklist only when still to be done and planned before today", async () => {
    const checklist = await checklistOf(late.id);
    const overdue = checklist.sections.flatMap((s) => s.tasks).filter((task) => task.overdue);
    expect(overdue.map((task) => task.key)).toEqual(["1.1", "1.3", "2.1"]);
    expect(checklist.progress.overdue).toBe(3);
    expect((await checklistOf(onTime.id)).progress.overdue).toBe(0);
  });

  it("marks and filters the projects list by the same tasks", async () => {
    const listed = async (query: string) => {
      const response = await t.app.inject({ url: `/api/v1/projects${query}`, headers: auth() });
      expect(response.statusCode).toBe(200);
      return response.json<{ items: { title: string; overdue: boolean }[] }>().items;
    };
    expect((await listed("?overdue=true")).map((p) => p.title)).toEqual(["Late"]);
    const all = await listed("");
    expect(Object.fromEntries(all.map((p) => [p.title, p.overdue]))).toEqual({
      Late: true,
      "On time": false,
    });
  });

  it("lists the same tasks on the project's home page", async () => {
    const $ = html((await t.app.inject({ url: `/projects/${late.id}`, cookies })).body);
    const items = $("#overdue-list li")
      .map((_i, el) => $(el).find("a").text().trim())
      .get();
    expect(items).toEqual(["Checklist task 1.1", "Checklist task 1.3", "Checklist task 2.1"]);
    const other = html((await t.app.inject({ url: `/projects/${onTime.id}`, cookies })).body);
    expect(other("#nothing-overdue").text()).toContain("Nothing is overdue");
  });

  it("counts the same tasks in the pipeline", async () => {
    const response = await t.app.inject({ url: "/api/v1/pipeline", headers: auth() });
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      overdueTasks: { total: number; items: { taskKey: string; projectTitle: string }[] };
    }>();
    expect(body.overdueTasks.items.map((i) => `${i.projectTitle} ${i.taskKey}`)).toEqual([
      "Late 1.1",
      "Late 1.3",
      "Late 2.1",
    ]);
    expect(body.overdueTasks.total).toBe(3);
  });
});
