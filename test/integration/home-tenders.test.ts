import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clarifications, tenderInterests, tenders } from "../../src/db/schema/index.js";
import {
  asFixture,
  buildTestApp,
  createUser,
  html,
  insertProject,
  signIn,
  type TestApp,
} from "../helpers.js";
import { insertPublishedTender } from "../tenders.js";

/**
 * Tendering's next jobs on the home page (docs/tendering.md): a procurement officer's tenders to open
 * (App C 5.6), questions awaiting an answer (App C 5.5) and drafts; a supplier's own tenders. Each with
 * an empty state that says what to do.
 */

let t: TestApp;
let projectId: string;
const DAY = 86_400_000;

async function homeOf(email: string) {
  const response = await t.app.inject({ url: "/", cookies: await signIn(t.app, email) });
  expect(response.statusCode, response.body).toBe(200);
  return html(response.body);
}

beforeAll(async () => {
  t = await buildTestApp();
  projectId = await insertProject(t.database.db, {
    title: "Recovery tendering",
    programmeCode: "KDAAT",
    estimatedValuePence: 100_000_000,
  });
});
afterAll(async () => t.close());

describe("a procurement officer's home", () => {
  it("says what to do when no tender needs them", async () => {
    const officer = await createUser(t.services, ["procurement-officer"]);
    const $ = await homeOf(officer.email);
    expect($("#no-tenders-to-open").text()).toContain("No tender is waiting to be opened");
    expect($("#no-questions-awaiting").text()).toContain("No clarification question");
    expect($("#no-draft-tenders").text()).toContain("No tender is being set up");
  });

  it("lists a tender whose deadline passed until it is opened, the oldest question first, and drafts", async () => {
    const now = Date.now();
    const closed = await insertPublishedTender(t.database.db, t.services.sealer, {
      projectId,
      title: "Closed recovery tender",
      clarificationDeadline: new Date(now - 20 * DAY),
      submissionDeadline: new Date(now - 2 * DAY),
    });
    await insertPublishedTender(t.database.db, t.services.sealer, {
      projectId,
      title: "Still open tender",
      clarificationDeadline: new Date(now + 5 * DAY),
      submissionDeadline: new Date(now + 20 * DAY),
    });
    const draft = await insertPublishedTender(t.database.db, t.services.sealer, {
      projectId,
      title: "Draft outreach tender",
      clarificationDeadline: new Date(now + 5 * DAY),
      submissionDeadline: new Date(now + 20 * DAY),
    });
    await asFixture(t.database.db, (tx) =>
      tx.update(tenders).set({ status: "draft" }).where(eq(tenders.id, draft)),
    );
    const supplier = await createUser(t.services, ["supplier-user"]);
    const organisationId = supplier.organisationId ?? "";
    await asFixture(t.database.db, (tx) =>
      tx.insert(clarifications).values([
        {
          tenderId: closed,
          number: 1,
          organisationId,
          question: "Older question?",
          createdAt: new Date(now - 9 * DAY),
        },
        {
          tenderId: closed,
          number: 2,
          organisationId,
          question: "Newer question?",
          createdAt: new Date(now - 3 * DAY),
        },
        {
          tenderId: closed,
          number: 3,
          organisationId,
          question: "Answered?",
          answer: "Yes",
          visibility: "all",
          answeredAt: new Date(now - DAY),
        },
      ]),
    );
    const officer = await createUser(t.services, ["procurement-officer"]);
    const $ = await homeOf(officer.email);
    const toOpen = $("#tenders-to-open").text();
    expect(toOpen).toContain("Closed recovery tender");
    expect(toOpen).not.toContain("Still open tender");
    expect($(`#tenders-to-open a[href="/tenders/${closed}/opening"]`).length).toBe(1);
    const questions = $("#questions-awaiting tbody tr")
      .map((_i, row) => $(row).text())
      .get();
    expect(questions).toHaveLength(2);
    expect(questions[0]).toContain("Question 1");
    expect(questions[1]).toContain("Question 2");
    expect(questions[0]).toContain("Closed recovery tender");
    expect($("#draft-tenders").text()).toContain("Draft outreach tender");
    expect($(`#draft-tenders a[href="/tenders/${draft}"]`).length).toBe(1);
  });

  it("is not shown to an evaluator, who does not manage tenders", async () => {
    const evaluator = await createUser(t.services, ["evaluator"]);
    const $ = await homeOf(evaluator.email);
    expect($("#tenders-to-open").length).toBe(0);
  });
});

describe("a supplier user's home", () => {
  it("lists its organisation's tenders with their closing time in UK time and its submission's state", async () => {
    const supplier = await createUser(t.services, ["supplier-user"]);
    const before = await homeOf(supplier.email);
    expect(before("#opportunities").text()).toContain("Nothing needs you yet");
    const tenderId = await insertPublishedTender(t.database.db, t.services.sealer, {
      projectId,
      title: "Supplier's chosen tender",
      clarificationDeadline: new Date("2099-06-20T11:00:00Z"),
      submissionDeadline: new Date("2099-07-01T13:30:00Z"),
    });
    await asFixture(t.database.db, (tx) =>
      tx.insert(tenderInterests).values({ tenderId, organisationId: supplier.organisationId ?? "" }),
    );
    const $ = await homeOf(supplier.email);
    const row = $("#opportunities tbody tr").text();
    expect(row).toContain("Supplier's chosen tender");
    expect(row).toContain("1 July 2099 at 2:30 pm"); // 13:30 UTC is 14:30 in British Summer Time
    expect(row).toContain("Not submitted");
    expect($(`#opportunities a[href="/tenders/${tenderId}/submission"]`).length).toBe(1);
    const stranger = await createUser(t.services, ["supplier-user"]);
    expect((await homeOf(stranger.email))("#opportunities").text()).not.toContain("Supplier's chosen tender");
  });
});
