import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outbox, tenders } from "../../src/db/schema/index.js";
import { createWorker } from "../../src/jobs/worker.js";
import {
  scheduleDeadlineReminder,
  TENDER_DEADLINE_REMINDER_JOB,
} from "../../src/modules/tenders/deadline-reminder.js";
import { reminderJobHandler } from "../../src/modules/tenders/reminders/service.js";
import { asFixture, buildTestApp, insertProject, type TestApp } from "../helpers.js";
import { colleagueOf, insertSubmission, supplierWithUser } from "../opening-fixtures.js";
import { insertPublishedTender } from "../tenders.js";

let t: TestApp;
let projectId: string;

beforeAll(async () => {
  t = await buildTestApp({ PUBLIC_URL: "https://commissioner.test.example" });
  projectId = await insertProject(t.database.db, {
    title: "Welfare assistance recommissioning",
    programmeCode: "KSAS",
    estimatedValuePence: 90_000_000,
  });
});
afterAll(async () => {
  await t.close();
});

/** Runs the reminder jobs the way the app's worker does, until nothing is due. */
async function runDueReminders() {
  const worker = createWorker(
    t.services.jobs,
    { [TENDER_DEADLINE_REMINDER_JOB]: reminderJobHandler(t.services.tenderOpening.reminders) },
    t.app.log,
  );
  while ((await worker.runOnce()) > 0);
}

const remindersTo = async (email: string) =>
  (await t.database.db.select().from(outbox).where(eq(outbox.recipient, email))).filter(
    (m) => m.templateKey === "tender-deadline-reminder",
  );

async function tenderClosing(deadline: Date, procedure: "open" | "restricted" = "open") {
  const restricted = procedure === "restricted";
  return insertPublishedTender(t.database.db, t.services.sealer, {
    projectId,
    procedure,
    publishedAt: new Date(deadline.getTime() - 30 * 86_400_000),
    pqqDeadline: restricted ? new Date(deadline.getTime() - 20 * 86_400_000) : undefined,
    clarificationDeadline: new Date(deadline.getTime() - 7 * 86_400_000),
    submissionDeadline: deadline,
  });
}

describe("the deadline reminder (48 hours before)", () => {
  it("goes to every verified, active user of each interested supplier that has not submitted, once", async () => {
    // Due now: 47 hours before the deadline.
    const deadline = new Date(Date.now() + 47 * 3_600_000);
    const tenderId = await tenderClosing(deadline);
    const submitted = await supplierWithUser(t, tenderId);
    const drafting = await supplierWithUser(t, tenderId);
    const silent = await supplierWithUser(t, tenderId);
    const unverified = await colleagueOf(t, silent.organisationId, false);
    const uninterested = await supplierWithUser(t, null);
    await insertSubmission(t, {
      tenderId,
      organisationId: submitted.organisationId,
      content: { answers: [], priceTotalPence: 1 },
    });
    await insertSubmission(t, {
      tenderId,
      organisationId: drafting.organisationId,
      status: "draft",
      content: { answers: [], priceTotalPence: null },
    });
    await asFixture(t.database.db, (tx) =>
      scheduleDeadlineReminder(tx, { tenderId, section: "itt", deadline: deadline.toISOString() }),
    );
    await runDueReminders();

    expect(await remindersTo(submitted.user.email)).toHaveLength(0);
    expect(await remindersTo(unverified.email)).toHaveLength(0);
    expect(await remindersTo(uninterested.user.email)).toHaveLength(0);
    const [toDrafting, ...more] = await remindersTo(drafting.user.email);
    expect(more).toHaveLength(0);
    expect(toDrafting?.personalisation).toMatchObject({
      tenderTitle: "Community drug and alcohol treatment",
      link: `https://commissioner.test.example/tenders/${tenderId}/submission`,
    });
    expect(await remindersTo(silent.user.email)).toHaveLength(1);

    // The job run again (a retry, a second instance) sends nothing more.
    const again = await t.services.tenderOpening.reminders.remind({
      tenderId,
      section: "itt",
      deadline: deadline.toISOString(),
    });
    expect(again).toMatchObject({ sent: 0, skipped: "already-sent" });
    expect(await remindersTo(silent.user.email)).toHaveLength(1);
  });

  it("says the deadline in UK time", async () => {
    const winter = new Date("2027-02-01T12:00:00Z");
    const summer = new Date("2027-07-01T11:00:00Z");
    for (const [deadline, words] of [
      [winter, "12:00pm on 1 February 2027"],
      [summer, "12:00pm on 1 July 2027"],
    ] as const) {
      const tenderId = await tenderClosing(deadline);
      const supplier = await supplierWithUser(t, tenderId);
      const outcome = await t.services.tenderOpening.reminders.remind({
        tenderId,
        section: "itt",
        deadline: deadline.toISOString(),
      });
      expect(outcome).toEqual({ sent: 1, organisations: 1 });
      const [message] = await remindersTo(supplier.user.email);
      expect(message?.personalisation.deadline).toBe(words);
    }
  });

  it("sends nothing when the deadline has moved since, or the tender is cancelled", async () => {
    const deadline = new Date("2027-03-01T12:00:00Z");
    const moved = await tenderClosing(deadline);
    const supplier = await supplierWithUser(t, moved);
    await asFixture(t.database.db, (tx) =>
      tx
        .update(tenders)
        .set({ submissionDeadline: new Date("2027-03-08T12:00:00Z") })
        .where(eq(tenders.id, moved)),
    );
    expect(
      await t.services.tenderOpening.reminders.remind({
        tenderId: moved,
        section: "itt",
        deadline: deadline.toISOString(),
      }),
    ).toEqual({ sent: 0, skipped: "deadline-moved" });

    const cancelled = await tenderClosing(deadline);
    const other = await supplierWithUser(t, cancelled);
    await asFixture(t.database.db, (tx) =>
      tx.update(tenders).set({ status: "cancelled" }).where(eq(tenders.id, cancelled)),
    );
    expect(
      await t.services.tenderOpening.reminders.remind({
        tenderId: cancelled,
        section: "itt",
        deadline: deadline.toISOString(),
      }),
    ).toEqual({ sent: 0, skipped: "not-published" });
    expect(await remindersTo(supplier.user.email)).toHaveLength(0);
    expect(await remindersTo(other.user.email)).toHaveLength(0);
  });

  it("reminds only the suppliers invited to tender for a restricted procedure's ITT, and every interested one for its PQQ", async () => {
    const deadline = new Date("2027-04-01T11:00:00Z");
    const tenderId = await tenderClosing(deadline, "restricted");
    const invited = await supplierWithUser(t, tenderId, { invited: true });
    const notInvited = await supplierWithUser(t, tenderId);
    await t.services.tenderOpening.reminders.remind({
      tenderId,
      section: "itt",
      deadline: deadline.toISOString(),
    });
    expect(await remindersTo(invited.user.email)).toHaveLength(1);
    expect(await remindersTo(notInvited.user.email)).toHaveLength(0);

    const [tender] = await t.database.db.select().from(tenders).where(eq(tenders.id, tenderId));
    await t.services.tenderOpening.reminders.remind({
      tenderId,
      section: "pqq",
      deadline: tender?.pqqDeadline?.toISOString() ?? "",
    });
    expect(await remindersTo(notInvited.user.email)).toHaveLength(1);
  });
});
