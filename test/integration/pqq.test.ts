import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outbox, pqqOutcomes, tenderInterests } from "../../src/db/schema/index.js";
import {
  apiTokenFor,
  buildTestApp,
  createUser,
  html,
  insertProject,
  postForm,
  signIn,
  type TestApp,
} from "../helpers.js";
import {
  colleagueOf,
  insertSubmission,
  movableClock,
  supplierWithUser,
  taskStatuses,
} from "../opening-fixtures.js";
import { FIXTURE_QUESTIONS, insertPublishedTender } from "../tenders.js";

interface Problem {
  detail: string;
  errors: { path: string; message: string }[];
}
interface Compliance {
  late: boolean;
  missingQuestionCodes: string[];
  failedQuestionCodes: string[];
  compliant: boolean | null;
  reason: string | null;
}
interface OpenedSubmission {
  submissionId: string;
  sha256: string;
  submittedAt: string;
  compliance: Compliance | null;
}
interface Opening {
  section: string;
  openedBy: { id: string };
  witnesses: { id: string }[];
  withdrawnCount: number;
  supersededCount: number;
  submissions: OpenedSubmission[];
}

const PQQ_DEADLINE = new Date("2027-01-10T12:00:00Z");
const clock = movableClock(new Date("2027-01-11T09:00:00Z"));
const QUESTIONS = [
  {
    code: "PQ1",
    section: "pqq" as const,
    kind: "pass-fail" as const,
    text: "Do you hold the required registration?",
  },
  {
    code: "PQ2",
    section: "pqq" as const,
    kind: "scored" as const,
    text: "Describe similar contracts",
    weightPct: 100,
  },
  ...FIXTURE_QUESTIONS,
];

let t: TestApp;
let officer: { id: string; email: string };
let witness: { id: string };
let token: string;
let projectId: string;

beforeAll(async () => {
  t = await buildTestApp({ PUBLIC_URL: "https://commissioner.test.example" }, { clock });
  officer = await createUser(t.services, ["procurement-officer"]);
  witness = await createUser(t.services, ["procurement-officer"]);
  token = await apiTokenFor(t.services, officer.id);
  projectId = await insertProject(t.database.db, {
    title: "Supported housing recommissioning",
    programmeCode: "SP",
    estimatedValuePence: 500_000_000,
  });
});
afterAll(async () => {
  await t.close();
});

const api = (method: "GET" | "PUT" | "POST", url: string, payload?: unknown) =>
  t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

async function restrictedTender() {
  const tenderId = await insertPublishedTender(t.database.db, t.services.sealer, {
    projectId,
    procedure: "restricted",
    publishedAt: new Date("2026-12-01T09:00:00Z"),
    pqqDeadline: PQQ_DEADLINE,
    clarificationDeadline: new Date("2027-01-20T12:00:00Z"),
    submissionDeadline: new Date("2027-02-01T12:00:00Z"),
    questions: QUESTIONS,
  });
  const pqqAnswers = (registered: string) => ({
    answers: [
      { questionCode: "PQ1", value: registered },
      { questionCode: "PQ2", value: "Three similar contracts since 2020." },
    ],
    priceTotalPence: null,
  });
  const suppliers = [];
  for (const registered of ["yes", "yes", "no"]) {
    const s = await supplierWithUser(t, tenderId);
    const submission = await insertSubmission(t, {
      tenderId,
      organisationId: s.organisationId,
      section: "pqq",
      content: pqqAnswers(registered),
      submittedAt: new Date("2027-01-09T10:00:00Z"),
    });
    suppliers.push({ ...s, submissionId: submission.id });
  }
  return { tenderId, suppliers };
}

async function openPqq(tenderId: string) {
  const response = await api("POST", `/api/v1/tenders/${tenderId}/opening`, {
    witnessUserIds: [witness.id],
    section: "pqq",
  });
  expect(response.statusCode).toBe(201);
  return response.json<Opening>();
}

const messagesTo = (email: string) => t.database.db.select().from(outbox).where(eq(outbox.recipient, email));

describe("the PQQ stage (App C 5.2–5.4)", () => {
  it("is sealed until the PQQ opening, which opens the PQQ only and checks its pass/fail answers", async () => {
    const { tenderId, suppliers } = await restrictedTender();
    const sealed = await api("GET", `/api/v1/tenders/${tenderId}/pqq`);
    expect(sealed.statusCode).toBe(409);
    const opening = await openPqq(tenderId);
    expect(opening.section).toBe("pqq");
    const failing = opening.submissions.find(
      (s: { submissionId: string }) => s.submissionId === suppliers[2]?.submissionId,
    );
    expect(failing?.compliance).toMatchObject({ failedQuestionCodes: ["PQ1"], missingQuestionCodes: [] });
    // The ITT is still sealed: its deadline has not passed.
    const itt = await api("POST", `/api/v1/tenders/${tenderId}/opening`, { witnessUserIds: [witness.id] });
    expect(itt.statusCode).toBe(409);
    // PQQ is not tenders-opened (that is the ITT's, App C 5.6).
    expect(await taskStatuses(t.database.db, projectId, "tenders-opened")).not.toContain("completed");
  });

  it("assesses each question, then shortlists; each supplier is told only its own outcome and the shortlisted are invited", async () => {
    const { tenderId, suppliers } = await restrictedTender();
    const [one, two, three] = suppliers;
    if (!one || !two || !three) throw new Error("three suppliers expected");
    const unverified = await colleagueOf(t, one.organisationId, false);
    const colleague = await colleagueOf(t, one.organisationId, true);
    await openPqq(tenderId);

    const wrongKind = await api("PUT", `/api/v1/tenders/${tenderId}/pqq-assessments`, {
      submissionId: one.submissionId,
      questionCode: "PQ1",
      score: 4,
      rationale: "Registered",
    });
    expect(wrongKind.statusCode).toBe(422);
    expect(wrongKind.json<Problem>().errors[0]?.path).toBe("passed");
    const outOfScale = await api("PUT", `/api/v1/tenders/${tenderId}/pqq-assessments`, {
      submissionId: one.submissionId,
      questionCode: "PQ2",
      score: 6,
      rationale: "Too good",
    });
    expect(outOfScale.statusCode).toBe(400);

    const assess = async (submissionId: string, passed: boolean, score: number) => {
      for (const body of [
        {
          submissionId,
          questionCode: "PQ1",
          passed,
          rationale: passed ? "Registration seen" : "Not registered",
        },
        { submissionId, questionCode: "PQ2", score, rationale: `Scored ${score}` },
      ]) {
        const response = await api("PUT", `/api/v1/tenders/${tenderId}/pqq-assessments`, body);
        expect(response.statusCode).toBe(200);
      }
    };
    await assess(one.submissionId, true, 4);
    await assess(two.submissionId, true, 1);

    const unassessed = await api("POST", `/api/v1/tenders/${tenderId}/pqq-outcomes`, {
      outcomes: [
        { submissionId: one.submissionId, shortlisted: true, reason: "" },
        { submissionId: two.submissionId, shortlisted: false, reason: "Too little experience" },
        { submissionId: three.submissionId, shortlisted: true, reason: "" },
      ],
    });
    expect(unassessed.statusCode).toBe(422);
    expect(unassessed.json<Problem>().errors[0]).toMatchObject({
      path: "outcomes.2.submissionId",
      message: /PQ1, PQ2/,
    });

    await assess(three.submissionId, false, 3);
    const missing = await api("POST", `/api/v1/tenders/${tenderId}/pqq-outcomes`, {
      outcomes: [{ submissionId: one.submissionId, shortlisted: true, reason: "" }],
    });
    expect(missing.statusCode).toBe(422);
    expect(missing.json<Problem>().errors.map((e) => e.path)).toEqual(["outcomes"]);
    const failedWithoutWhy = await api("POST", `/api/v1/tenders/${tenderId}/pqq-outcomes`, {
      outcomes: [
        { submissionId: one.submissionId, shortlisted: true },
        { submissionId: two.submissionId, shortlisted: false, reason: "Too little experience" },
        { submissionId: three.submissionId, shortlisted: true },
      ],
    });
    expect(failedWithoutWhy.statusCode).toBe(422);
    expect(failedWithoutWhy.json<Problem>().errors).toEqual([
      { path: "outcomes.2.reason", message: "Say why a supplier that failed PQ1 is shortlisted" },
    ]);
    expect(await t.database.db.select().from(pqqOutcomes)).toHaveLength(0);

    const decided = await api("POST", `/api/v1/tenders/${tenderId}/pqq-outcomes`, {
      outcomes: [
        { submissionId: one.submissionId, shortlisted: true },
        {
          submissionId: two.submissionId,
          shortlisted: false,
          reason: "Too little experience of similar contracts",
        },
        { submissionId: three.submissionId, shortlisted: false, reason: "Not registered with the regulator" },
      ],
    });
    expect(decided.statusCode).toBe(201);
    expect(decided.json<{ outcomes: unknown[] }>().outcomes).toHaveLength(3);

    const oneMessages = await messagesTo(one.user.email);
    const outcomeOf = (rows: typeof oneMessages) =>
      rows.filter((m) => m.templateKey === "pqq-outcome").map((m) => m.personalisation.outcome);
    expect(outcomeOf(oneMessages)).toEqual([expect.stringContaining("has been shortlisted")]);
    const invitation = oneMessages.filter((m) => m.templateKey === "itt-invitation");
    expect(invitation).toHaveLength(1);
    expect(invitation[0]?.personalisation.deadline).toBe("12:00pm on 1 February 2027");
    expect(invitation[0]?.personalisation.link).toBe(
      `https://commissioner.test.example/tenders/${tenderId}/submission`,
    );
    const tendering = (rows: Awaited<ReturnType<typeof messagesTo>>) =>
      rows.map((m) => m.templateKey).filter((k) => k !== "account-created");
    expect(tendering(await messagesTo(colleague.email)).sort()).toEqual(["itt-invitation", "pqq-outcome"]);
    expect(tendering(await messagesTo(unverified.email))).toEqual([]);

    const twoMessages = await messagesTo(two.user.email);
    expect(outcomeOf(twoMessages)).toEqual([
      expect.stringContaining("Too little experience of similar contracts"),
    ]);
    expect(JSON.stringify(twoMessages)).not.toContain("Not registered with the regulator");
    expect(twoMessages.filter((m) => m.templateKey === "itt-invitation")).toEqual([]);
    const threeMessages = await messagesTo(three.user.email);
    expect(outcomeOf(threeMessages)).toEqual([expect.stringContaining("Not registered with the regulator")]);
    expect(JSON.stringify(threeMessages)).not.toContain("Too little experience");

    const interests = await t.database.db
      .select()
      .from(tenderInterests)
      .where(eq(tenderInterests.tenderId, tenderId));
    const invited = interests.filter((i) => i.invitedToTenderAt !== null).map((i) => i.organisationId);
    expect(invited).toEqual([one.organisationId]);

    expect(await taskStatuses(t.database.db, projectId, "pqq-evaluated")).toEqual(["completed"]);
    expect(await taskStatuses(t.database.db, projectId, "itt-issued")).toEqual(["completed"]);

    const again = await api("POST", `/api/v1/tenders/${tenderId}/pqq-outcomes`, {
      outcomes: [{ submissionId: one.submissionId, shortlisted: true }],
    });
    expect(again.statusCode).toBe(409);
    const late = await api("PUT", `/api/v1/tenders/${tenderId}/pqq-assessments`, {
      submissionId: one.submissionId,
      questionCode: "PQ2",
      score: 5,
      rationale: "Changed my mind",
    });
    expect(late.statusCode).toBe(409);

    const view = await api("GET", `/api/v1/tenders/${tenderId}/pqq`);
    expect(view.statusCode).toBe(200);
    const oneView = view
      .json<{ responses: { submissionId: string; answers: unknown[] }[] }>()
      .responses.find((r) => r.submissionId === one.submissionId);
    expect(oneView).toMatchObject({ totalScore: 4, assessedAll: true, outcome: { shortlisted: true } });
    expect(oneView?.answers[0]).toMatchObject({ code: "PQ1", value: "yes", assessment: { passed: true } });
  });

  it("is assessed and decided from the pages", async () => {
    const { tenderId, suppliers } = await restrictedTender();
    await openPqq(tenderId);
    const cookies = await signIn(t.app, officer.email);
    const pqqPage = `/tenders/${tenderId}/pqq`;
    const list = html((await t.app.inject({ url: pqqPage, cookies })).body);
    expect(list("#responses tbody tr")).toHaveLength(3);

    for (const [i, s] of suppliers.entries()) {
      const page = `/tenders/${tenderId}/pqq/${s.submissionId}`;
      const form = html((await t.app.inject({ url: page, cookies })).body);
      expect(form("#answer-PQ2").text()).toContain("Three similar contracts");
      const bad = await postForm(t.app, page, page, cookies, {
        "PQ1-passed": "pass",
        "PQ1-rationale": "",
        "PQ2-score": "3",
        "PQ2-rationale": "Good",
      });
      expect(bad.response.headers.location).toBe(page);
      const saved = await postForm(t.app, page, page, cookies, {
        "PQ1-passed": i === 2 ? "fail" : "pass",
        "PQ1-rationale": "Checked the register",
        "PQ2-score": String(3 + (i % 2)),
        "PQ2-rationale": "Relevant experience",
      });
      expect(saved.response.headers.location).toBe(pqqPage);
    }

    const fields: Record<string, string> = {};
    for (const [i, s] of suppliers.entries()) {
      fields[`shortlisted-${s.submissionId}`] = i === 2 ? "yes" : i === 1 ? "no" : "yes";
      fields[`reason-${s.submissionId}`] = i === 1 ? "Lower score" : "";
    }
    const refused = await postForm(t.app, pqqPage, `/tenders/${tenderId}/pqq/outcomes`, cookies, fields);
    expect(refused.response.headers.location).toBe(pqqPage);
    const shown = html((await t.app.inject({ url: pqqPage, cookies: refused.cookies })).body);
    const third = suppliers[2]?.submissionId ?? "";
    expect(shown(`#reason-${third}-error`).text()).toContain("failed PQ1");

    fields[`shortlisted-${third}`] = "no";
    fields[`reason-${third}`] = "Not registered";
    const done = await postForm(t.app, pqqPage, `/tenders/${tenderId}/pqq/outcomes`, cookies, fields);
    expect(done.response.headers.location).toBe(pqqPage);
    const outcomes = await t.database.db
      .select()
      .from(pqqOutcomes)
      .where(and(eq(pqqOutcomes.shortlisted, true)));
    expect(outcomes.map((o) => o.submissionId)).toContain(suppliers[0]?.submissionId);
  });
});
