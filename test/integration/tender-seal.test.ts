import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, tenderOpenings, tenderSubmissions } from "../../src/db/schema/index.js";
import type { Role } from "../../src/domain/roles.js";
import { MAX_UPLOAD_BYTES } from "../../src/web/limits.js";
import {
  apiTokenFor,
  asFixture,
  buildTestApp,
  createUser,
  signIn,
  signInAdministrator,
  type TestApp,
} from "../helpers.js";
import {
  DEADLINE,
  GOOD_ANSWERS,
  movableClock,
  pdf,
  sha256,
  START,
  submissionPayload,
  submit,
  supplierFor,
  tenderFor,
} from "../submission-fixtures.js";

/**
 * The seal (docs/tendering.md): before the opening nobody reads a submission, by page or API, and each
 * refusal is recorded; what is stored is ciphertext; suppliers see only their own; the deadline is the
 * server's; bad input stores nothing; a request cut off mid-upload leaves the earlier version intact.
 */

const clock = movableClock(START);
let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp({}, { clock });
});
afterAll(async () => {
  await t.close();
});

const ANSWER = "PLAINTEXT-ANSWER-zebra-crossing delivered from hubs";
const PRICE = 987_654_321;
const FILE_NAME = "Bidder-Secret-Name-Ltd-method.pdf";
const FILE_BYTES = pdf("FILE-MARKER-quokka-and-wallaby");

type Row = Record<string, unknown>;
/** PGlite answers `{rows}`, node-postgres through Drizzle the same; either way, the rows. */
const rowsFrom = (result: unknown): Row[] =>
  Array.isArray(result) ? (result as Row[]) : (result as { rows: Row[] }).rows;

async function refusals(tenderId: string): Promise<number> {
  const rows = await t.database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(auditEvents)
    .where(and(eq(auditEvents.entityId, tenderId), eq(auditEvents.action, "sealed-read-refused")));
  return rows[0]?.n ?? 0;
}

async function rowsOf(tenderId: string) {
  return t.database.db.select().from(tenderSubmissions).where(eq(tenderSubmissions.tenderId, tenderId));
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : [full];
  });
}

const documentsDir = () => path.join(t.config.dataDir, "documents");

async function sealedTender() {
  clock.set(START);
  const tenderId = await tenderFor(t);
  const a = await supplierFor(t, tenderId);
  const res = await submit(t, tenderId, a.auth, {
    answers: [
      { questionCode: "Q1", value: "yes" },
      { questionCode: "Q2", value: ANSWER },
    ],
    priceTotalPence: PRICE,
    files: [{ filename: FILE_NAME, data: FILE_BYTES }],
    fileQuestionCodes: ["Q2"],
  });
  expect(res.statusCode, res.body).toBe(200);
  const receipt = res.json<{
    receipt: { submissionId: string; files: { sha256: string; bytes: number }[] };
  }>().receipt;
  return { tenderId, a, receipt };
}

const STAFF: Role[] = [
  "administrator",
  "commissioner",
  "procurement-officer",
  "evaluator",
  "authorised-officer",
  "board-member",
];

describe("before the opening", () => {
  it("refuses every staff role and the administrator, by API and page, with 409 sealed, and records each refusal", async () => {
    const { tenderId, receipt } = await sealedTender();
    const [file] = rowsFrom(
      await t.database.db.execute(
        sql`select f.id from submission_files f where f.submission_id = ${receipt.submissionId}`,
      ),
    ) as { id: string }[];
    expect(file).toBeDefined();
    let expected = await refusals(tenderId);
    for (const role of STAFF) {
      const user = await createUser(t.services, [role]);
      const auth = { authorization: `Bearer ${await apiTokenFor(t.services, user.id)}` };
      const list = await t.app.inject({ url: `/api/v1/tenders/${tenderId}/submissions`, headers: auth });
      expect(list.statusCode, `${role}: ${list.body}`).toBe(409);
      expect(list.json()).toMatchObject({ code: "sealed", status: 409 });
      expect(list.json<{ type: string }>().type).toMatch(/\/sealed$/);
      const download = await t.app.inject({
        url: `/api/v1/tenders/${tenderId}/submissions/files/${file?.id ?? ""}`,
        headers: auth,
      });
      expect(download.statusCode, role).toBe(409);
      expect(download.body).not.toContain("quokka");
      const cookies =
        role === "administrator"
          ? await signInAdministrator(t.app, user.email)
          : await signIn(t.app, user.email);
      const page = await t.app.inject({ url: `/tenders/${tenderId}/submissions`, cookies });
      expect(page.statusCode, role).toBe(409);
      expect(page.body).toContain("1 sealed submission received");
      expect(page.body).not.toContain("Test supplier");
      expect(page.body).not.toContain("zebra");
      const pageFile = await t.app.inject({
        url: `/tenders/${tenderId}/submissions/files/${file?.id ?? ""}`,
        cookies,
      });
      expect(pageFile.statusCode, role).toBe(409);
      expected += 4;
      expect(await refusals(tenderId), role).toBe(expected);
    }
  });

  it("stores only ciphertext: the rows and the documents folder hold no answer, price, file name or file bytes", async () => {
    const { tenderId } = await sealedTender();
    const dump = rowsFrom(
      await t.database.db.execute(sql`
      select s::text as row from tender_submissions s where s.tender_id = ${tenderId}
      union all
      select f::text from submission_files f join tender_submissions s on s.id = f.submission_id where s.tender_id = ${tenderId}
      union all
      select a::text from audit_events a
      union all
      select o::text from outbox o`),
    );
    const text = dump.map((r) => String(r.row)).join("\n");
    expect(text).toContain(tenderId);
    for (const plain of ["zebra-crossing", String(PRICE), FILE_NAME, "Bidder-Secret", "quokka"]) {
      expect(text, plain).not.toContain(plain);
    }
    const stored = filesUnder(documentsDir());
    expect(stored.length).toBeGreaterThan(0);
    for (const file of stored) {
      const bytes = fs.readFileSync(file);
      expect(bytes.includes(Buffer.from("quokka")), file).toBe(false);
      expect(bytes.includes(Buffer.from("zebra")), file).toBe(false);
      expect(bytes.includes(Buffer.from("Bidder-Secret")), file).toBe(false);
    }
  });
});

describe("suppliers", () => {
  it("never see another supplier's submission or receipt", async () => {
    const { tenderId, receipt } = await sealedTender();
    const b = await supplierFor(t, tenderId);
    const own = await t.app.inject({ url: `/api/v1/tenders/${tenderId}/submission`, headers: b.auth });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ status: "none", receipt: null, draft: null });
    expect(own.body).not.toContain(receipt.submissionId);
    const list = await t.app.inject({ url: `/api/v1/tenders/${tenderId}/submissions`, headers: b.auth });
    expect(list.statusCode).toBe(403);
    const pdfRes = await t.app.inject({
      url: `/api/v1/tenders/${tenderId}/submission/receipt.pdf`,
      headers: b.auth,
    });
    expect(pdfRes.statusCode).toBe(404);
    const cookies = await signIn(t.app, b.user.email);
    const receiptPage = await t.app.inject({ url: `/tenders/${tenderId}/submission/receipt`, cookies });
    expect(receiptPage.statusCode).toBe(404);
    const form = await t.app.inject({ url: `/tenders/${tenderId}/submission`, cookies });
    expect(form.statusCode).toBe(200);
    expect(form.body).not.toContain("zebra");
  });
});

describe("the deadline, by the server's clock", () => {
  it("accepts a submission at the deadline and refuses one a second after, recording the attempt", async () => {
    const tenderId = await tenderFor(t);
    const s = await supplierFor(t, tenderId);
    clock.set(DEADLINE);
    const onTime = await submit(t, tenderId, s.auth, { answers: GOOD_ANSWERS, priceTotalPence: 1 });
    expect(onTime.statusCode, onTime.body).toBe(200);
    clock.set(new Date(DEADLINE.getTime() + 1000));
    const late = await submit(t, tenderId, s.auth, { answers: GOOD_ANSWERS, priceTotalPence: 2 });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: "late" });
    expect((await rowsOf(tenderId)).map((r) => r.status)).toEqual(["submitted"]);
    const recorded = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, tenderId), eq(auditEvents.action, "late-submission-refused")));
    expect(recorded).toHaveLength(1);
    clock.set(START);
  });
});

describe("the receipt", () => {
  it("states the SHA-256 and size of each uploaded file", async () => {
    const { receipt } = await sealedTender();
    expect(receipt.files).toEqual([
      { name: FILE_NAME, sha256: sha256(FILE_BYTES), bytes: FILE_BYTES.length },
    ]);
  });
});

describe("bad input stores nothing", () => {
  const cases: {
    name: string;
    body: Parameters<typeof submit>[3];
    status: number;
    path: string;
    message: RegExp;
  }[] = [
    {
      name: "a 0-byte file",
      body: { files: [{ filename: "empty.pdf", data: Buffer.alloc(0) }] },
      status: 400,
      path: "files.0",
      message: /empty/,
    },
    {
      name: "an executable renamed .pdf",
      body: {
        files: [
          {
            filename: "invoice.pdf",
            data: Buffer.concat([
              Buffer.from("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"),
              Buffer.alloc(400, 0),
            ]),
          },
        ],
      },
      status: 400,
      path: "files.0",
      message: /must be a PDF/,
    },
    {
      // The type is judged as the bytes arrive: a CSV has no magic number, so it must be UTF-8 text.
      name: "a .csv that is not text",
      body: { files: [{ filename: "prices.csv", data: Buffer.from("a,b\n1,\u0000\n") }] },
      status: 400,
      path: "files.0",
      message: /must be a PDF/,
    },
    {
      name: "a path in a file name",
      body: { files: [{ filename: "../../x", data: pdf("x") }] },
      status: 400,
      path: "files.0",
      message: /plain name/,
    },
    {
      name: "an answer over its word limit",
      body: { answers: [{ questionCode: "Q3", value: "word ".repeat(301) }] },
      status: 400,
      path: "answers.0.value",
      message: /301 words: it must be 300 words or fewer/,
    },
    {
      name: "a negative price",
      body: { priceTotalPence: -5 },
      status: 400,
      path: "priceTotalPence",
      message: /must not be negative/,
    },
    {
      name: "a non-numeric price",
      body: { priceTotalPence: "lots" },
      status: 400,
      path: "priceTotalPence",
      message: /whole number of pence/,
    },
    {
      name: "a fractional price",
      body: { priceTotalPence: "12.5" },
      status: 400,
      path: "priceTotalPence",
      message: /whole number of pence/,
    },
    {
      name: "a missing price",
      body: { priceTotalPence: "" },
      status: 400,
      path: "priceTotalPence",
      message: /Enter your total price/,
    },
    {
      name: "an unknown question",
      body: { answers: [{ questionCode: "Z9", value: "x" }] },
      status: 400,
      path: "answers.0.questionCode",
      message: /no question Z9/,
    },
    {
      name: "pass-fail other than yes or no",
      body: { answers: [{ questionCode: "Q1", value: "maybe" }] },
      status: 400,
      path: "answers.0.value",
      message: /yes or no/,
    },
  ];

  for (const c of cases) {
    it(`refuses ${c.name} with a clear message`, async () => {
      clock.set(START);
      const tenderId = await tenderFor(t);
      const s = await supplierFor(t, tenderId);
      const blobsBefore = filesUnder(documentsDir()).length;
      const res = await submit(t, tenderId, s.auth, {
        answers: GOOD_ANSWERS,
        priceTotalPence: 100,
        ...c.body,
      });
      expect(res.statusCode, res.body).toBe(c.status);
      const errors = res.json<{ errors: { path: string; message: string }[] }>().errors;
      const error = errors.find((e) => e.path === c.path);
      expect(error?.message, res.body).toMatch(c.message);
      expect(await rowsOf(tenderId)).toEqual([]);
      expect(filesUnder(documentsDir()).length).toBe(blobsBefore);
    });
  }

  it("refuses a file over the limit (413) and stores nothing", async () => {
    clock.set(START);
    const tenderId = await tenderFor(t);
    const s = await supplierFor(t, tenderId);
    const blobsBefore = filesUnder(documentsDir()).length;
    const big = Buffer.concat([pdf("big"), Buffer.alloc(MAX_UPLOAD_BYTES, 0x20)]);
    const res = await submit(t, tenderId, s.auth, {
      answers: GOOD_ANSWERS,
      priceTotalPence: 1,
      files: [{ filename: "big.pdf", data: big }],
    });
    expect(res.statusCode).toBe(413);
    const [error] = res.json<{ errors: { path: string; message: string }[] }>().errors;
    expect(error?.path).toBe("files.0");
    expect(error?.message).toMatch(/50 MB or smaller/);
    expect(await rowsOf(tenderId)).toEqual([]);
    expect(filesUnder(documentsDir()).length).toBe(blobsBefore);
  });
});

describe("a dropped connection", () => {
  it("leaves the earlier version intact and no temporary file behind", async () => {
    const { tenderId, a } = await sealedTender();
    const before = await rowsOf(tenderId);
    // A file is received into a temporary file beside the store (and once, a folder of the system's).
    const spools = () =>
      fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("commissioner-submission-")).length +
      filesUnder(path.join(documentsDir(), "tmp")).length;
    const spoolsBefore = spools();
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = t.app.server.address() as AddressInfo;
    const { payload, headers } = submissionPayload({
      answers: [{ questionCode: "Q2", value: "the replacement" }],
      priceTotalPence: 5,
      files: [
        { filename: "long.pdf", data: Buffer.concat([pdf("long"), Buffer.alloc(4 * 1024 * 1024, 0x41)]) },
      ],
    });
    await new Promise<void>((resolve) => {
      const req = http.request({
        host: "127.0.0.1",
        port,
        method: "PUT",
        path: `/api/v1/tenders/${tenderId}/submission`,
        headers: { ...headers, ...a.auth, "content-length": payload.length },
      });
      req.on("error", () => {
        resolve();
      });
      req.on("close", () => {
        resolve();
      });
      // Half the body, then the connection drops.
      req.write(payload.subarray(0, Math.floor(payload.length / 2)), () => {
        setTimeout(() => req.destroy(), 100);
      });
    });
    const deadline = Date.now() + 5_000;
    while (spools() > spoolsBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(spools()).toBe(spoolsBefore);
    const after = await rowsOf(tenderId);
    expect(after.map((r) => [r.id, r.status, r.sha256])).toEqual(
      before.map((r) => [r.id, r.status, r.sha256]),
    );
    expect(filesUnder(path.join(documentsDir(), "tmp"))).toEqual([]);
  });
});

describe("after the opening", () => {
  it("lists the opened answers, price and files for the roles that read, and decrypts the files", async () => {
    const { tenderId, a } = await sealedTender();
    const officer = await createUser(t.services, ["procurement-officer"]);
    await asFixture(t.database.db, (tx) =>
      tx.insert(tenderOpenings).values({
        tenderId,
        section: "itt",
        openedAt: new Date(DEADLINE.getTime() + 3_600_000),
        openedById: officer.id,
        witnessIds: [officer.id],
        record: {},
      }),
    );
    const auth = { authorization: `Bearer ${await apiTokenFor(t.services, officer.id)}` };
    const list = await t.app.inject({ url: `/api/v1/tenders/${tenderId}/submissions`, headers: auth });
    expect(list.statusCode, list.body).toBe(200);
    const body = list.json<{
      items: {
        organisationId: string;
        answers: unknown[];
        priceTotalPence: number;
        files: { name: string; sha256: string; download: string }[];
      }[];
    }>();
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ organisationId: a.organisationId, priceTotalPence: PRICE });
    expect(body.items[0]?.answers).toContainEqual({ questionCode: "Q2", value: ANSWER });
    const file = body.items[0]?.files[0];
    expect(file).toMatchObject({ name: FILE_NAME, sha256: sha256(FILE_BYTES) });
    const download = await t.app.inject({ url: file?.download ?? "", headers: auth });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(FILE_BYTES)).toBe(true);

    const page = await t.app.inject({
      url: `/tenders/${tenderId}/submissions`,
      cookies: await signIn(t.app, officer.email),
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("zebra-crossing");

    const board = await createUser(t.services, ["board-member"]);
    const refused = await t.app.inject({
      url: `/api/v1/tenders/${tenderId}/submissions`,
      headers: { authorization: `Bearer ${await apiTokenFor(t.services, board.id)}` },
    });
    expect(refused.statusCode).toBe(403);
  });
});
