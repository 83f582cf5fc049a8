import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submissionCompliance, tenderOpenings, users } from "../../src/db/schema/index.js";
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
import { insertSubmission, movableClock, taskStatuses } from "../opening-fixtures.js";
import { insertPublishedTender, insertSupplier } from "../tenders.js";

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

const DEADLINE = new Date("2027-02-01T12:00:00Z");
const clock = movableClock(new Date("2027-02-01T11:59:59Z"));

let t: TestApp;
let officer: { id: string; email: string };
let witness: { id: string; email: string };
let officerToken: string;
let commissionerToken: string;
let inactiveOfficer: { id: string };
let commissioner: { id: string };
let projectId: string;

beforeAll(async () => {
  t = await buildTestApp({}, { clock });
  officer = await createUser(t.services, ["procurement-officer"]);
  witness = await createUser(t.services, ["procurement-officer"]);
  inactiveOfficer = await createUser(t.services, ["procurement-officer"]);
  commissioner = await createUser(t.services, ["commissioner"]);
  await asFixture(t.database.db, (tx) =>
    tx.update(users).set({ active: false }).where(eq(users.id, inactiveOfficer.id)),
  );
  officerToken = await apiTokenFor(t.services, officer.id);
  commissionerToken = await apiTokenFor(t.services, commissioner.id);
  projectId = await insertProject(t.database.db, {
    title: "Community treatment recommissioning",
    programmeCode: "KDAAT",
    estimatedValuePence: 250_000_000,
  });
});
afterAll(async () => {
  await t.close();
});

function openTender(tenderId: string, token: string, body: Record<string, unknown>) {
  return t.app.inject({
    method: "POST",
    url: `/api/v1/tenders/${tenderId}/opening`,
    headers: { authorization: `Bearer ${token}` },
    payload: body,
  });
}

function putCompliance(tenderId: string, body: Record<string, unknown>) {
  return t.app.inject({
    method: "PUT",
    url: `/api/v1/tenders/${tenderId}/compliance`,
    headers: { authorization: `Bearer ${officerToken}` },
    payload: body,
  });
}

const complete = (price: number | null = 120_000_00) => ({
  answers: [
    { questionCode: "Q1", value: "yes" },
    { questionCode: "Q2", value: "We will deliver it well." },
    { questionCode: "Q3", value: "Through a service-user panel." },
  ],
  priceTotalPence: price,
});

async function tenderWithSubmissions() {
  const tenderId = await insertPublishedTender(t.database.db, t.services.sealer, {
    projectId,
    clarificationDeadline: new Date("2027-01-15T12:00:00Z"),
    submissionDeadline: DEADLINE,
  });
  const alpha = await insertSupplier(t.database.db, {
    name: `Alpha Recovery ${tenderId.slice(0, 6)}`,
    tenderId,
  });
  const beta = await insertSupplier(t.database.db, { name: `Beta Care ${tenderId.slice(0, 6)}`, tenderId });
  const gamma = await insertSupplier(t.database.db, {
    name: `Gamma Trust ${tenderId.slice(0, 6)}`,
    tenderId,
  });
  const delta = await insertSupplier(t.database.db, {
    name: `Delta Support ${tenderId.slice(0, 6)}`,
    tenderId,
  });
  const alphaOld = await insertSubmission(t, {
    tenderId,
    organisationId: alpha,
    status: "superseded",
    content: complete(),
    submittedAt: new Date("2027-01-30T09:00:00Z"),
  });
  const alphaNow = await insertSubmission(t, {
    tenderId,
    organisationId: alpha,
    content: complete(),
    submittedAt: new Date("2027-02-01T11:59:59Z"),
  });
  // Beta left Q3 out, answered "no" to the pass/fail Q1, and gave no price.
  const betaNow = await insertSubmission(t, {
    tenderId,
    organisationId: beta,
    content: {
      answers: [
        { questionCode: "Q1", value: "No" },
        { questionCode: "Q2", value: "Somehow." },
      ],
      priceTotalPence: null,
    },
    submittedAt: new Date("2027-01-31T16:30:00Z"),
  });
  const gammaWithdrawn = await insertSubmission(t, {
    tenderId,
    organisationId: gamma,
    status: "withdrawn",
    content: complete(),
  });
  await insertSubmission(t, { tenderId, organisationId: delta, status: "draft", content: complete() });
  return { tenderId, alphaOld, alphaNow, betaNow, gammaWithdrawn };
}

describe("the opening (App C 5.6)", () => {
  it("is refused before the deadline, to anyone but a procurement officer, and without another officer as witness", async () => {
    const { tenderId } = await tenderWithSubmissions();
    clock.set(new Date("2027-02-01T12:00:00Z"));
    const early = await openTender(tenderId, officerToken, { witnessUserIds: [witness.id] });
    expect(early.statusCode).toBe(409);
    expect(early.json<Problem>().detail).toMatch(/deadline has not passed/);

    clock.set(new Date("2027-02-01T12:00:01Z"));
    const byCommissioner = await openTender(tenderId, commissionerToken, { witnessUserIds: [witness.id] });
    expect(byCommissioner.statusCode).toBe(403);

    const self = await openTender(tenderId, officerToken, { witnessUserIds: [officer.id] });
    expect(self.statusCode).toBe(422);
    expect(self.json<Problem>().errors).toEqual([
      { path: "witnessUserIds.0", message: "The witness must be someone other than you" },
    ]);

    const notOfficer = await openTender(tenderId, officerToken, { witnessUserIds: [commissioner.id] });
    expect(notOfficer.statusCode).toBe(422);
    expect(notOfficer.json<Problem>().errors[0]).toMatchObject({
      path: "witnessUserIds.0",
      message: /procurement officer/,
    });

    const inactive = await openTender(tenderId, officerToken, {
      witnessUserIds: [witness.id, inactiveOfficer.id],
    });
    expect(inactive.statusCode).toBe(422);
    expect(inactive.json<Problem>().errors[0]).toMatchObject({ path: "witnessUserIds.1", message: /active/ });

    const none = await openTender(tenderId, officerToken, { witnessUserIds: [] });
    expect(none.statusCode).toBe(400);

    const rows = await t.database.db
      .select()
      .from(tenderOpenings)
      .where(eq(tenderOpenings.tenderId, tenderId));
    expect(rows).toHaveLength(0);
    expect(await taskStatuses(t.database.db, projectId, "tenders-opened")).not.toContain("completed");
  });

  it("records every submitted submission with its time and hash, counts the rest, checks compliance and completes the checklist", async () => {
    const { tenderId, alphaNow, betaNow, alphaOld, gammaWithdrawn } = await tenderWithSubmissions();
    clock.set(new Date("2027-02-01T12:00:01Z"));
    // Two officers named (App C 5.6): the one recording may list themselves beside the witness.
    const response = await openTender(tenderId, officerToken, { witnessUserIds: [officer.id, witness.id] });
    expect(response.statusCode).toBe(201);
    const opening = response.json<Opening>();
    expect(opening.section).toBe("itt");
    expect(opening.openedBy.id).toBe(officer.id);
    expect(opening.witnesses.map((w) => w.id)).toEqual([witness.id]);
    expect(opening.withdrawnCount).toBe(1);
    expect(opening.supersededCount).toBe(1);
    const listed = opening.submissions.map((s) => ({
      id: s.submissionId,
      sha256: s.sha256,
      at: s.submittedAt,
    }));
    expect(listed).toEqual([
      { id: betaNow.id, sha256: betaNow.sha256, at: "2027-01-31T16:30:00.000Z" },
      { id: alphaNow.id, sha256: alphaNow.sha256, at: "2027-02-01T11:59:59.000Z" },
    ]);
    expect(JSON.stringify(opening)).not.toContain(alphaOld.id);
    expect(JSON.stringify(opening)).not.toContain(gammaWithdrawn.id);

    const beta = opening.submissions.find((s) => s.submissionId === betaNow.id);
    expect(beta?.compliance).toMatchObject({
      late: false,
      missingQuestionCodes: ["Q3", "P1"],
      failedQuestionCodes: ["Q1"],
      compliant: null,
    });
    const alpha = opening.submissions.find((s) => s.submissionId === alphaNow.id);
    expect(alpha?.compliance).toMatchObject({
      late: false,
      missingQuestionCodes: [],
      failedQuestionCodes: [],
    });

    // The opening exists: what lifts the seal on the submissions.
    const [stored] = await t.database.db
      .select()
      .from(tenderOpenings)
      .where(eq(tenderOpenings.tenderId, tenderId));
    expect(stored).toMatchObject({ section: "itt", openedById: officer.id, witnessIds: [witness.id] });
    expect(await taskStatuses(t.database.db, projectId, "tenders-opened")).toEqual(["completed"]);
    expect(await taskStatuses(t.database.db, projectId, "evaluation-access-given")).toEqual(["completed"]);

    const again = await openTender(tenderId, officerToken, { witnessUserIds: [witness.id] });
    expect(again.statusCode).toBe(409);
    expect(again.json<Problem>().detail).toMatch(/already been opened/);

    const record = await t.app.inject({
      url: `/api/v1/tenders/${tenderId}/opening`,
      headers: { authorization: `Bearer ${commissionerToken}` },
    });
    expect(record.statusCode).toBe(200);
    expect(record.json<{ sections: unknown[] }>().sections).toEqual([
      { section: "itt", deadline: DEADLINE.toISOString(), deadlinePassed: true, opening },
    ]);
  });

  it("takes each submission's compliance conclusion, with a reason when not compliant, and completes the assessment when all are in", async () => {
    const { tenderId, alphaNow, betaNow, alphaOld } = await tenderWithSubmissions();
    clock.set(new Date("2027-02-02T09:00:00Z"));
    expect((await openTender(tenderId, officerToken, { witnessUserIds: [witness.id] })).statusCode).toBe(201);

    const noReason = await putCompliance(tenderId, { submissionId: betaNow.id, compliant: false });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json<Problem>().errors).toEqual([
      { path: "reason", message: "Say why the submission is not compliant" },
    ]);
    const notOpened = await putCompliance(tenderId, { submissionId: alphaOld.id, compliant: true });
    expect(notOpened.statusCode).toBe(409);

    const beta = await putCompliance(tenderId, {
      submissionId: betaNow.id,
      compliant: false,
      reason: "No insurance and no price",
    });
    expect(beta.statusCode).toBe(200);
    expect(beta.json<Compliance>()).toMatchObject({
      compliant: false,
      reason: "No insurance and no price",
      failedQuestionCodes: ["Q1"],
    });
    expect(await taskStatuses(t.database.db, projectId, "compliance-assessed")).not.toContain("completed");

    expect((await putCompliance(tenderId, { submissionId: alphaNow.id, compliant: true })).statusCode).toBe(
      200,
    );
    const [row] = await t.database.db
      .select()
      .from(submissionCompliance)
      .where(eq(submissionCompliance.submissionId, alphaNow.id));
    expect(row).toMatchObject({ compliant: true, recordedById: officer.id });
    expect(await taskStatuses(t.database.db, projectId, "compliance-assessed")).toEqual(["completed"]);
  });

  it("is recorded from the page: the deadline, a witness chosen from the other officers, then the record", async () => {
    const { tenderId, alphaNow } = await tenderWithSubmissions();
    clock.set(new Date("2027-02-01T11:00:00Z"));
    const cookies = await signIn(t.app, officer.email);
    const before = html((await t.app.inject({ url: `/tenders/${tenderId}/opening`, cookies })).body);
    expect(before("#deadline-itt").text()).toContain("1 February 2027");
    expect(before("#deadline-itt").text()).toMatch(/Deadline passed\s+No/);
    expect(before("form#opening-form-itt")).toHaveLength(0);

    clock.set(new Date("2027-02-01T12:30:00Z"));
    const page = html((await t.app.inject({ url: `/tenders/${tenderId}/opening`, cookies })).body);
    const options = page("#witnessUserId option")
      .map((_i, o) => page(o).attr("value"))
      .get();
    expect(options).toContain(witness.id);
    expect(options).not.toContain(officer.id);
    expect(options).not.toContain(inactiveOfficer.id);
    expect(options).not.toContain(commissioner.id);

    const refused = await postForm(
      t.app,
      `/tenders/${tenderId}/opening`,
      `/tenders/${tenderId}/opening`,
      cookies,
      {
        section: "itt",
        witnessUserId: "",
      },
    );
    expect(refused.response.headers.location).toBe(`/tenders/${tenderId}/opening`);

    const done = await postForm(
      t.app,
      `/tenders/${tenderId}/opening`,
      `/tenders/${tenderId}/opening`,
      cookies,
      {
        section: "itt",
        witnessUserId: witness.id,
      },
    );
    expect(done.response.statusCode).toBe(303);
    const after = html(
      (await t.app.inject({ url: `/tenders/${tenderId}/opening`, cookies: done.cookies })).body,
    );
    const row = after(`#record-itt tr[data-submission-id="${alphaNow.id}"]`);
    expect(row.text()).toContain(alphaNow.sha256);
    expect(row.text()).toContain("11:59");
    const printable = await t.app.inject({ url: `/tenders/${tenderId}/opening/itt/record`, cookies });
    expect(printable.statusCode).toBe(200);
    expect(printable.body).toContain(alphaNow.sha256);

    const compliancePage = `/tenders/${tenderId}/opening/compliance/${alphaNow.id}`;
    const conclusion = await postForm(t.app, compliancePage, compliancePage, cookies, {
      compliant: "no",
      reason: "",
    });
    expect(conclusion.response.headers.location).toBe(compliancePage);
    const shown = html((await t.app.inject({ url: compliancePage, cookies: conclusion.cookies })).body);
    expect(shown(".govuk-error-summary").text()).toContain("Say why the submission is not compliant");
  });

  it("shows the record to staff only", async () => {
    const { tenderId } = await tenderWithSubmissions();
    const supplier = await createUser(t.services, ["supplier-user"]);
    const token = await apiTokenFor(t.services, supplier.id);
    const response = await t.app.inject({
      url: `/api/v1/tenders/${tenderId}/opening`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(403);
  });
});
