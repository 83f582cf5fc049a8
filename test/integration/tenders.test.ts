import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  blobs,
  checklistTasks,
  decisions,
  documentVersions,
  equalityAssessments,
  jobs,
  outbox,
  projectDocuments,
  projects,
  tenderInterests,
  tenders,
  users,
} from "../../src/db/schema/index.js";
import { fixedClock } from "../../src/domain/clock.js";
import {
  apiTokenFor,
  asFixture,
  buildTestApp,
  createUser,
  html,
  insertProject,
  multipart,
  postForm,
  signIn,
  type TestApp,
} from "../helpers.js";

/**
 * Setting up and publishing a tender (framework §3.9–3.13, App C 5.1–5.5; docs/tendering.md), through
 * the real HTTP layer on a real database: the set-up's checks with their field paths, the publish gate,
 * the checklist's records, addenda told to interested suppliers, and what a supplier may see.
 */

const NOW = new Date("2026-03-02T10:00:00Z");
let t: TestApp;
let token: string;
let officerId: string;
let officer: Record<string, string>;

const auth = (bearer = token) => ({ authorization: `Bearer ${bearer}` });
const pdf = () =>
  Buffer.from(
    `%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\n% ${randomBytes(6).toString("hex")}\ntrailer<<>>\n%%EOF\n`,
  );

const QUESTIONS = [
  { code: "Q1", section: "itt", kind: "pass-fail", text: "Do you hold the insurance the terms require?" },
  {
    code: "Q2",
    section: "itt",
    kind: "scored",
    text: "How will you deliver the service?",
    weightPct: 60,
    wordLimit: 500,
  },
  { code: "Q3", section: "itt", kind: "scored", text: "How will you involve service users?", weightPct: 40 },
  { code: "P1", section: "itt", kind: "price", text: "Your total price" },
];

function body(overrides: Record<string, unknown> = {}) {
  return {
    title: "Community drug and alcohol treatment",
    procedure: "open",
    clarificationDeadline: "2026-04-01T12:00:00+01:00",
    submissionDeadline: "2026-04-15T12:00:00+01:00",
    questions: QUESTIONS,
    ...overrides,
  };
}

async function createTender(projectId: string, overrides: Record<string, unknown> = {}) {
  const response = await t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${projectId}/tenders`,
    headers: auth(),
    payload: body(overrides),
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string; reference: string; version: number }>();
}

/** A project of KDAAT at £750,000 (PCR 2015), at Stage 4 with every approval its gate asks before tendering. */
async function stageFourProject() {
  const projectId = await insertProject(t.database.db, {
    title: `Treatment ${randomBytes(3).toString("hex")}`,
    programmeCode: "KDAAT",
    estimatedValuePence: 75_000_000,
  });
  await asFixture(t.database.db, async (tx) => {
    await tx.update(projects).set({ stage: "4" }).where(eq(projects.id, projectId));
    const sha256 = randomBytes(32).toString("hex");
    const [blob] = await tx
      .insert(blobs)
      .values({ sha256, bytes: 10, mediaType: "application/pdf" })
      .returning();
    if (!blob) throw new Error("no blob");
    for (const kind of ["service-specification-final", "procurement-strategy", "tender-evaluation-plan"]) {
      const [doc] = await tx.insert(projectDocuments).values({ projectId, kind, title: kind }).returning();
      if (!doc) throw new Error("no document");
      await tx.insert(documentVersions).values({
        documentId: doc.id,
        version: 1,
        blobId: blob.id,
        sha256,
        bytes: 10,
        mediaType: "application/pdf",
        fileName: `${kind}.pdf`,
      });
      for (const bodyCode of ["JCG", "KDAAT_BOARD"]) {
        await tx.insert(decisions).values({
          projectId,
          subjectType: "document",
          subjectId: doc.id,
          subjectVersion: 1,
          bodyCode,
          decision: "approved",
          decidedOn: "2026-02-01",
          minutesRef: `${bodyCode} 1`,
          recordedById: officerId,
        });
      }
    }
    await tx.insert(decisions).values({
      projectId,
      subjectType: "project",
      subjectId: projectId,
      bodyCode: "PROCUREMENT_MANAGER",
      decision: "approved",
      decidedOn: "2026-02-02",
      minutesRef: "Procurement Manager sign-off",
      recordedById: officerId,
    });
    await tx.insert(equalityAssessments).values({ projectId, entries: [], signedOffOn: "2026-02-03" });
  });
  return projectId;
}

async function uploadPackDocument(tenderId: string, kind: string, title = `The ${kind}`) {
  const form = multipart([
    { name: "kind", value: kind },
    { name: "title", value: title },
    { name: "file", filename: `${kind}.pdf`, contentType: "application/pdf", data: pdf() },
  ]);
  const response = await t.app.inject({
    method: "POST",
    url: `/api/v1/tenders/${tenderId}/documents`,
    headers: { ...auth(), ...form.headers },
    payload: form.payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string; addendum: number | null }>();
}

const REQUIRED = ["specification", "terms-and-conditions", "pricing-schedule", "instructions"];

async function publishedTender() {
  const projectId = await stageFourProject();
  const tender = await createTender(projectId);
  for (const kind of REQUIRED) await uploadPackDocument(tender.id, kind);
  const published = await t.app.inject({
    method: "POST",
    url: `/api/v1/tenders/${tender.id}/publish`,
    headers: auth(),
  });
  expect(published.statusCode, published.body).toBe(200);
  return { projectId, tenderId: tender.id };
}

/**
 * A supplier's user with its email verified, its organisation interested in the tender when named; an
 * unverified one has not used its link yet, so has no password either (reachableSupplierUser).
 */
async function supplierUser(tenderId?: string, verified = true) {
  const user = await createUser(t.services, ["supplier-user"]);
  await asFixture(t.database.db, async (tx) => {
    await tx
      .update(users)
      .set(verified ? { emailVerifiedAt: NOW } : { passwordHash: null })
      .where(eq(users.id, user.id));
    if (tenderId && user.organisationId) {
      await tx.insert(tenderInterests).values({ tenderId, organisationId: user.organisationId });
    }
  });
  return user;
}

beforeAll(async () => {
  t = await buildTestApp({}, { clock: fixedClock(NOW) });
  const user = await createUser(t.services, ["procurement-officer"]);
  officerId = user.id;
  token = await apiTokenFor(t.services, user.id);
  officer = await signIn(t.app, user.email);
});
afterAll(async () => t.close());

describe("setting up a tender", () => {
  it("stores a draft with a reference of the programme and year, and its data key wrapped", async () => {
    const projectId = await stageFourProject();
    const first = await createTender(projectId);
    const second = await createTender(projectId, { title: "Second lot" });
    expect(first.reference).toMatch(/^KDAAT-2026-\d{3}$/);
    expect(Number(second.reference.slice(-3))).toBe(Number(first.reference.slice(-3)) + 1);
    expect(first).not.toHaveProperty("wrappedDataKey");
    const got = await t.app.inject({ url: `/api/v1/tenders/${first.id}`, headers: auth() });
    expect(got.statusCode).toBe(200);
    const tender = got.json<{ status: string; questions: { code: string }[]; valuePence: number }>();
    expect(tender.status).toBe("draft");
    expect(tender.questions.map((q) => q.code)).toEqual(["Q1", "Q2", "Q3", "P1"]);
    expect(tender.valuePence).toBe(75_000_000);
    expect(got.body).not.toContain("wrappedDataKey");
    const [row] = await t.database.db.select().from(tenders).where(eq(tenders.id, first.id));
    expect(row?.wrappedDataKey).toBeTruthy();
    // The app's sealer opens the key it made for this tender.
    expect(t.services.sealer.dataKey(first.id, row?.wrappedDataKey ?? "")).toHaveLength(32);
    const list = await t.app.inject({ url: `/api/v1/projects/${projectId}/tenders`, headers: auth() });
    expect(list.json<{ items: { id: string }[] }>().items.map((i) => i.id)).toEqual([second.id, first.id]);
  });

  const scored = (code: string, weightPct?: number) => ({
    code,
    section: "itt",
    kind: "scored",
    text: code,
    weightPct,
  });
  it.each([
    [
      "duplicate codes",
      { questions: [...QUESTIONS, { ...QUESTIONS[0], text: "again" }] },
      "questions.4.code",
    ],
    [
      "a scored question without a weight",
      { questions: [scored("A"), scored("B", 100)] },
      "questions.0.weightPct",
    ],
    [
      "weights that do not total 100",
      { questions: [scored("A", 50), scored("B", 40)] },
      "questions.1.weightPct",
    ],
    [
      "two price questions",
      { questions: [...QUESTIONS, { ...QUESTIONS[3], code: "P2" }] },
      "questions.4.kind",
    ],
    [
      "a PQQ question in an open procedure",
      { questions: [{ ...QUESTIONS[0], section: "pqq" }] },
      "questions.0.section",
    ],
    ["a word limit of 0", { questions: [{ ...QUESTIONS[0], wordLimit: 0 }] }, "questions.0.wordLimit"],
    [
      "a weight on a pass/fail question",
      { questions: [{ ...QUESTIONS[0], weightPct: 10 }] },
      "questions.0.weightPct",
    ],
    [
      "a tender deadline before the clarification deadline",
      { submissionDeadline: "2026-03-20T12:00:00Z" },
      "submissionDeadline",
    ],
    [
      "a deadline without its offset",
      { clarificationDeadline: "2026-04-01T12:00:00" },
      "clarificationDeadline",
    ],
    ["a deadline in the past", { clarificationDeadline: "2026-03-01T12:00:00Z" }, "clarificationDeadline"],
    ["a restricted procedure without a PQQ deadline", { procedure: "restricted" }, "pqqDeadline"],
  ])("refuses %s, naming the field", async (_what, overrides, path) => {
    const projectId = await stageFourProject();
    const response = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${projectId}/tenders`,
      headers: auth(),
      payload: body(overrides),
    });
    expect(response.statusCode, response.body).toBe(400);
    const errors = response.json<{ errors: { path: string; message: string }[] }>().errors;
    expect(errors.map((e) => e.path)).toContain(path);
    expect(await t.database.db.select().from(tenders).where(eq(tenders.projectId, projectId))).toEqual([]);
  });

  it("refuses a procedure the project's regime does not offer, and says which it does", async () => {
    const projectId = await stageFourProject();
    const response = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${projectId}/tenders`,
      headers: auth(),
      payload: body({ procedure: "competitive-flexible" }),
    });
    expect(response.statusCode).toBe(400);
    const [error] = response.json<{ errors: { path: string; message: string }[] }>().errors;
    expect(error?.path).toBe("procedure");
    expect(error?.message).toContain("Public Contracts Regulations 2015");
    expect(error?.message).toContain("open procedure");
  });

  it("takes a restricted procedure with PQQ questions and its PQQ deadline", async () => {
    const projectId = await stageFourProject();
    const created = await createTender(projectId, {
      procedure: "restricted",
      pqqDeadline: "2026-03-25T12:00:00Z",
      clarificationDeadline: "2026-04-01T12:00:00Z",
      questions: [
        { code: "PQ1", section: "pqq", kind: "pass-fail", text: "Are you registered with the CQC?" },
        ...QUESTIONS,
      ],
    });
    expect(created.reference).toMatch(/^KDAAT-2026-/);
  });

  it("lets only those who manage tenders set one up, and no supplier read the staff's list", async () => {
    const projectId = await stageFourProject();
    const evaluator = await createUser(t.services, ["evaluator"]);
    const refused = await t.app.inject({
      method: "POST",
      url: `/api/v1/projects/${projectId}/tenders`,
      headers: auth(await apiTokenFor(t.services, evaluator.id)),
      payload: body(),
    });
    expect(refused.statusCode).toBe(403);
    const supplier = await supplierUser();
    const list = await t.app.inject({
      url: `/api/v1/projects/${projectId}/tenders`,
      headers: auth(await apiTokenFor(t.services, supplier.id)),
    });
    expect(list.statusCode).toBe(403);
  });
});

describe("publishing a tender", () => {
  it("refuses before Stage 4, listing what is missing", async () => {
    const projectId = await insertProject(t.database.db, {
      title: "Early project",
      programmeCode: "KDAAT",
      estimatedValuePence: 75_000_000,
    });
    const tender = await createTender(projectId);
    const response = await t.app.inject({
      method: "POST",
      url: `/api/v1/tenders/${tender.id}/publish`,
      headers: auth(),
    });
    expect(response.statusCode).toBe(409);
    const missing = response.json<{ missing: { output: string }[] }>().missing.map((m) => m.output);
    expect(missing).toContain("stage-4");
    expect(missing).toContain("procurement-plan");
    expect(missing).toContain("specification");
    const [row] = await t.database.db.select().from(tenders).where(eq(tenders.id, tender.id));
    expect(row?.status).toBe("draft");
  });

  it("refuses at Stage 4 without the pack's documents, listing only them", async () => {
    const projectId = await stageFourProject();
    const tender = await createTender(projectId);
    await uploadPackDocument(tender.id, "specification");
    const response = await t.app.inject({
      method: "POST",
      url: `/api/v1/tenders/${tender.id}/publish`,
      headers: auth(),
    });
    expect(response.statusCode).toBe(409);
    const missing = response.json<{ missing: { output: string; paragraph: string }[] }>().missing;
    expect(missing.map((m) => m.output)).toEqual([
      "terms-and-conditions",
      "pricing-schedule",
      "instructions",
    ]);
    expect(missing.every((m) => m.paragraph === "App C 5.4")).toBe(true);
  });

  it("publishes at Stage 4 with its approvals and pack: checklist records completed, reminders queued", async () => {
    const { projectId, tenderId } = await publishedTender();
    const got = (await t.app.inject({ url: `/api/v1/tenders/${tenderId}`, headers: auth() })).json<{
      status: string;
      publishedAt: string;
      missing: unknown[];
    }>();
    expect(got.status).toBe("published");
    expect(got.publishedAt).toBe(NOW.toISOString());
    const tasks = await t.database.db
      .select({ key: checklistTasks.taskKey, status: checklistTasks.status })
      .from(checklistTasks)
      .where(eq(checklistTasks.projectId, projectId));
    const status = (key: string) => tasks.find((task) => task.key === key)?.status;
    expect(status("5.1")).toBe("completed");
    expect(status("5.4")).toBe("completed");
    expect(status("5.2")).not.toBe("completed");
    const reminders = await t.database.db
      .select({ payload: jobs.payload, runAt: jobs.runAt })
      .from(jobs)
      .where(eq(jobs.kind, "tender-deadline-reminder"));
    const mine = reminders.filter((r) => r.payload.tenderId === tenderId);
    expect(mine.map((r) => r.payload.section)).toEqual(["itt"]);
    expect(mine[0]?.runAt.toISOString()).toBe("2026-04-13T11:00:00.000Z");
    const again = await t.app.inject({
      method: "POST",
      url: `/api/v1/tenders/${tenderId}/publish`,
      headers: auth(),
    });
    expect(again.statusCode).toBe(409);
  });
});

describe("addenda", () => {
  it("moves a deadline as a numbered addendum told to every verified user of every interested supplier", async () => {
    const { tenderId } = await publishedTender();
    const interested = await supplierUser(tenderId);
    const unverified = await supplierUser(tenderId, false);
    const other = await supplierUser();
    const response = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/tenders/${tenderId}`,
      headers: auth(),
      payload: { submissionDeadline: "2026-04-22T12:00:00+01:00" },
    });
    expect(response.statusCode, response.body).toBe(200);
    const tender = response.json<{
      submissionDeadline: string;
      addenda: { number: number; summary: string }[];
    }>();
    expect(tender.submissionDeadline).toBe("2026-04-22T11:00:00.000Z");
    expect(tender.addenda.map((a) => a.number)).toEqual([1]);
    expect(tender.addenda[0]?.summary).toContain("22 April 2026");
    const messages = await t.database.db
      .select({ recipient: outbox.recipient, personalisation: outbox.personalisation })
      .from(outbox)
      .where(eq(outbox.templateKey, "tender-addendum"));
    const recipients = messages.map((m) => m.recipient);
    expect(recipients).toContain(interested.email);
    expect(recipients).not.toContain(unverified.email);
    expect(recipients).not.toContain(other.email);
    const reminders = await t.database.db
      .select({ payload: jobs.payload })
      .from(jobs)
      .where(eq(jobs.kind, "tender-deadline-reminder"));
    expect(reminders.filter((r) => r.payload.tenderId === tenderId).map((r) => r.payload.deadline)).toContain(
      "2026-04-22T11:00:00.000Z",
    );

    // A new document of a kind supersedes the old one, as addendum 2.
    const replaced = await uploadPackDocument(tenderId, "specification", "Specification, revised");
    expect(replaced.addendum).toBe(2);
    const documents = (
      await t.app.inject({ url: `/api/v1/tenders/${tenderId}/documents`, headers: auth() })
    ).json<{
      items: { kind: string; supersededAt: string | null; id: string }[];
    }>().items;
    const specifications = documents.filter((d) => d.kind === "specification");
    expect(specifications).toHaveLength(2);
    expect(specifications.filter((d) => d.supersededAt === null).map((d) => d.id)).toEqual([replaced.id]);
  });

  it.each([
    [
      "a deadline moved into the past",
      { submissionDeadline: "2026-03-01T12:00:00Z" },
      400,
      "submissionDeadline",
    ],
    [
      "a deadline out of the timetable's order",
      { clarificationDeadline: "2026-04-20T12:00:00Z" },
      400,
      "clarificationDeadline",
    ],
    ["a change of title", { title: "Another title" }, 409, "title"],
    ["a change of questions", { questions: QUESTIONS }, 409, "questions"],
  ])("refuses %s after publication", async (_what, payload, status, path) => {
    const { tenderId } = await publishedTender();
    const response = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/tenders/${tenderId}`,
      headers: auth(),
      payload,
    });
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toContain(path);
    const got = (await t.app.inject({ url: `/api/v1/tenders/${tenderId}`, headers: auth() })).json<{
      addenda: unknown[];
    }>();
    expect(got.addenda).toEqual([]);
  });

  it("changes a draft freely, without an addendum", async () => {
    const projectId = await stageFourProject();
    const tender = await createTender(projectId);
    const response = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/tenders/${tender.id}`,
      headers: auth(),
      payload: { title: "Renamed", questions: QUESTIONS.slice(0, 1), version: tender.version },
    });
    expect(response.statusCode, response.body).toBe(200);
    const got = response.json<{ title: string; questions: unknown[]; addenda: unknown[]; version: number }>();
    expect(got).toMatchObject({ title: "Renamed", addenda: [], version: tender.version + 1 });
    expect(got.questions).toHaveLength(1);
    const stale = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/tenders/${tender.id}`,
      headers: auth(),
      payload: { title: "Again", version: tender.version },
    });
    expect(stale.statusCode).toBe(409);
  });
});

describe("what a supplier sees", () => {
  it("reads the public part of a published tender, and not a draft", async () => {
    const { tenderId, projectId } = await publishedTender();
    const supplier = await supplierUser();
    const bearer = await apiTokenFor(t.services, supplier.id);
    const response = await t.app.inject({ url: `/api/v1/tenders/${tenderId}`, headers: auth(bearer) });
    expect(response.statusCode, response.body).toBe(200);
    const tender = response.json<Record<string, unknown>>();
    expect(tender.reference).toMatch(/^KDAAT-2026-/);
    expect(tender).not.toHaveProperty("missing");
    expect(tender).not.toHaveProperty("version");
    expect(response.body).not.toContain("wrappedDataKey");
    const draft = await createTender(projectId);
    const hidden = await t.app.inject({ url: `/api/v1/tenders/${draft.id}`, headers: auth(bearer) });
    expect(hidden.statusCode).toBe(404);
    const documents = await t.app.inject({
      url: `/api/v1/tenders/${tenderId}/documents`,
      headers: auth(bearer),
    });
    expect(documents.statusCode).toBe(403);
  });
});

describe("the staff's tender pages", () => {
  it("lists a project's tenders under its sub-navigation, with an empty state and the set-up link", async () => {
    const projectId = await stageFourProject();
    const response = await t.app.inject({ url: `/projects/${projectId}/tenders`, cookies: officer });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect($('#project-navigation a[aria-current="page"]').text().trim()).toBe("Tenders");
    expect($("#no-tenders").text()).toContain("no tenders yet");
    expect($("#set-up-tender").attr("href")).toBe(`/projects/${projectId}/tenders/new`);
  });

  it("sets up a tender through the form: only the regime's procedures, errors summarised, deadlines in UK time", async () => {
    const projectId = await stageFourProject();
    const formUrl = `/projects/${projectId}/tenders/new`;
    const form = html((await t.app.inject({ url: formUrl, cookies: officer })).body);
    expect(form('input[name="_csrf"]').val()).toBeTruthy();
    expect(
      form('input[name="procedure"]')
        .map((_i, el) => form(el).val())
        .get(),
    ).toEqual(["open", "restricted"]);

    const bad = await postForm(t.app, formUrl, `/projects/${projectId}/tenders`, officer, {
      title: "",
      procedure: "open",
      "clarificationDeadline-day": "1",
      "clarificationDeadline-month": "4",
      "clarificationDeadline-year": "2026",
      clarificationDeadlineTime: "25:00",
      "submissionDeadline-day": "15",
      "submissionDeadline-month": "4",
      "submissionDeadline-year": "2026",
      submissionDeadlineTime: "12:00",
    });
    expect(bad.response.headers.location).toBe(formUrl);
    const refused = html((await t.app.inject({ url: formUrl, cookies: bad.cookies })).body);
    const summary = refused(".govuk-error-summary a")
      .map((_i, el) => refused(el).attr("href"))
      .get();
    expect(summary).toEqual(expect.arrayContaining(["#title", "#clarificationDeadlineTime"]));

    const good = await postForm(t.app, formUrl, `/projects/${projectId}/tenders`, officer, {
      title: "Young people's treatment",
      procedure: "open",
      "clarificationDeadline-day": "1",
      "clarificationDeadline-month": "4",
      "clarificationDeadline-year": "2026",
      clarificationDeadlineTime: "12:00",
      "submissionDeadline-day": "15",
      "submissionDeadline-month": "4",
      "submissionDeadline-year": "2026",
      submissionDeadlineTime: "17:30",
      lots: "L1 North Kent\nL2 South Kent",
    });
    const location = String(good.response.headers.location);
    expect(location).toMatch(/^\/tenders\/[0-9a-f-]{36}$/);
    const tenderId = location.split("/").at(-1) ?? "";
    const [row] = await t.database.db.select().from(tenders).where(eq(tenders.id, tenderId));
    // 12:00 in London on 1 April 2026 is 11:00 UTC (summer time).
    expect(row?.clarificationDeadline.toISOString()).toBe("2026-04-01T11:00:00.000Z");
    expect(row?.lots).toEqual([
      { code: "L1", title: "North Kent" },
      { code: "L2", title: "South Kent" },
    ]);
    const $ = html((await t.app.inject({ url: location, cookies: good.cookies })).body);
    expect($("#tender-status").text()).toContain("Draft");
    expect($("#timetable-list").text()).toContain("1 April 2026");
    expect($("#missing li").length).toBeGreaterThan(0);
    expect($("#missing").text()).toContain("questions of the Invitation to tender (ITT)");
    $("form").each((_i, el) => {
      expect($(el).find('input[name="_csrf"]').val()).toBeTruthy();
    });
  });

  it("adds questions, takes the pack and publishes from the tender's page, then moves a deadline as an addendum", async () => {
    const projectId = await stageFourProject();
    const tender = await createTender(projectId, { questions: [] });
    const page = `/tenders/${tender.id}`;
    const newQuestion = `${page}/questions/new`;
    const weighted = await postForm(t.app, newQuestion, `${page}/questions`, officer, {
      code: "Q1",
      section: "itt",
      kind: "scored",
      text: "How will you deliver the service?",
      weightPct: "60",
    });
    expect(weighted.response.headers.location).toBe(newQuestion);
    const refused = html((await t.app.inject({ url: newQuestion, cookies: weighted.cookies })).body);
    expect(refused("#weightPct-error").text()).toContain("total 60%");
    const added = await postForm(t.app, newQuestion, `${page}/questions`, officer, {
      code: "Q1",
      section: "itt",
      kind: "scored",
      text: "How will you deliver the service?",
      weightPct: "100",
      wordLimit: "500",
      attachmentAllowed: "yes",
    });
    expect(added.response.headers.location).toBe(`${page}#questions`);

    const { csrf, cookies } = await (async () => {
      const response = await t.app.inject({ url: page, cookies: officer });
      const $ = html(response.body);
      return { csrf: String($("#upload input[name=_csrf]").val()), cookies: officer };
    })();
    for (const kind of REQUIRED) {
      const form = multipart([
        { name: "_csrf", value: csrf },
        { name: "kind", value: kind },
        { name: "title", value: `The ${kind}` },
        { name: "file", filename: `${kind}.pdf`, contentType: "application/pdf", data: pdf() },
      ]);
      const upload = await t.app.inject({
        method: "POST",
        url: `${page}/documents`,
        cookies,
        headers: form.headers,
        payload: form.payload,
      });
      expect(upload.statusCode, upload.body).toBe(303);
    }
    const forged = multipart([
      { name: "_csrf", value: "forged" },
      { name: "kind", value: "other" },
      { name: "title", value: "Forged" },
      { name: "file", filename: "x.pdf", contentType: "application/pdf", data: pdf() },
    ]);
    const forgery = await t.app.inject({
      method: "POST",
      url: `${page}/documents`,
      cookies,
      headers: forged.headers,
      payload: forged.payload,
    });
    expect(forgery.statusCode).toBe(403);

    const published = await postForm(t.app, page, `${page}/publish`, officer, {});
    expect(published.response.headers.location).toBe(page);
    const after = html((await t.app.inject({ url: page, cookies: published.cookies })).body);
    expect(after("#tender-status").text()).toContain("Published");
    expect(
      after("#tender-parts a")
        .map((_i, el) => after(el).attr("href"))
        .get(),
    ).toEqual([`${page}/clarifications`, `${page}/submissions`, `${page}/opening`]);
    expect(after("#change-deadlines")).toHaveLength(1);

    const moved = await postForm(t.app, page, `${page}/deadlines`, officer, {
      "clarificationDeadline-day": "1",
      "clarificationDeadline-month": "4",
      "clarificationDeadline-year": "2026",
      clarificationDeadlineTime: "13:00",
      "submissionDeadline-day": "22",
      "submissionDeadline-month": "4",
      "submissionDeadline-year": "2026",
      submissionDeadlineTime: "12:00",
    });
    expect(moved.response.headers.location).toBe(page);
    const log = html((await t.app.inject({ url: page, cookies: moved.cookies })).body);
    expect(log("#addenda-log tbody tr")).toHaveLength(1);
    expect(log("#addenda-log").text()).toContain("22 April 2026");
  });

  it("shows the pack upload's refusals in the error summary, storing nothing", async () => {
    const projectId = await stageFourProject();
    const tender = await createTender(projectId);
    const page = `/tenders/${tender.id}`;
    const csrf = String(
      html((await t.app.inject({ url: page, cookies: officer })).body)("#upload input[name=_csrf]").val(),
    );
    const cases: [string, string, Buffer, string][] = [
      ["", "spec.pdf", pdf(), "#doc-title"],
      ["A program", "spec.pdf", Buffer.from("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), "#file"],
    ];
    for (const [title, filename, data, href] of cases) {
      const form = multipart([
        { name: "_csrf", value: csrf },
        { name: "kind", value: "specification" },
        { name: "title", value: title },
        { name: "file", filename, contentType: "application/pdf", data },
      ]);
      const response = await t.app.inject({
        method: "POST",
        url: `${page}/documents`,
        cookies: officer,
        headers: form.headers,
        payload: form.payload,
      });
      expect(response.statusCode).toBe(303);
      const back = html((await t.app.inject({ url: page, cookies: officer })).body);
      expect(
        back(".govuk-error-summary a")
          .map((_i, el) => back(el).attr("href"))
          .get(),
      ).toContain(href);
    }
    const documents = (
      await t.app.inject({ url: `/api/v1/tenders/${tender.id}/documents`, headers: auth() })
    ).json<{ items: unknown[] }>();
    expect(documents.items).toEqual([]);
  });

  it("refuses the pages to a supplier and the set-up form to an evaluator", async () => {
    const projectId = await stageFourProject();
    const supplier = await supplierUser();
    const supplierCookies = await signIn(t.app, supplier.email);
    expect(
      (await t.app.inject({ url: `/projects/${projectId}/tenders`, cookies: supplierCookies })).statusCode,
    ).toBe(403);
    const evaluator = await createUser(t.services, ["evaluator"]);
    const evaluatorCookies = await signIn(t.app, evaluator.email);
    expect(
      (await t.app.inject({ url: `/projects/${projectId}/tenders`, cookies: evaluatorCookies })).statusCode,
    ).toBe(200);
    expect(
      (await t.app.inject({ url: `/projects/${projectId}/tenders/new`, cookies: evaluatorCookies }))
        .statusCode,
    ).toBe(403);
  });
});
