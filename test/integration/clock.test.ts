import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock, systemClock } from "../../src/domain/clock.js";
import {
  addMembership,
  apiTokenFor,
  buildTestApp,
  createProjectThroughApi,
  createUser,
  html,
  multipartForm,
  postForm,
  signIn,
  type TestApp,
} from "../helpers.js";

/**
 * The app asks its clock what day it is (domain/clock.ts), never the machine: with the clock fixed on
 * a day long past, what is overdue and which meeting dates are in the future follow that day. Every
 * date below is before the machine's today, so each expectation fails if any of these paths reads
 * the machine's date instead.
 */
const TODAY = "2025-06-02";
const YESTERDAY = "2025-06-01";
const TOMORROW = "2025-06-03";
const NEXT_WEEK = "2025-06-09";

let t: TestApp;
let token: string;
let memberToken: string;
let memberCookies: Record<string, string>;
let projectId: string;
let needsAssessmentId: string;
let lateTaskKey: string;

const auth = (bearer = token) => ({ authorization: `Bearer ${bearer}` });

async function addRisk(reviewOn: string) {
  const response = await t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${projectId}/risks`,
    headers: auth(),
    payload: {
      title: `Review on ${reviewOn}`,
      likelihood: 3,
      impact: 4,
      owner: "Commissioning manager",
      mitigation: "Early engagement",
      reviewOn,
    },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string; overdue: boolean }>();
}

interface ApiTask {
  id: string;
  key: string;
  status: string;
  applicable: boolean;
  completesWhen: string | null;
  overdue: boolean;
  version: number;
}

/** Tasks a person plans: applicable, not started, and not ones an upload or decision completes. */
async function plainTasks() {
  const response = await t.app.inject({ url: `/api/v1/projects/${projectId}/checklist`, headers: auth() });
  expect(response.statusCode).toBe(200);
  return response
    .json<{ sections: { tasks: ApiTask[] }[] }>()
    .sections.flatMap((s) => s.tasks)
    .filter((task) => task.applicable && task.status === "not-started" && task.completesWhen === null);
}

async function planTask(task: ApiTask, plannedOn: string) {
  const response = await t.app.inject({
    method: "PATCH",
    url: `/api/v1/projects/${projectId}/checklist/${task.id}`,
    headers: auth(),
    payload: { status: "planned", plannedOn, version: task.version },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<ApiTask>();
}

function recordDecision(decidedOn: string, minutesRef: string) {
  return t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${projectId}/decisions`,
    headers: auth(memberToken),
    payload: { subjectId: needsAssessmentId, bodyCode: "JCG", decision: "approved", decidedOn, minutesRef },
  });
}

beforeAll(async () => {
  expect(systemClock.today() > NEXT_WEEK).toBe(true);
  t = await buildTestApp({}, { clock: fixedClock(TODAY) });
  const officer = await createUser(t.services, ["procurement-officer"]);
  token = await apiTokenFor(t.services, officer.id);
  const member = await createUser(t.services, ["board-member"]);
  await addMembership(t.database, "JCG", member.id, "member");
  memberToken = await apiTokenFor(t.services, member.id);
  memberCookies = await signIn(t.app, member.email);
  projectId = (await createProjectThroughApi(t.app, token, { startedOn: "2025-05-01" })).id;
  const form = multipartForm(
    { kind: "needs-assessment", title: "Needs assessment" },
    {
      filename: "na.pdf",
      contentType: "application/pdf",
      data: `%PDF-1.4\n% ${randomBytes(4).toString("hex")}\n`,
    },
  );
  const uploaded = await t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${projectId}/documents`,
    headers: { ...auth(), ...form.headers },
    payload: form.payload,
  });
  expect(uploaded.statusCode, uploaded.body).toBe(201);
  needsAssessmentId = uploaded.json<{ id: string }>().id;
});
afterAll(async () => t.close());

describe("today is the clock's day, not the machine's", () => {
  it("a risk is overdue once its review date is before the clock's today", async () => {
    expect((await addRisk(YESTERDAY)).overdue).toBe(true);
    expect((await addRisk(NEXT_WEEK)).overdue).toBe(false);
  });

  it("a checklist task is overdue once its planned date is before the clock's today", async () => {
    const [late, due] = await plainTasks();
    if (!late || !due) throw new Error("the checklist has no tasks to plan");
    expect((await planTask(late, YESTERDAY)).overdue).toBe(true);
    expect((await planTask(due, NEXT_WEEK)).overdue).toBe(false);
    lateTaskKey = late.key;
  });

  it("the pipeline counts what is overdue on the clock's today", async () => {
    const response = await t.app.inject({ url: "/api/v1/pipeline", headers: auth() });
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      today: string;
      overdueTasks: { items: { taskKey: string }[] };
      overdueRiskReviews: { items: { reviewOn: string }[] };
    }>();
    expect(body.today).toBe(TODAY);
    expect(body.overdueTasks.items.map((i) => i.taskKey)).toEqual([lateTaskKey]);
    expect(body.overdueRiskReviews.items.map((i) => i.reviewOn)).toEqual([YESTERDAY]);
  });

  it("refuses a meeting dated the clock's tomorrow, in the API and on the page, and takes one dated today", async () => {
    const refused = await recordDecision(TOMORROW, "JCG/2025/06/1");
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ errors: { path: string; message: string }[] }>().errors).toEqual([
      { path: "decidedOn", message: "Date of the meeting must be today or in the past" },
    ]);

    const [year, month, day] = TOMORROW.split("-");
    const page = `/projects/${projectId}`;
    const { response } = await postForm(t.app, page, `${page}/decisions`, memberCookies, {
      subjectId: needsAssessmentId,
      bodyCode: "JCG",
      decision: "approved",
      "decidedOn-day": day ?? "",
      "decidedOn-month": month ?? "",
      "decidedOn-year": year ?? "",
      minutesRef: "JCG/2025/06/1",
    });
    expect(response.statusCode).toBe(303);
    const shown = await t.app.inject({ url: page, cookies: memberCookies });
    const summary = html(shown.body)(".govuk-error-summary");
    expect(summary.text()).toContain("Date of the meeting must be today or in the past");
    expect(summary.find('a[href="#decidedOn-day"]').length).toBe(1);

    const taken = await recordDecision(TODAY, "JCG/2025/06/2");
    expect(taken.statusCode, taken.body).toBe(201);
  });
});
