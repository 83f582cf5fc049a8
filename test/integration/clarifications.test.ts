import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditEvents,
  checklistTasks,
  clarifications,
  organisations,
  outbox,
  users,
} from "../../src/db/schema/index.js";
import {
  apiTokenFor,
  asFixture,
  buildTestApp,
  createUser,
  html,
  insertProject,
  postForm,
  signIn,
  type TestApp,
} from "../helpers.js";
import { insertPublishedTender } from "../tenders.js";

let t: TestApp;
const DAY = 86_400_000;
const at = (days: number) => new Date(Date.now() + days * DAY);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface Supplier {
  token: string;
  email: string;
  organisationId: string;
  organisationName: string;
  colleagueEmail: string;
}

let projectId: string;
let tenderId: string;
let pastTenderId: string;
let alpha: Supplier;
let beta: Supplier;
let gamma: Supplier;
let officerToken: string;
let officerEmail: string;

/** A supplier with two verified users; it registers interest in the tender when asked to. */
async function supplier(interestIn: string[]): Promise<Supplier> {
  const user = await createUser(t.services, ["supplier-user"]);
  const [org] = await t.database.db
    .select({ id: organisations.id, name: organisations.name, code: organisations.code })
    .from(users)
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .where(eq(users.id, user.id));
  if (!org?.code) throw new Error("supplier has no organisation");
  const organisationId = org.id;
  const organisationName = org.name;
  const colleague = await createUser(t.services, ["supplier-user"], { organisationCode: org.code });
  await asFixture(t.database.db, async (tx) => {
    await tx
      .update(users)
      .set({ emailVerifiedAt: new Date() })
      .where(inArray(users.id, [user.id, colleague.id]));
  });
  const token = await apiTokenFor(t.services, user.id);
  for (const id of interestIn) {
    const r = await t.app.inject({
      method: "POST",
      url: `/api/v1/tenders/${id}/interest`,
      headers: bearer(token),
    });
    if (r.statusCode !== 200) throw new Error(`interest refused: ${r.body}`);
  }
  return { token, email: user.email, organisationId, organisationName, colleagueEmail: colleague.email };
}

async function ask(s: Supplier, question: string, id = tenderId) {
  return t.app.inject({
    method: "POST",
    url: `/api/v1/tenders/${id}/clarifications`,
    headers: bearer(s.token),
    payload: { question },
  });
}

async function answer(clarificationId: string, body: Record<string, unknown>, token = officerToken) {
  return t.app.inject({
    method: "POST",
    url: `/api/v1/clarifications/${clarificationId}/answer`,
    headers: bearer(token),
    payload: body,
  });
}

async function messagesFor(number: number) {
  const rows = await t.database.db
    .select()
    .from(outbox)
    .where(eq(outbox.templateKey, "clarification-answered"));
  return rows.filter((r) => r.personalisation.number === String(number));
}

interface Item {
  id: string;
  number: number;
  question: string;
  answer: string | null;
  ours?: boolean;
  askedBy?: { organisationName: string };
}

async function logFor(token: string, id = tenderId) {
  const r = await t.app.inject({ url: `/api/v1/tenders/${id}/clarifications`, headers: bearer(token) });
  return {
    status: r.statusCode,
    body: r.body,
    items: r.statusCode === 200 ? r.json<{ items: Item[] }>().items : [],
  };
}

beforeAll(async () => {
  t = await buildTestApp();
  projectId = await insertProject(t.database.db, {
    title: "Community drug and alcohol treatment",
    programmeCode: "KDAAT",
    estimatedValuePence: 250_000_000,
  });
  tenderId = await insertPublishedTender(t.database.db, t.services.sealer, {
    projectId,
    clarificationDeadline: at(10),
    submissionDeadline: at(20),
  });
  pastTenderId = await insertPublishedTender(t.database.db, t.services.sealer, {
    projectId,
    title: "Questions closed yesterday",
    clarificationDeadline: at(-1),
    submissionDeadline: at(5),
  });
  alpha = await supplier([tenderId, pastTenderId]);
  beta = await supplier([tenderId]);
  gamma = await supplier([]);
  const officer = await createUser(t.services, ["procurement-officer"]);
  officerEmail = officer.email;
  officerToken = await apiTokenFor(t.services, officer.id);
});

afterAll(async () => {
  await t.close();
});

describe("asking", () => {
  it("numbers each question in the tender's log, audited", async () => {
    const first = await ask(alpha, "Is TUPE expected to apply?");
    expect(first.statusCode).toBe(201);
    const second = await ask(beta, "May we bid for part of the service?");
    expect(second.json<Item>().number).toBe(first.json<Item>().number + 1);
    const audit = await t.database.db
      .select()
      .from(auditEvents)
      .where(
        and(eq(auditEvents.entityType, "clarification"), eq(auditEvents.entityId, first.json<Item>().id)),
      );
    expect(audit.map((a) => a.action)).toEqual(["asked"]);
  });

  it("refuses a question after the clarification deadline with 409 and a clear message", async () => {
    const late = await ask(alpha, "Too late?", pastTenderId);
    expect(late.statusCode).toBe(409);
    expect(late.json<{ detail: string }>().detail).toContain("The deadline for clarification questions was");
    const stored = await t.database.db
      .select()
      .from(clarifications)
      .where(eq(clarifications.tenderId, pastTenderId));
    expect(stored).toHaveLength(0);
  });

  it("refuses a question from a supplier that has not registered interest, and from staff", async () => {
    expect((await ask(gamma, "Can we ask?")).statusCode).toBe(409);
    const staff = await t.app.inject({
      method: "POST",
      url: `/api/v1/tenders/${tenderId}/clarifications`,
      headers: bearer(officerToken),
      payload: { question: "Staff?" },
    });
    expect(staff.statusCode).toBe(403);
  });

  it("refuses an empty question naming the field", async () => {
    const empty = await ask(alpha, "   ");
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain("question");
  });
});

describe("answering", () => {
  it("publishes an answer to every interested supplier without naming the asker", async () => {
    const asked = (await ask(alpha, "What is the TUPE list of Alpha's rivals?")).json<Item>();
    // Before the answer, another supplier does not see the question at all.
    expect((await logFor(beta.token)).items.map((i) => i.id)).not.toContain(asked.id);
    const done = await answer(asked.id, { answer: "The TUPE list is in the pack.", publish: "all" });
    expect(done.statusCode).toBe(200);
    expect(done.json<{ notified: number }>().notified).toBe(4);

    // Every verified user of every interested organisation is told; the one not interested is not.
    const recipients = (await messagesFor(asked.number)).map((m) => m.recipient).sort();
    expect(recipients).toEqual([alpha.email, alpha.colleagueEmail, beta.email, beta.colleagueEmail].sort());
    expect(recipients).not.toContain(gamma.email);

    // Beta sees the answer, never who asked: in the API and on the pages.
    const seen = await logFor(beta.token);
    const item = seen.items.find((i) => i.id === asked.id);
    expect(item?.answer).toBe("The TUPE list is in the pack.");
    expect(item?.ours).toBe(false);
    expect(seen.body).not.toContain(alpha.organisationName);
    expect(seen.body).not.toContain(alpha.organisationId);
    const betaCookies = await signIn(t.app, beta.email);
    const page = await t.app.inject({ url: `/tenders/${tenderId}/clarifications`, cookies: betaCookies });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("The TUPE list is in the pack.");
    expect(page.body).not.toContain(alpha.organisationName);
    const publicApi = await t.app.inject({ url: `/api/v1/public/opportunities/${tenderId}` });
    expect(publicApi.body).toContain("The TUPE list is in the pack.");
    expect(publicApi.body).not.toContain(alpha.organisationName);
    const publicPage = await t.app.inject({ url: `/opportunities/${tenderId}` });
    expect(html(publicPage.body)("#answers").text()).toContain("The TUPE list is in the pack.");
    expect(publicPage.body).not.toContain(alpha.organisationName);

    // Alpha sees its own question marked as its own; staff see who asked.
    expect((await logFor(alpha.token)).items.find((i) => i.id === asked.id)?.ours).toBe(true);
    const staff = (await logFor(officerToken)).items.find((i) => i.id === asked.id);
    expect(staff?.askedBy?.organisationName).toBe(alpha.organisationName);

    // The checklist's record of App C 5.5 is complete, and the answer audited.
    const tasks = await t.database.db
      .select()
      .from(checklistTasks)
      .where(and(eq(checklistTasks.projectId, projectId), eq(checklistTasks.evidenceId, asked.id)));
    expect(tasks.length).toBeGreaterThan(0);
    expect(tasks.every((task) => task.status === "completed")).toBe(true);
    const audit = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "clarification"), eq(auditEvents.entityId, asked.id)));
    expect(audit.map((a) => a.action)).toContain("answered-published");
  });

  it("sends a private answer to the asking organisation only, with its reason recorded", async () => {
    const asked = (await ask(beta, "Can Beta see its own contract's figures?")).json<Item>();
    const noReason = await answer(asked.id, { answer: "Yes.", publish: "private" });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain("reason");
    const done = await answer(asked.id, {
      answer: "Yes: they are in your current contract.",
      publish: "private",
      reason: "It concerns only the incumbent's own contract",
    });
    expect(done.statusCode).toBe(200);
    expect(done.json<{ privateReason: string }>().privateReason).toBe(
      "It concerns only the incumbent's own contract",
    );
    const recipients = (await messagesFor(asked.number)).map((m) => m.recipient).sort();
    expect(recipients).toEqual([beta.email, beta.colleagueEmail].sort());
    // Alpha never sees the private question or answer; Beta does.
    const alphaLog = await logFor(alpha.token);
    expect(alphaLog.items.map((i) => i.id)).not.toContain(asked.id);
    expect(alphaLog.body).not.toContain("current contract");
    expect(alphaLog.body).not.toContain(beta.organisationName);
    expect((await logFor(beta.token)).items.find((i) => i.id === asked.id)?.answer).toContain(
      "current contract",
    );
    const publicApi = await t.app.inject({ url: `/api/v1/public/opportunities/${tenderId}` });
    expect(publicApi.body).not.toContain("current contract");
  });

  it("does not let an answer be changed once given", async () => {
    const asked = (await ask(alpha, "Is there a site visit?")).json<Item>();
    expect((await answer(asked.id, { answer: "No.", publish: "all" })).statusCode).toBe(200);
    const again = await answer(asked.id, { answer: "Yes, after all.", publish: "all" });
    expect(again.statusCode).toBe(409);
    expect(again.json<{ detail: string }>().detail).toContain("cannot be changed");
    const [row] = await t.database.db.select().from(clarifications).where(eq(clarifications.id, asked.id));
    expect(row?.answer).toBe("No.");
  });

  it("does not let a supplier answer", async () => {
    const asked = (await ask(alpha, "Who evaluates?")).json<Item>();
    const refused = await answer(asked.id, { answer: "We do.", publish: "all" }, beta.token);
    expect(refused.statusCode).toBe(403);
    const [row] = await t.database.db.select().from(clarifications).where(eq(clarifications.id, asked.id));
    expect(row?.answer).toBeNull();
  });
});

describe("pages", () => {
  it("a supplier asks from the page; an officer answers from the page", async () => {
    const alphaCookies = await signIn(t.app, alpha.email);
    const page = `/tenders/${tenderId}/clarifications`;
    const empty = await postForm(t.app, page, page, alphaCookies, { question: "" });
    expect(empty.response.statusCode).toBe(303);
    const withError = await t.app.inject({ url: page, cookies: empty.cookies });
    expect(html(withError.body)(".govuk-error-summary").text()).toContain("Enter your question");

    const sent = await postForm(t.app, page, page, empty.cookies, {
      question: "Is parking available on site?",
    });
    expect(sent.response.headers.location).toBe(page);
    const [row] = await t.database.db
      .select()
      .from(clarifications)
      .where(eq(clarifications.question, "Is parking available on site?"));
    if (!row) throw new Error("question not stored");

    const officerCookies = await signIn(t.app, officerEmail);
    const log = await t.app.inject({ url: page, cookies: officerCookies });
    expect(html(log.body)(`tr[data-clarification-id='${row.id}']`).text()).toContain(alpha.organisationName);
    const form = `${page}/${row.id}`;
    const noReason = await postForm(t.app, form, form, officerCookies, {
      answer: "Only for staff.",
      publish: "private",
      reason: "",
    });
    const refused = await t.app.inject({ url: form, cookies: noReason.cookies });
    expect(html(refused.body)(".govuk-error-summary").text()).toContain("Enter why the answer goes only");
    const done = await postForm(t.app, form, form, noReason.cookies, {
      answer: "Yes, two spaces.",
      publish: "all",
    });
    expect(done.response.headers.location).toBe(page);
    const after = await t.app.inject({ url: page, cookies: alphaCookies });
    expect(after.body).toContain("Yes, two spaces.");

    // A supplier cannot open the answer form.
    expect((await t.app.inject({ url: form, cookies: alphaCookies })).statusCode).toBe(403);
  });

  it("a supplier is told on the page when questions have closed", async () => {
    const cookies = await signIn(t.app, alpha.email);
    const closed = await t.app.inject({ url: `/tenders/${pastTenderId}/clarifications`, cookies });
    expect(html(closed.body)("#asking-closed").text()).toContain("deadline for questions has passed");
    const posted = await postForm(
      t.app,
      `/tenders/${pastTenderId}/clarifications`,
      `/tenders/${pastTenderId}/clarifications`,
      cookies,
      {
        question: "Still there?",
      },
    );
    const back = await t.app.inject({
      url: `/tenders/${pastTenderId}/clarifications`,
      cookies: posted.cookies,
    });
    expect(html(back.body)(".govuk-error-summary").text()).toContain(
      "The deadline for clarification questions was",
    );
  });
});
