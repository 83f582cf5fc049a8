import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, outbox, tenderSubmissions } from "../../src/db/schema/index.js";
import { submissionHash } from "../../src/modules/tenders/submissions/receipt.js";
import { buildTestApp, formToken, html, multipart, postForm, signIn, type TestApp } from "../helpers.js";
import {
  DEADLINE,
  GOOD_ANSWERS,
  movableClock,
  pdf,
  sha256,
  START,
  submit,
  supplierFor,
  tenderFor,
} from "../submission-fixtures.js";

/** Sealed submissions through the API (docs/tendering.md): submit, receipt, replace, withdraw, drafts. */

const clock = movableClock(START);
let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp({}, { clock });
});
afterAll(async () => {
  await t.close();
});

const rowsOf = (tenderId: string, organisationId: string) =>
  t.database.db
    .select()
    .from(tenderSubmissions)
    .where(
      and(eq(tenderSubmissions.tenderId, tenderId), eq(tenderSubmissions.organisationId, organisationId)),
    );

describe("PUT /api/v1/tenders/:id/submission", () => {
  it("stores a sealed submission and answers its receipt, whose hashes are the uploaded bytes'", async () => {
    clock.set(START);
    const tenderId = await tenderFor(t);
    const s = await supplierFor(t, tenderId);
    const a = pdf("method statement");
    const b = pdf("insurance certificate");
    const res = await submit(t, tenderId, s.auth, {
      answers: GOOD_ANSWERS,
      priceTotalPence: 125_000_00,
      files: [
        { filename: "method.pdf", data: a },
        { filename: "insurance.pdf", data: b },
      ],
      fileQuestionCodes: ["Q2", null],
    });
    expect(res.statusCode, res.body).toBe(200);
    const { receipt } = res.json<{
      receipt: {
        submissionId: string;
        submittedAt: string;
        sha256: string;
        files: { name: string; sha256: string; bytes: number }[];
      };
    }>();
    expect(receipt.files).toEqual([
      { name: "method.pdf", sha256: sha256(a), bytes: a.length },
      { name: "insurance.pdf", sha256: sha256(b), bytes: b.length },
    ]);
    expect(receipt.submittedAt).toBe(START.toISOString());
    // The whole submission's hash, recomputed from what was sent (docs/tendering.md).
    expect(receipt.sha256).toBe(
      submissionHash({
        submissionId: receipt.submissionId,
        tenderId,
        section: "itt",
        submittedAt: START,
        answers: GOOD_ANSWERS,
        priceTotalPence: 125_000_00,
        files: [
          { name: "method.pdf", sha256: sha256(a), bytes: a.length, questionCode: "Q2" },
          { name: "insurance.pdf", sha256: sha256(b), bytes: b.length, questionCode: null },
        ],
      }),
    );
    const rows = await rowsOf(tenderId, s.organisationId);
    expect(rows.map((r) => r.status)).toEqual(["submitted"]);
    expect(rows[0]?.sha256).toBe(receipt.sha256);

    const own = await t.app.inject({ url: `/api/v1/tenders/${tenderId}/submission`, headers: s.auth });
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json()).toMatchObject({ status: "submitted", receipt });

    const [message] = await t.database.db
      .select()
      .from(outbox)
      .where(eq(outbox.templateKey, "submission-receipt"));
    expect(message?.personalisation).toMatchObject({ sha256: receipt.sha256 });
    const audit = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, receipt.submissionId), eq(auditEvents.action, "submitted")));
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]?.summary)).not.toContain("community hubs");

    const pdfRes = await t.app.inject({
      url: `/api/v1/tenders/${tenderId}/submission/receipt.pdf`,
      headers: s.auth,
    });
    expect(pdfRes.statusCode).toBe(200);
    expect(pdfRes.headers["content-type"]).toBe("application/pdf");
    expect(pdfRes.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
  });

  it("replaces an earlier submission before the deadline, keeping it superseded, and withdraws", async () => {
    clock.set(START);
    const tenderId = await tenderFor(t);
    const s = await supplierFor(t, tenderId);
    const first = await submit(t, tenderId, s.auth, { answers: GOOD_ANSWERS, priceTotalPence: 100 });
    expect(first.statusCode, first.body).toBe(200);
    clock.set(new Date(START.getTime() + 60_000));
    const second = await submit(t, tenderId, s.auth, { answers: GOOD_ANSWERS, priceTotalPence: 200 });
    expect(second.statusCode, second.body).toBe(200);
    const statuses = (await rowsOf(tenderId, s.organisationId)).map((r) => r.status).sort();
    expect(statuses).toEqual(["submitted", "superseded"]);

    const withdrawn = await t.app.inject({
      method: "DELETE",
      url: `/api/v1/tenders/${tenderId}/submission`,
      headers: s.auth,
    });
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect((await rowsOf(tenderId, s.organisationId)).map((r) => r.status).sort()).toEqual([
      "superseded",
      "withdrawn",
    ]);
    const own = await t.app.inject({ url: `/api/v1/tenders/${tenderId}/submission`, headers: s.auth });
    expect(own.json()).toMatchObject({ status: "withdrawn", receipt: null });
  });

  it("keeps one sealed draft per section, read back only by its organisation, and submits it", async () => {
    clock.set(START);
    const tenderId = await tenderFor(t);
    const s = await supplierFor(t, tenderId);
    for (const value of ["first words", "second words"]) {
      const res = await t.app.inject({
        method: "PUT",
        url: `/api/v1/tenders/${tenderId}/submission/draft`,
        headers: s.auth,
        payload: { answers: [{ questionCode: "Q2", value }], priceTotalPence: 5 },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const rows = await rowsOf(tenderId, s.organisationId);
    expect(rows.map((r) => r.status)).toEqual(["draft"]);
    expect(rows[0]?.sealedContent).not.toContain("second words");
    const own = await t.app.inject({ url: `/api/v1/tenders/${tenderId}/submission`, headers: s.auth });
    expect(own.json()).toMatchObject({
      status: "draft",
      draft: { answers: [{ questionCode: "Q2", value: "second words" }], priceTotalPence: 5 },
    });

    const done = await submit(t, tenderId, s.auth, { answers: GOOD_ANSWERS, priceTotalPence: 7 });
    expect(done.statusCode).toBe(200);
    expect((await rowsOf(tenderId, s.organisationId)).map((r) => r.status)).toEqual(["submitted"]);
  });

  it("refuses an organisation that has not registered interest (403 interest-required)", async () => {
    clock.set(START);
    const tenderId = await tenderFor(t);
    const s = await supplierFor(t, tenderId, { interest: false });
    const res = await submit(t, tenderId, s.auth, { answers: GOOD_ANSWERS, priceTotalPence: 1 });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: "interest-required" });
    expect(await rowsOf(tenderId, s.organisationId)).toEqual([]);
  });

  it("takes the PQQ until its deadline on a restricted tender, and the ITT only from the shortlisted", async () => {
    clock.set(START);
    const pqqDeadline = new Date("2026-03-06T12:00:00Z");
    const tenderId = await tenderFor(t, {
      procedure: "restricted",
      pqqDeadline,
      questions: [
        { code: "PQ1", section: "pqq", kind: "pass-fail" },
        { code: "Q1", section: "itt", kind: "scored", wordLimit: 50 },
        { code: "P1", section: "itt", kind: "price" },
      ],
    });
    const s = await supplierFor(t, tenderId);
    const pqq = await submit(t, tenderId, s.auth, { answers: [{ questionCode: "PQ1", value: "yes" }] });
    expect(pqq.statusCode, pqq.body).toBe(200);
    expect(pqq.json()).toMatchObject({ receipt: { section: "pqq" } });
    clock.set(new Date(pqqDeadline.getTime() + 1000));
    const itt = await submit(t, tenderId, s.auth, {
      answers: [{ questionCode: "Q1", value: "ok" }],
      priceTotalPence: 1,
    });
    expect(itt.statusCode).toBe(403);
    expect(itt.json()).toMatchObject({ code: "not-invited" });
    const lateP = await submit(t, tenderId, s.auth, {
      section: "pqq",
      answers: [{ questionCode: "PQ1", value: "yes" }],
    });
    expect(lateP.statusCode).toBe(409);
    const invited = await supplierFor(t, tenderId, { invited: true });
    const ok = await submit(t, tenderId, invited.auth, {
      answers: [{ questionCode: "Q1", value: "ok" }],
      priceTotalPence: 1,
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it("refuses withdrawal after the deadline", async () => {
    clock.set(START);
    const tenderId = await tenderFor(t);
    const s = await supplierFor(t, tenderId);
    expect(
      (await submit(t, tenderId, s.auth, { answers: GOOD_ANSWERS, priceTotalPence: 1 })).statusCode,
    ).toBe(200);
    clock.set(new Date(DEADLINE.getTime() + 1000));
    const res = await t.app.inject({
      method: "DELETE",
      url: `/api/v1/tenders/${tenderId}/submission`,
      headers: s.auth,
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: "late" });
    expect((await rowsOf(tenderId, s.organisationId)).map((r) => r.status)).toEqual(["submitted"]);
  });
});

describe("the supplier's pages", () => {
  async function pageSupplier() {
    clock.set(START);
    const tenderId = await tenderFor(t);
    const s = await supplierFor(t, tenderId);
    const cookies = await signIn(t.app, s.user.email);
    return { tenderId, s, cookies };
  }

  async function postPage(
    tenderId: string,
    cookies: Record<string, string>,
    fields: Record<string, string>,
    files: { name: string; filename: string; data: Buffer }[] = [],
  ) {
    const token = await formToken(t.app, `/tenders/${tenderId}/submission`, cookies);
    const { payload, headers } = multipart([
      { name: "_csrf", value: token.csrf },
      ...Object.entries(fields).map(([name, value]) => ({ name, value })),
      ...files.map((f) => ({ ...f, contentType: "application/pdf" })),
    ]);
    return t.app.inject({
      method: "POST",
      url: `/tenders/${tenderId}/submission`,
      cookies: token.cookies,
      headers,
      payload,
    });
  }

  it("shows the section's questions with a word count, yes/no, a price in pounds and file uploads", async () => {
    const { tenderId, cookies } = await pageSupplier();
    const res = await t.app.inject({ url: `/tenders/${tenderId}/submission`, cookies });
    expect(res.statusCode).toBe(200);
    const $ = html(res.body);
    expect($('[data-module="govuk-character-count"][data-maxwords="500"]')).toHaveLength(1);
    expect($('input[name="answer-Q1"][value="yes"]')).toHaveLength(1);
    expect($('input[name="price"]')).toHaveLength(1);
    expect($('input[type="file"][name="file-Q2"]')).toHaveLength(1);
    expect($('input[type="file"][name="file-Q3"]')).toHaveLength(0);
  });

  it("saves a draft, brings it back, submits with a file and shows the receipt and its PDF, then withdraws", async () => {
    const { tenderId, s, cookies } = await pageSupplier();
    const draft = await postPage(tenderId, cookies, {
      action: "draft",
      "answer-Q2": "Drafted words",
      price: "1,250.50",
    });
    expect(draft.statusCode, draft.body).toBe(303);
    const back = html((await t.app.inject({ url: draft.headers.location ?? "", cookies })).body);
    expect(back("#answer-Q2").text()).toBe("Drafted words");
    expect(back("#price").val()).toBe("1250.50");

    const file = pdf("page upload");
    const sent = await postPage(
      tenderId,
      cookies,
      {
        action: "submit",
        "answer-Q1": "yes",
        "answer-Q2": "Final words",
        "answer-Q3": "Panel",
        price: "1250.50",
      },
      [{ name: "file-Q2", filename: "plan.pdf", data: file }],
    );
    expect(sent.statusCode, sent.body).toBe(303);
    expect(sent.headers.location).toBe(`/tenders/${tenderId}/submission/receipt`);
    const receipt = await t.app.inject({ url: `/tenders/${tenderId}/submission/receipt`, cookies });
    expect(receipt.statusCode).toBe(200);
    expect(receipt.body).toContain(sha256(file));
    const [row] = (await rowsOf(tenderId, s.organisationId)).filter((r) => r.status === "submitted");
    expect(receipt.body).toContain(row?.sha256 ?? "missing");
    const pdfRes = await t.app.inject({ url: `/tenders/${tenderId}/submission/receipt.pdf`, cookies });
    expect(pdfRes.statusCode).toBe(200);
    expect(pdfRes.headers["content-type"]).toBe("application/pdf");
    const own = await t.app.inject({ url: `/api/v1/tenders/${tenderId}/submission`, headers: s.auth });
    expect(own.json()).toMatchObject({ receipt: { files: [{ name: "plan.pdf", sha256: sha256(file) }] } });

    const withdrawn = await postForm(
      t.app,
      `/tenders/${tenderId}/submission`,
      `/tenders/${tenderId}/submission/withdraw`,
      cookies,
      {
        section: "itt",
      },
    );
    expect(withdrawn.response.statusCode).toBe(303);
    expect((await rowsOf(tenderId, s.organisationId)).map((r) => r.status)).toEqual(["withdrawn"]);
  });

  it("shows every bad input in an error summary and keeps what was typed", async () => {
    const { tenderId, s, cookies } = await pageSupplier();
    const res = await postPage(
      tenderId,
      cookies,
      { action: "submit", "answer-Q3": "word ".repeat(301), "answer-Q2": "Keep these words", price: "-3" },
      [{ name: "file-Q2", filename: "../../x", data: pdf("x") }],
    );
    expect(res.statusCode).toBe(400);
    const $ = html(res.body);
    expect($(".govuk-error-summary").text()).toContain("The price must not be negative");
    expect($("#answer-Q2").text()).toBe("Keep these words");
    const again = await postPage(
      tenderId,
      cookies,
      { action: "submit", "answer-Q3": "word ".repeat(301), "answer-Q2": "Keep these words", price: "12" },
      [{ name: "file-Q2", filename: "../../x", data: pdf("x") }],
    );
    const $2 = html(again.body);
    const summary = $2(".govuk-error-summary").text();
    expect(summary).toContain("must be 300 words or fewer");
    expect(summary).toContain("without folders");
    expect($2('.govuk-error-summary a[href="#answer-Q3"]')).toHaveLength(1);
    expect($2('.govuk-error-summary a[href="#file-Q2"]')).toHaveLength(1);
    expect($2("#answer-Q2").text()).toBe("Keep these words");
    expect(await rowsOf(tenderId, s.organisationId)).toEqual([]);
  });
});
