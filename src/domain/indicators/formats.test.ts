import { describe, expect, it } from "vitest";
import { FORMATS, readHeader, validateRow, type DatasetKind, type HeaderMap } from "./formats.js";

/** Today, for the files checked here: every date of the good rows is on or before it. */
const TODAY = "2025-12-31";
const context = { isProviderCode: (code: string) => ["P001", "P002"].includes(code), today: TODAY };

function header(kind: DatasetKind): HeaderMap {
  const read = readHeader(
    kind,
    FORMATS[kind].columns.map((c) => c.name),
  );
  if (!read.header) throw new Error("header refused");
  return read.header;
}

const GOOD: Record<DatasetKind, Record<string, string>> = {
  "treatment-journeys": {
    episode_id: "E1",
    client_ref: "C1",
    provider_code: "P001",
    date_of_birth: "1980-05-01",
    triage_date: "2025-01-10",
    discharge_date: "2025-06-30",
    discharge_reason: "completed-drug-free",
    substances: "opiate;alcohol",
    referral_source: "criminal-justice",
    injecting_status: "previously",
    hepb_status: "offered-accepted",
    hepc_tested_on: "2025-01-20",
  },
  "sp-outcomes": {
    stay_id: "S1",
    client_ref: "C1",
    provider_code: "P001",
    service_type: "short-term",
    start_date: "2025-01-01",
    end_date: "2025-03-31",
    departure: "planned",
    accommodation: "private-rented",
    needs: "paid-work;mental-health",
    achieved: "paid-work",
  },
  "hia-activity": {
    referral_id: "R1",
    client_ref: "C1",
    provider_code: "P002",
    service: "handyperson",
    referral_date: "2025-02-03",
    contacted_on: "2025-02-04",
    visited_on: "",
  },
};

/** A row of `kind` in the format's column order, with some cells changed. */
function fields(kind: DatasetKind, changes: Record<string, string> = {}): string[] {
  const values = { ...GOOD[kind], ...changes };
  return FORMATS[kind].columns.map((c) => values[c.name] ?? "");
}

describe("readHeader", () => {
  it("accepts every column once, in any order", () => {
    const names = FORMATS["hia-activity"].columns.map((c) => c.name).reverse();
    const read = readHeader("hia-activity", names);
    expect(read.errors).toEqual([]);
    expect(read.header?.positions).toEqual([6, 5, 4, 3, 2, 1, 0]);
  });

  it.each([
    [
      "a missing column",
      ["referral_id", "client_ref", "provider_code", "service", "referral_date", "contacted_on"],
      [
        {
          line: 1,
          column: "visited_on",
          message: expect.stringContaining('Missing column "visited_on"') as unknown,
        },
      ],
    ],
    [
      "an unknown column",
      [
        "referral_id",
        "client_ref",
        "provider_code",
        "service",
        "referral_date",
        "contacted_on",
        "visited_on",
        "notes",
      ],
      [{ line: 1, column: "notes", message: expect.stringContaining('Unknown column "notes"') as unknown }],
    ],
    [
      "a column named twice",
      [
        "referral_id",
        "client_ref",
        "provider_code",
        "service",
        "referral_date",
        "contacted_on",
        "visited_on",
        "service",
      ],
      [{ line: 1, column: "service", message: 'Column "service" appears more than once in the header' }],
    ],
    [
      "a column in capitals (with a hint) and so one missing",
      [
        "Referral_ID",
        "client_ref",
        "provider_code",
        "service",
        "referral_date",
        "contacted_on",
        "visited_on",
      ],
      [
        {
          line: 1,
          column: "Referral_ID",
          message: expect.stringContaining('did you mean "referral_id"?') as unknown,
        },
        { line: 1, column: "referral_id", message: expect.stringContaining("Missing column") as unknown },
      ],
    ],
  ])("refuses %s, naming it", (_case, names, expected) => {
    const read = readHeader("hia-activity", names);
    expect(read.header).toBeNull();
    expect(read.errors).toEqual(expected);
  });
});

describe("validateRow", () => {
  it.each(["treatment-journeys", "sp-outcomes", "hia-activity"] as const)("accepts a good %s row", (kind) => {
    const { row, errors } = validateRow(header(kind), fields(kind), 2, context);
    expect(errors).toEqual([]);
    expect(row).not.toBeNull();
  });

  it("gives codes as lists without repeats, and empty optional cells as null", () => {
    const { row } = validateRow(
      header("treatment-journeys"),
      fields("treatment-journeys", { substances: "opiate;crack;opiate", hepc_tested_on: "" }),
      2,
      context,
    );
    expect(row?.substances).toEqual(["opiate", "crack"]);
    expect(row?.hepc_tested_on).toBeNull();
    const sp = validateRow(
      header("sp-outcomes"),
      fields("sp-outcomes", { needs: "", achieved: "" }),
      2,
      context,
    );
    expect(sp.row?.needs).toBeNull();
  });

  it.each<[string, DatasetKind, Record<string, string>, string, RegExp]>([
    [
      "a date that does not exist",
      "treatment-journeys",
      { triage_date: "2025-02-30" },
      "triage_date",
      /"2025-02-30" is not a real date/,
    ],
    [
      "a date in another form",
      "treatment-journeys",
      { triage_date: "10/01/2025" },
      "triage_date",
      /not a date in the form YYYY-MM-DD/,
    ],
    [
      "a discharge before triage",
      "treatment-journeys",
      { discharge_date: "2025-01-09" },
      "discharge_date",
      /discharge_date 2025-01-09 is before triage_date 2025-01-10/,
    ],
    [
      "a discharge on the triage date is fine, so this is about the reason",
      "treatment-journeys",
      { discharge_date: "2025-01-10", discharge_reason: "" },
      "discharge_reason",
      /discharge_reason is required when discharge_date is given/,
    ],
    [
      "a reason without a discharge date",
      "treatment-journeys",
      { discharge_date: "" },
      "discharge_reason",
      /discharge_reason is given but discharge_date is empty/,
    ],
    [
      "a date of birth after triage",
      "treatment-journeys",
      { date_of_birth: "2025-01-11" },
      "date_of_birth",
      /date_of_birth 2025-01-11 is after triage_date 2025-01-10/,
    ],
    [
      "an unknown code",
      "treatment-journeys",
      { referral_source: "police" },
      "referral_source",
      /"police" is not one of: self, gp/,
    ],
    [
      "a code in capitals",
      "treatment-journeys",
      { discharge_reason: "Completed-Drug-Free" },
      "discharge_reason",
      /is not one of/,
    ],
    [
      "an unknown substance",
      "treatment-journeys",
      { substances: "opiate;heroin" },
      "substances",
      /substances has "heroin", which is not among/,
    ],
    [
      "an empty substance item",
      "treatment-journeys",
      { substances: "opiate;;alcohol" },
      "substances",
      /has an empty item/,
    ],
    [
      "no substances",
      "treatment-journeys",
      { substances: "" },
      "substances",
      /substances is required but empty/,
    ],
    [
      "an empty id",
      "treatment-journeys",
      { episode_id: "" },
      "episode_id",
      /episode_id is required but empty/,
    ],
    [
      "an id too long",
      "treatment-journeys",
      { episode_id: "x".repeat(101) },
      "episode_id",
      /longer than 100 characters/,
    ],
    [
      "an unknown provider code",
      "treatment-journeys",
      { provider_code: "P999" },
      "provider_code",
      /"P999" is not the code of a provider organisation/,
    ],
    [
      "a provider code in lower case (with a hint)",
      "treatment-journeys",
      { provider_code: "p001" },
      "provider_code",
      /did you mean "P001"\?/,
    ],
    ["text that was not UTF-8", "treatment-journeys", { client_ref: "C\uFFFD1" }, "client_ref", /not UTF-8/],
    ["a NUL character", "hia-activity", { client_ref: "C\u00001" }, "client_ref", /has a NUL character/],
    [
      "an end before the start",
      "sp-outcomes",
      { end_date: "2024-12-31" },
      "end_date",
      /end_date 2024-12-31 is before start_date 2025-01-01/,
    ],
    [
      "a departure while the stay goes on",
      "sp-outcomes",
      { end_date: "" },
      "departure",
      /departure is given but end_date is empty/,
    ],
    [
      "an ended stay without a departure",
      "sp-outcomes",
      { departure: "" },
      "departure",
      /departure is required when end_date is given/,
    ],
    [
      "an achieved outcome not in needs",
      "sp-outcomes",
      { achieved: "paid-work;qualifications" },
      "achieved",
      /achieved has "qualifications", which is not in needs/,
    ],
    [
      "an unknown accommodation",
      "sp-outcomes",
      { accommodation: "tent" },
      "accommodation",
      /"tent" is not one of/,
    ],
    [
      "an unknown service",
      "hia-activity",
      { service: "gardening" },
      "service",
      /"gardening" is not one of: hia, handyperson/,
    ],
    ["a bad contact date", "hia-activity", { contacted_on: "2025-13-01" }, "contacted_on", /not a real date/],
    [
      "a contact after today (an event that has not happened)",
      "hia-activity",
      { contacted_on: "2026-01-01" },
      "contacted_on",
      /^contacted_on "2026-01-01" is after today, 31 December 2025: the file records only what has happened$/,
    ],
  ])("refuses %s", (_case, kind, changes, column, message) => {
    const { row, errors } = validateRow(header(kind), fields(kind, changes), 7, context);
    expect(row).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 7, column });
    expect(errors[0]?.message).toMatch(message);
  });

  it("accepts an event dated today", () => {
    const { errors } = validateRow(
      header("hia-activity"),
      fields("hia-activity", { contacted_on: TODAY }),
      7,
      context,
    );
    expect(errors).toEqual([]);
  });

  it("reports every bad cell of a row, each in its own column", () => {
    const { errors } = validateRow(
      header("treatment-journeys"),
      fields("treatment-journeys", {
        triage_date: "2025-02-30",
        referral_source: "police",
        hepb_status: "yes",
      }),
      3,
      context,
    );
    expect(errors.map((e) => e.column)).toEqual(["triage_date", "referral_source", "hepb_status"]);
  });

  it("does not judge a rule on a cell that is already wrong", () => {
    const { errors } = validateRow(
      header("treatment-journeys"),
      fields("treatment-journeys", { discharge_date: "2025-06-31" }),
      3,
      context,
    );
    expect(errors).toEqual([
      { line: 3, column: "discharge_date", message: 'discharge_date "2025-06-31" is not a real date' },
    ]);
  });

  it("refuses a line with the wrong number of values as a whole", () => {
    const { errors } = validateRow(header("hia-activity"), ["R1", "C1", "P001"], 4, context);
    expect(errors).toEqual([
      {
        line: 4,
        column: null,
        message: expect.stringContaining("The line has 3 values but the header has 7 columns") as unknown,
      },
    ]);
  });
});
