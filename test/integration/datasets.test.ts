import { createHmac, hkdfSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays } from "../../src/domain/dates.js";
import { FORMATS, type DatasetKind } from "../../src/domain/indicators/formats.js";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import { DEMO_ORGANISATIONS } from "../../src/modules/demo/demo.js";
import { listAudit } from "../../src/modules/audit/service.js";
import { createServices } from "../../src/services.js";
import {
  apiTokenFor,
  buildTestApp,
  cookiesFrom,
  createUser,
  formToken,
  html,
  signIn,
  type TestApp,
  multipartForm,
} from "../helpers.js";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/datasets");
const fixture = (name: string) => fs.readFileSync(path.join(fixtures, name));

let t: TestApp;
let staffToken: string;
let providerToken: string;
let staffCookies: Record<string, string>;

beforeAll(async () => {
  t = await buildTestApp();
  for (const code of ["TP01", "TP02", "TP03"])
    await t.services.organisations.create(SYSTEM_ACTOR, {
      name: `Test provider ${code}`,
      kind: "provider",
      code,
      companyNumber: undefined,
      charityNumber: undefined,
    });
  // The sample files (test/fixtures/datasets) are the demo providers' (README, "Quick start").
  for (const org of DEMO_ORGANISATIONS.filter((o) => o.kind === "provider"))
    await t.services.organisations.create(SYSTEM_ACTOR, org);
  const staff = await createUser(t.services, ["commissioner"]);
  staffToken = await apiTokenFor(t.services, staff.id);
  staffCookies = await signIn(t.app, staff.email);
  const provider = await createUser(t.services, ["provider-user"], { organisationCode: "TP03" });
  providerToken = await apiTokenFor(t.services, provider.id);
});
afterAll(async () => t.close());

// ------------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------------

const COLUMNS = Object.fromEntries(
  Object.entries(FORMATS).map(([kind, format]) => [kind, format.columns.map((c) => c.name)]),
) as Record<DatasetKind, string[]>;

let seq = 0;
const next = () => `${++seq}-${process.pid}`;

type Row = Record<string, string>;

function episode(changes: Row = {}): Row & { episode_id: string } {
  const n = next();
  return {
    episode_id: `E${n}`,
    client_ref: `C${n}`,
    provider_code: "TP01",
    date_of_birth: "1980-01-01",
    triage_date: "2025-01-10",
    discharge_date: "",
    discharge_reason: "",
    substances: "opiate",
    referral_source: "self",
    injecting_status: "",
    hepb_status: "",
    hepc_tested_on: "",
    ...changes,
  };
}

function stay(changes: Row = {}): Row & { stay_id: string } {
  const n = next();
  return {
    stay_id: `S${n}`,
    client_ref: `C${n}`,
    provider_code: "TP01",
    service_type: "short-term",
    start_date: "2025-01-01",
    end_date: "2025-03-01",
    departure: "planned",
    accommodation: "private-rented",
    needs: "paid-work",
    achieved: "",
    ...changes,
  };
}

function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A CSV with a header of `columns` and one line per row. */
function csv(columns: string[], rows: Record<string, string>[], eol = "\n"): string {
  return (
    [columns.join(","), ...rows.map((r) => columns.map((c) => cell(r[c] ?? "")).join(","))].join(eol) + eol
  );
}

async function importCsv(
  kind: string,
  body: string | Buffer,
  options: { token?: string; replace?: boolean; contentType?: string } = {},
) {
  const response = await t.app.inject({
    method: "POST",
    url: `/api/v1/datasets/${kind}${options.replace ? "?replace=true" : ""}`,
    headers: {
      authorization: `Bearer ${options.token ?? staffToken}`,
      "content-type": options.contentType ?? "text/csv",
    },
    payload: body,
  });
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
}

interface ReportRow {
  line: number;
  column: string | null;
  message: string;
}

async function counts() {
  const [row] = await t.database.rows<Record<string, number>>(
    sql`SELECT (SELECT count(*)::int FROM datasets) AS datasets,
               (SELECT count(*)::int FROM treatment_episodes) AS episodes,
               (SELECT count(*)::int FROM sp_stays) AS stays,
               (SELECT count(*)::int FROM hia_referrals) AS referrals,
               (SELECT count(*)::int FROM audit_events) AS audit`,
  );
  return row;
}

/** Expects a 422 whose report has exactly `expected` (line, column, message pattern), and nothing stored. */
async function expectRefused(
  kind: string,
  body: string | Buffer,
  expected: [number, string | null, RegExp][],
) {
  const before = await counts();
  const { status, body: problem } = await importCsv(kind, body);
  expect(status, JSON.stringify(problem)).toBe(422);
  const rows = problem.rows as ReportRow[];
  expect(rows.map((r) => [r.line, r.column])).toEqual(expected.map(([line, column]) => [line, column]));
  rows.forEach((r, i) => {
    expect(r.message).toMatch(expected[i]?.[2] ?? /./);
  });
  expect(problem.totalErrors).toBe(expected.length);
  expect(problem.title).toBe("Data file refused");
  expect(await counts()).toEqual(before);
  return problem;
}

function expectedHash(clientRef: string): string {
  const key = Buffer.from(
    hkdfSync("sha256", t.config.pseudonymisationSecret, "commissioner", "client_ref pseudonymisation v1", 32),
  );
  return createHmac("sha256", key).update(clientRef, "utf8").digest("hex");
}

function multipart(fields: Record<string, string>, file: { name: string; content: string | Buffer }) {
  const form = multipartForm(fields, { filename: file.name, contentType: "text/csv", data: file.content });
  return { payload: form.payload, contentType: form.headers["content-type"] };
}

// ------------------------------------------------------------------------------------------------
// Bad input: each refused whole, with its line and column, nothing stored
// ------------------------------------------------------------------------------------------------

describe("a refused file stores nothing and names each problem's line and column", () => {
  const TJ = COLUMNS["treatment-journeys"];

  it("a missing column", async () => {
    await expectRefused(
      "treatment-journeys",
      csv(
        TJ.filter((c) => c !== "triage_date"),
        [episode()],
      ),
      [[1, "triage_date", /^Missing column "triage_date"/]],
    );
  });

  it("an unknown column", async () => {
    await expectRefused("treatment-journeys", csv([...TJ, "notes"], [{ ...episode(), notes: "x" }]), [
      [1, "notes", /^Unknown column "notes"/],
    ]);
  });

  it("a bad date (2025-02-30)", async () => {
    await expectRefused("treatment-journeys", csv(TJ, [episode(), episode({ triage_date: "2025-02-30" })]), [
      [3, "triage_date", /"2025-02-30" is not a real date/],
    ]);
  });

  it("a discharge before triage", async () => {
    await expectRefused(
      "treatment-journeys",
      csv(TJ, [episode({ discharge_date: "2025-01-09", discharge_reason: "dropped-out" })]),
      [[2, "discharge_date", /discharge_date 2025-01-09 is before triage_date 2025-01-10/]],
    );
  });

  it("a reason without a discharge date", async () => {
    await expectRefused("treatment-journeys", csv(TJ, [episode({ discharge_reason: "dropped-out" })]), [
      [2, "discharge_reason", /discharge_reason is given but discharge_date is empty/],
    ]);
  });

  it("an unknown code", async () => {
    await expectRefused(
      "treatment-journeys",
      csv(TJ, [episode(), episode(), episode({ referral_source: "police" })]),
      [[4, "referral_source", /"police" is not one of/]],
    );
  });

  it("an unknown provider code", async () => {
    await expectRefused("treatment-journeys", csv(TJ, [episode({ provider_code: "NOPE" })]), [
      [2, "provider_code", /"NOPE" is not the code of a provider organisation/],
    ]);
  });

  it("an event dated after today (the clock's), by its line and column", async () => {
    const tomorrow = addDays(t.services.clock.today(), 1);
    await expectRefused("treatment-journeys", csv(TJ, [episode(), episode({ hepc_tested_on: tomorrow })]), [
      [3, "hepc_tested_on", new RegExp(`^hepc_tested_on "${tomorrow}" is after today`)],
    ]);
  });

  it("a date of birth after triage", async () => {
    await expectRefused("treatment-journeys", csv(TJ, [episode({ date_of_birth: "2025-02-01" })]), [
      [2, "date_of_birth", /is after triage_date/],
    ]);
  });

  it("a duplicate id within the file, named on each later line", async () => {
    const first = episode();
    await expectRefused(
      "treatment-journeys",
      csv(TJ, [first, episode(), { ...episode(), episode_id: first.episode_id }]),
      [[4, "episode_id", new RegExp(`episode_id "${first.episode_id}" is also on line 2`)]],
    );
  });

  it("a duplicate id with data already imported", async () => {
    const stored = episode();
    expect((await importCsv("treatment-journeys", csv(TJ, [stored]))).status).toBe(201);
    await expectRefused(
      "treatment-journeys",
      csv(TJ, [episode(), { ...episode(), episode_id: stored.episode_id }]),
      [[3, "episode_id", /was imported before .*import this file as a replacement/]],
    );
  });

  it("an achieved outcome not in needs", async () => {
    await expectRefused(
      "sp-outcomes",
      csv(COLUMNS["sp-outcomes"], [stay({ needs: "paid-work", achieved: "paid-work;qualifications" })]),
      [[2, "achieved", /achieved has "qualifications", which is not in needs/]],
    );
  });

  it("a 0-byte file", async () => {
    await expectRefused("hia-activity", "", [[1, null, /^The file is empty \(0 bytes\)/]]);
  });

  it("a header and no rows", async () => {
    await expectRefused("hia-activity", `${COLUMNS["hia-activity"].join(",")}\n`, [
      [2, null, /header but no rows/],
    ]);
  });

  it("a byte-order mark: the header is read without it, and lines count as usual", async () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(csv(TJ, [episode(), episode({ triage_date: "2025-02-30" })])),
    ]);
    await expectRefused("treatment-journeys", body, [[3, "triage_date", /not a real date/]]);
  });

  it("CRLF line ends", async () => {
    await expectRefused(
      "treatment-journeys",
      csv(TJ, [episode(), episode({ substances: "opiates" })], "\r\n"),
      [[3, "substances", /"opiates", which is not among/]],
    );
  });

  it("a quoted field with a newline: later lines keep their numbers", async () => {
    const body = csv(TJ, [
      episode({ client_ref: "line one\nline two\nline three" }),
      episode({ hepb_status: "yes" }),
    ]);
    await expectRefused("treatment-journeys", body, [[5, "hepb_status", /"yes" is not one of/]]);
  });

  it("a quoted field with CRLF inside, in a CRLF file", async () => {
    const body = csv(
      TJ,
      [episode({ client_ref: "one\r\ntwo" }), episode(), episode({ triage_date: "2025-13-01" })],
      "\r\n",
    );
    await expectRefused("treatment-journeys", body, [[5, "triage_date", /not a real date/]]);
  });

  it("a quote never closed", async () => {
    const body = `${TJ.join(",")}\n${csv(TJ, [episode()]).split("\n")[1] ?? ""}\nE9,"C9,TP01\n`;
    await expectRefused("treatment-journeys", body, [[3, null, /quoted value is never closed/]]);
  });

  it("a line with too few values", async () => {
    await expectRefused("hia-activity", `${COLUMNS["hia-activity"].join(",")}\nR1,C1,TP01\n`, [
      [2, null, /The line has 3 values but the header has 7 columns/],
    ]);
  });

  it("an Excel workbook instead of CSV", async () => {
    await expectRefused("hia-activity", Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]), [
      [1, null, /an Excel workbook or another zip file, not CSV/],
    ]);
  });

  it("reports every problem of every row, in line order", async () => {
    const before = await counts();
    const { status, body } = await importCsv(
      "treatment-journeys",
      csv(TJ, [
        episode({ triage_date: "2025-02-30", referral_source: "x" }),
        episode(),
        episode({ substances: "" }),
      ]),
    );
    expect(status).toBe(422);
    expect((body.rows as ReportRow[]).map((r) => [r.line, r.column])).toEqual([
      [2, "triage_date"],
      [2, "referral_source"],
      [4, "substances"],
    ]);
    expect(await counts()).toEqual(before);
  });

  it("lists the first 1,000 problems and counts them all", async () => {
    const rows = Array.from({ length: 1_200 }, () => episode({ referral_source: "police" }));
    const { status, body } = await importCsv("treatment-journeys", csv(TJ, rows));
    expect(status).toBe(422);
    expect(body.rows).toHaveLength(1_000);
    expect(body.totalErrors).toBe(1_200);
    expect((body.rows as ReportRow[]).at(-1)?.line).toBe(1_001);
    expect(body.detail).toMatch(/1,200 problems \(the first 1,000 are listed\)/);
  });
});

// ------------------------------------------------------------------------------------------------
// Good files
// ------------------------------------------------------------------------------------------------

describe("a good file", () => {
  it.each<[DatasetKind, string, number]>([
    ["treatment-journeys", "treatment_episodes", 5],
    ["sp-outcomes", "sp_stays", 3],
    ["hia-activity", "hia_referrals", 3],
  ])("of %s is imported whole, with an audit record", async (kind, table, rows) => {
    const before = await counts();
    const { status, body } = await importCsv(kind, fixture(`${kind}.csv`));
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ rows, replacedRows: 0, replacedDatasetIds: [] });
    const datasetId = body.datasetId as string;
    const [stored] = await t.database.rows<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)} WHERE dataset_id = ${datasetId}`,
    );
    expect(stored?.n).toBe(rows);
    const after = await counts();
    expect(after?.datasets).toBe((before?.datasets ?? 0) + 1);
    const audit = await listAudit(t.database.db, { entityId: datasetId });
    expect(audit.items.map((a) => a.action)).toEqual(["imported"]);
    expect(audit.items[0]?.summary).toMatchObject({ kind, rows, fileName: "upload.csv", replace: false });
  });

  it("is stored pseudonymised: a hash for client_ref, the same for the same person, and age instead of birth date", async () => {
    const episodes = await t.database.rows<{
      episode_id: string;
      client_hash: string;
      age_at_triage: number;
    }>(
      sql`SELECT episode_id, client_hash, age_at_triage FROM treatment_episodes
          WHERE episode_id IN ('TJ-1', 'TJ-2', 'TJ-3', 'TJ-4') ORDER BY episode_id`,
    );
    const byId = Object.fromEntries(episodes.map((e) => [e.episode_id, e]));
    expect(byId["TJ-1"]?.client_hash).toBe(expectedHash("C-100"));
    expect(byId["TJ-1"]?.client_hash).not.toContain("C-100");
    expect(byId["TJ-1"]?.client_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(byId["TJ-2"]?.client_hash).toBe(byId["TJ-1"]?.client_hash);
    expect(byId["TJ-4"]?.client_hash).not.toBe(byId["TJ-1"]?.client_hash);
    // Born 29 February 2008, triaged 28 February 2025: still 16 (17 on 1 March).
    expect([byId["TJ-1"]?.age_at_triage, byId["TJ-3"]?.age_at_triage, byId["TJ-4"]?.age_at_triage]).toEqual([
      43, 16, 48,
    ]);
    // The same person in another kind of file has the same hash.
    const [spStay] = await t.database.rows<{ client_hash: string }>(
      sql`SELECT client_hash FROM sp_stays WHERE stay_id = 'SP-1'`,
    );
    expect(spStay?.client_hash).toBe(byId["TJ-1"]?.client_hash);
    const columns = await t.database.rows<{ column_name: string }>(
      sql`SELECT column_name FROM information_schema.columns WHERE table_name = 'treatment_episodes'`,
    );
    expect(columns.map((c) => c.column_name)).not.toContain("date_of_birth");
    expect(columns.map((c) => c.column_name)).not.toContain("client_ref");
  });

  it("keeps codes as arrays and empty cells as null", async () => {
    const [tj] = await t.database.rows<Record<string, unknown>>(
      sql`SELECT substances, discharge_date, discharge_reason, hepb_status, line FROM treatment_episodes WHERE episode_id = 'TJ-2'`,
    );
    expect(tj).toEqual({
      substances: ["opiate"],
      discharge_date: null,
      discharge_reason: null,
      hepb_status: null,
      line: 3,
    });
    const [sp] = await t.database.rows<Record<string, unknown>>(
      sql`SELECT needs, achieved FROM sp_stays WHERE stay_id = 'SP-2'`,
    );
    expect(sp).toEqual({ needs: [], achieved: [] });
  });

  it("from Excel on Windows (byte-order mark, CRLF, a value spanning lines) is imported", async () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(
        csv(
          COLUMNS["hia-activity"],
          [
            {
              referral_id: "WIN-1",
              client_ref: "C-900\r\nsecond line",
              provider_code: "TP01",
              service: "hia",
              referral_date: "2025-01-06",
            },
            {
              referral_id: "WIN-2",
              client_ref: "C-901",
              provider_code: "TP02",
              service: "hia",
              referral_date: "2025-01-07",
              contacted_on: "2025-01-08",
            },
          ],
          "\r\n",
        ),
      ),
    ]);
    const { status, body: outcome } = await importCsv("hia-activity", body);
    expect(status, JSON.stringify(outcome)).toBe(201);
    const stored = await t.database.rows<{
      referral_id: string;
      client_hash: string;
      line: number;
      provider_code: string;
    }>(
      sql`SELECT referral_id, client_hash, line, provider_code FROM hia_referrals WHERE referral_id LIKE 'WIN-%' ORDER BY referral_id`,
    );
    expect(stored).toEqual([
      {
        referral_id: "WIN-1",
        client_hash: expectedHash("C-900\r\nsecond line"),
        line: 2,
        provider_code: "TP01",
      },
      { referral_id: "WIN-2", client_hash: expectedHash("C-901"), line: 4, provider_code: "TP02" },
    ]);
  });

  it("escapes tabs and backslashes on the way into COPY", async () => {
    const id = `odd\\id\t${next()}`;
    const { status } = await importCsv(
      "hia-activity",
      csv(COLUMNS["hia-activity"], [
        {
          referral_id: id,
          client_ref: "C\\N",
          provider_code: "TP01",
          service: "hia",
          referral_date: "2025-01-06",
        },
      ]),
    );
    expect(status).toBe(201);
    const [row] = await t.database.rows<{ referral_id: string; client_hash: string }>(
      sql`SELECT referral_id, client_hash FROM hia_referrals WHERE referral_id = ${id}`,
    );
    expect(row).toEqual({ referral_id: id, client_hash: expectedHash("C\\N") });
  });

  it("arrives as a multipart form's file through the API too", async () => {
    const form = multipart({}, { name: "stays.csv", content: csv(COLUMNS["sp-outcomes"], [stay(), stay()]) });
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/datasets/sp-outcomes",
      headers: { authorization: `Bearer ${staffToken}`, "content-type": form.contentType },
      payload: form.payload,
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ rows: 2 });
  });

  it("of 50,000 rows streams through (read once, COPY in pieces)", async () => {
    const columns = COLUMNS["hia-activity"];
    const prefix = `BIG${next()}-`;
    function* lines() {
      yield `${columns.join(",")}\n`;
      for (let i = 0; i < 50_000; i++)
        yield `${prefix}${i},client-${i % 20_000},TP0${(i % 2) + 1},${i % 3 ? "hia" : "handyperson"},2025-01-${String((i % 28) + 1).padStart(2, "0")},,\n`;
    }
    const outcome = await t.services.datasets.importFile(SYSTEM_ACTOR, {
      kind: "hia-activity",
      fileName: "big.csv",
      input: Readable.from(lines()),
      replace: false,
    });
    expect(outcome.rows).toBe(50_000);
    const [row] = await t.database.rows<{ n: number; clients: number }>(
      sql`SELECT count(*)::int AS n, count(DISTINCT client_hash)::int AS clients FROM hia_referrals WHERE dataset_id = ${outcome.datasetId}`,
    );
    expect(row).toEqual({ n: 50_000, clients: 20_000 });
  }, 120_000);
});

// ------------------------------------------------------------------------------------------------
// Who may import what
// ------------------------------------------------------------------------------------------------

describe("a provider's users", () => {
  const HIA = COLUMNS["hia-activity"];
  const referral = (code: string) => ({
    referral_id: `R${next()}`,
    client_ref: `C${next()}`,
    provider_code: code,
    service: "hia",
    referral_date: "2025-01-06",
  });

  it("import their own organisation's provider code", async () => {
    const { status, body } = await importCsv("hia-activity", csv(HIA, [referral("TP03")]), {
      token: providerToken,
    });
    expect(status, JSON.stringify(body)).toBe(201);
  });

  it("are refused (403) a file with other providers' rows, which names those codes", async () => {
    const before = await counts();
    const { status, body } = await importCsv(
      "hia-activity",
      csv(HIA, [referral("TP03"), referral("TP02"), referral("TP01"), referral("TP02")]),
      { token: providerToken },
    );
    expect(status).toBe(403);
    expect(body.providerCodes).toEqual(["TP01", "TP02"]);
    expect(body.detail).toMatch(
      /only rows of your own organisation's provider code \(TP03\).*rows for TP01, TP02/,
    );
    expect(await counts()).toEqual(before);
  });

  it("cannot take over another provider's id, even as a replacement", async () => {
    const theirs = referral("TP01");
    expect((await importCsv("hia-activity", csv(HIA, [theirs]))).status).toBe(201);
    for (const replace of [false, true]) {
      const { status, body } = await importCsv(
        "hia-activity",
        csv(HIA, [{ ...referral("TP03"), referral_id: theirs.referral_id }]),
        { token: providerToken, replace },
      );
      expect(status).toBe(422);
      const [row] = body.rows as ReportRow[];
      expect(row).toMatchObject({
        line: 2,
        column: "referral_id",
        message: expect.stringMatching(/cannot be used: choose another id/) as unknown,
      });
      // The report must not say whether another provider holds the id (docs/security.md).
      expect(row?.message).not.toMatch(/another provider|imported before|already/);
    }
  });

  it("hear an id is taken elsewhere in the same words whoever holds it, and staff are told who", async () => {
    const theirs = referral("TP01");
    expect((await importCsv("hia-activity", csv(HIA, [theirs]))).status).toBe(201);
    const ownEarlier = referral("TP03");
    expect((await importCsv("hia-activity", csv(HIA, [ownEarlier]), { token: providerToken })).status).toBe(
      201,
    );
    const { body } = await importCsv(
      "hia-activity",
      csv(HIA, [
        { ...referral("TP03"), referral_id: ownEarlier.referral_id },
        { ...referral("TP03"), referral_id: theirs.referral_id },
      ]),
      { token: providerToken },
    );
    const [own, other] = body.rows as ReportRow[];
    expect(own?.message).toMatch(/was imported before .*import this file as a replacement/);
    expect(other?.message).toBe(
      `referral_id "${theirs.referral_id}" cannot be used: choose another id. Ids must be unique across every provider's data; starting each with your provider code keeps them apart`,
    );
    const staff = await importCsv(
      "hia-activity",
      csv(HIA, [{ ...referral("TP02"), referral_id: theirs.referral_id }]),
    );
    expect((staff.body.rows as ReportRow[])[0]?.message).toMatch(
      /already used by another provider's referral/,
    );
  });

  it("see only their own files in the list", async () => {
    const response = await t.app.inject({
      url: "/api/v1/datasets",
      headers: { authorization: `Bearer ${providerToken}` },
    });
    const items = response.json<{ items: { providerCodes: string[] }[] }>().items;
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(item.providerCodes).toEqual(["TP03"]);
  });
});

// ------------------------------------------------------------------------------------------------
// Replacement: explicit and audited
// ------------------------------------------------------------------------------------------------

describe("replacing earlier rows", () => {
  const TJ = COLUMNS["treatment-journeys"];

  it("is refused without ?replace=true, then replaces the rows with the same ids, in the same transaction as its audit", async () => {
    const a1 = episode();
    const a2 = episode();
    const first = await importCsv("treatment-journeys", csv(TJ, [a1, a2]));
    expect(first.status).toBe(201);
    const firstId = first.body.datasetId as string;

    const update = { ...a2, discharge_date: "2025-06-01", discharge_reason: "completed-drug-free" };
    const newRow = episode();
    await expectRefused("treatment-journeys", csv(TJ, [update, newRow]), [
      [
        2,
        "episode_id",
        /was imported before \(file "upload.csv", \d{4}-\d{2}-\d{2}\): to replace those rows/,
      ],
    ]);

    const second = await importCsv("treatment-journeys", csv(TJ, [update, newRow]), { replace: true });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body).toMatchObject({ rows: 2, replacedRows: 1, replacedDatasetIds: [firstId] });
    const secondId = second.body.datasetId as string;

    const stored = await t.database.rows<{
      episode_id: string;
      dataset_id: string;
      discharge_reason: string | null;
    }>(
      sql`SELECT episode_id, dataset_id, discharge_reason FROM treatment_episodes
          WHERE episode_id IN (${a1.episode_id}, ${a2.episode_id})`,
    );
    const byEpisode = (x: { episode_id: string }, y: { episode_id: string }) =>
      x.episode_id < y.episode_id ? -1 : 1;
    expect(stored.sort(byEpisode)).toEqual(
      [
        { episode_id: a1.episode_id, dataset_id: firstId, discharge_reason: null },
        { episode_id: a2.episode_id, dataset_id: secondId, discharge_reason: "completed-drug-free" },
      ].sort(byEpisode),
    );

    const list = await t.app.inject({
      url: "/api/v1/datasets?kind=treatment-journeys&limit=500",
      headers: { authorization: `Bearer ${staffToken}` },
    });
    const firstListed = list.json<{ items: Record<string, unknown>[] }>().items.find((d) => d.id === firstId);
    expect(firstListed).toMatchObject({ rows: 2, activeRows: 1, status: "active" });

    // Replacing the last of its rows marks the first file replaced.
    const third = await importCsv("treatment-journeys", csv(TJ, [a1]), { replace: true });
    expect(third.body).toMatchObject({ replacedRows: 1, replacedDatasetIds: [firstId] });
    const [firstAfter] = await t.database.rows<{ active_rows: number; status: string }>(
      sql`SELECT active_rows, status FROM datasets WHERE id = ${firstId}`,
    );
    expect(firstAfter).toEqual({ active_rows: 0, status: "replaced" });

    const audit = await listAudit(t.database.db, { entityType: "dataset", limit: 500 });
    const ofSecond = audit.items.find((a) => a.entityId === secondId);
    expect(ofSecond?.action).toBe("imported-as-replacement");
    expect(ofSecond?.summary).toMatchObject({
      replace: true,
      replacedRows: 1,
      replacedDatasetIds: [firstId],
    });
    const ofFirst = audit.items
      .filter((a) => a.entityId === firstId)
      .map((a) => [a.action, a.summary.replacedBy]);
    expect(ofFirst).toEqual([
      ["rows-replaced", third.body.datasetId],
      ["rows-replaced", secondId],
      ["imported", undefined],
    ]);
  });
});

// ------------------------------------------------------------------------------------------------
// The API's other answers
// ------------------------------------------------------------------------------------------------

describe("the datasets API", () => {
  it("asks for a token (401), refuses other body types (415) and unknown kinds (400)", async () => {
    const noToken = await t.app.inject({
      method: "POST",
      url: "/api/v1/datasets/hia-activity",
      headers: { "content-type": "text/csv" },
      payload: "x",
    });
    expect(noToken.statusCode).toBe(401);
    expect(
      (await importCsv("hia-activity", JSON.stringify({ a: 1 }), { contentType: "application/json" })).status,
    ).toBe(415);
    expect((await importCsv("other-kind", "a,b\n")).status).toBe(400);
  });

  it("describes its two routes in the OpenAPI document", async () => {
    const document = (await t.app.inject({ url: "/api/v1/openapi.json" })).json<{
      paths: Record<string, object>;
    }>();
    expect(Object.keys(document.paths["/api/v1/datasets/{kind}"] ?? {})).toEqual(["post"]);
    expect(Object.keys(document.paths["/api/v1/datasets"] ?? {})).toEqual(["get"]);
  });

  it("refuses a file larger than the import takes (413), storing nothing", async () => {
    const before = await counts();
    const attempt = t.services.datasets.importFile(SYSTEM_ACTOR, {
      kind: "hia-activity",
      fileName: "big.csv",
      input: Readable.from([fixture("hia-activity.csv")]),
      replace: false,
      maxBytes: 100,
    });
    await expect(attempt).rejects.toMatchObject({
      status: 413,
      message: expect.stringMatching(/larger than/) as unknown,
    });
    expect(await counts()).toEqual(before);
  });

  it("lists files newest first, page by page", async () => {
    const first = await t.app.inject({
      url: "/api/v1/datasets?limit=2",
      headers: { authorization: `Bearer ${staffToken}` },
    });
    expect(first.statusCode).toBe(200);
    const page = first.json<{ items: Record<string, unknown>[]; nextCursor?: string }>();
    expect(page.items).toHaveLength(2);
    expect(page.items[0]).toMatchObject({
      kind: expect.any(String) as unknown,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
      status: "active",
    });
    expect(page.nextCursor).toBeTruthy();
    const second = await t.app.inject({
      url: `/api/v1/datasets?limit=2&cursor=${page.nextCursor ?? ""}`,
      headers: { authorization: `Bearer ${staffToken}` },
    });
    const ids = second.json<{ items: { id: string }[] }>().items.map((d) => d.id);
    expect(ids).toHaveLength(2);
    expect(ids).not.toContain(page.items[0]?.id);
  });
});

// ------------------------------------------------------------------------------------------------
// The page
// ------------------------------------------------------------------------------------------------

describe("the data files page", () => {
  async function upload(
    fields: Record<string, string>,
    file: { name: string; content: string | Buffer },
    csrf = true,
  ) {
    const { csrf: token, cookies } = await formToken(t.app, "/datasets", staffCookies);
    const form = multipart(csrf ? { _csrf: token, ...fields } : fields, file);
    const response = await t.app.inject({
      method: "POST",
      url: "/datasets",
      cookies,
      headers: { "content-type": form.contentType },
      payload: form.payload,
    });
    return { response, cookies: cookiesFrom(response, cookies) };
  }

  it("shows the upload form and the imported files", async () => {
    const page = await t.app.inject({ url: "/datasets", cookies: staffCookies });
    expect(page.statusCode).toBe(200);
    const $ = html(page.body);
    expect($("h1").text()).toBe("Data files");
    expect($('form[enctype="multipart/form-data"] input[type="file"][name="file"]')).toHaveLength(1);
    expect(
      $('input[name="kind"]')
        .map((_i, el) => $(el).val())
        .get(),
    ).toEqual(["treatment-journeys", "sp-outcomes", "hia-activity"]);
    expect($("#datasets tbody tr").length).toBeGreaterThan(0);
  });

  it("imports an uploaded file and says so", async () => {
    const { response, cookies } = await upload(
      { kind: "sp-outcomes" },
      { name: "stays-q1.csv", content: csv(COLUMNS["sp-outcomes"], [stay(), stay(), stay()]) },
    );
    expect(response.statusCode, response.body).toBe(303);
    expect(response.headers.location).toBe("/datasets");
    const $ = html((await t.app.inject({ url: "/datasets", cookies })).body);
    expect($(".govuk-notification-banner--success").text()).toContain("stays-q1.csv: 3 rows imported");
    const newest = $("#datasets tbody tr")
      .first()
      .find("td")
      .toArray()
      .map((td) => $(td).text().trim());
    expect(newest).toContain("stays-q1.csv");
    // Providers by name with their code, and the period in words.
    expect(newest).toContain("Test provider TP01 (TP01)");
    expect(newest).toContain("1 January 2025 to 1 March 2025");
  });

  it("shows the refusal report: each problem's line, column and message, and the total", async () => {
    const before = await counts();
    const { response } = await upload(
      { kind: "sp-outcomes", replace: "true" },
      {
        name: "bad-stays.csv",
        content: csv(COLUMNS["sp-outcomes"], [
          stay(),
          stay({ end_date: "2024-01-01" }),
          stay({ achieved: "qualifications" }),
        ]),
      },
    );
    expect(response.statusCode).toBe(422);
    const $ = html(response.body);
    expect($(".govuk-error-summary").text()).toContain("2 problems");
    expect($("#refusal-summary").text()).toContain("Nothing from the file was stored");
    const rows = $("#refusal-report tbody tr")
      .toArray()
      .map((tr) =>
        $(tr)
          .find("td")
          .toArray()
          .map((td) => $(td).text().trim()),
      );
    expect(rows.map((r) => r.slice(0, 2))).toEqual([
      ["3", "end_date"],
      ["4", "achieved"],
    ]);
    expect(rows[1]?.[2]).toMatch(/not in needs/);
    // What was chosen stays chosen.
    expect($('input[name="kind"][value="sp-outcomes"]').attr("checked")).toBeDefined();
    expect($('input[name="replace"]').attr("checked")).toBeDefined();
    expect(await counts()).toEqual(before);
  });

  it("asks for a kind and a file when they are missing", async () => {
    const { response, cookies } = await upload({}, { name: "", content: "" });
    expect(response.statusCode).toBe(303);
    const $ = html((await t.app.inject({ url: "/datasets", cookies })).body);
    expect($(".govuk-error-summary").text()).toContain("Select what the file holds");
    expect($(".govuk-error-summary").text()).toContain("Select a file");
  });

  it("refuses a form without its CSRF token", async () => {
    const before = await counts();
    const { response } = await upload(
      { kind: "sp-outcomes" },
      { name: "x.csv", content: csv(COLUMNS["sp-outcomes"], [stay()]) },
      false,
    );
    expect(response.statusCode).toBe(403);
    expect(await counts()).toEqual(before);
  });

  it("is not for staff who may not import", async () => {
    const evaluator = await createUser(t.services, ["evaluator"]);
    const cookies = await signIn(t.app, evaluator.email);
    expect((await t.app.inject({ url: "/datasets", cookies })).statusCode).toBe(403);
  });
});

// ------------------------------------------------------------------------------------------------
// Working files: one folder under DATA_DIR, cleaned at start
// ------------------------------------------------------------------------------------------------

describe("an import's working files", () => {
  const importsDir = () => path.join(t.config.dataDir, "tmp", "imports");

  it("are kept under DATA_DIR/tmp/imports and gone once the import ends, stored or refused", async () => {
    const TJ = COLUMNS["treatment-journeys"];
    expect((await importCsv("treatment-journeys", csv(TJ, [episode()]))).status).toBe(201);
    expect(
      (await importCsv("treatment-journeys", csv(TJ, [episode({ triage_date: "2025-02-30" })]))).status,
    ).toBe(422);
    expect(fs.existsSync(importsDir())).toBe(true);
    expect(fs.readdirSync(importsDir())).toEqual([]);
  });

  it("left by an import that was killed are removed when the service starts", async () => {
    const crashed = path.join(
      importsDir(),
      `${os.hostname().replace(/[^A-Za-z0-9.-]/g, "_")}-2147483000-Zz9Zz9`,
    );
    fs.mkdirSync(crashed, { recursive: true });
    fs.writeFileSync(path.join(crashed, "rows.copy"), "left behind");
    createServices(t.database, t.config);
    expect(fs.existsSync(crashed)).toBe(false);
  });
});
