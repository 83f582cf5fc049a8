import { describe, expect, it } from "vitest";
import { dateParts, readDateInput } from "./date-input.js";
import { foldDateInputs } from "./page-action.js";

const boxes = (day: string, month: string, year: string) => ({
  "d-day": day,
  "d-month": month,
  "d-year": year,
});

describe("readDateInput: the three boxes of a GOV.UK date input", () => {
  it.each([
    ["27", "3", "2025", { kind: "date", iso: "2025-03-27" }],
    [" 1 ", "02", "2031", { kind: "date", iso: "2031-02-01" }],
    ["", "", "", { kind: "empty" }],
    ["29", "2", "2024", { kind: "date", iso: "2024-02-29" }],
    ["29", "2", "2025", { kind: "invalid" }],
    ["40", "1", "2031", { kind: "invalid" }],
    ["1", "13", "2031", { kind: "invalid" }],
    ["1", "1", "31", { kind: "invalid" }],
    ["1", "", "2031", { kind: "invalid" }],
    ["one", "1", "2031", { kind: "invalid" }],
  ])("%j %j %j → %j", (day, month, year, expected) => {
    expect(readDateInput(boxes(day, month, year), "d")).toEqual(expected);
  });

  it("reads the first of repeated boxes, and nothing from boxes that are not text", () => {
    expect(readDateInput({ "d-day": ["2", "3"], "d-month": "4", "d-year": "2030" }, "d")).toEqual({
      kind: "date",
      iso: "2030-04-02",
    });
    expect(readDateInput({ "d-day": 2, "d-month": 4, "d-year": 2030 }, "d")).toEqual({ kind: "empty" });
  });
});

describe("dateParts: a saved date back into the boxes", () => {
  it.each([
    ["2025-03-07", { day: "7", month: "3", year: "2025" }],
    [null, { day: "", month: "", year: "" }],
    ["2025-02-30", { day: "", month: "", year: "" }],
  ])("%j → %j", (iso, expected) => {
    expect(dateParts(iso)).toEqual(expected);
  });
});

describe("foldDateInputs: the form's fields as the use case takes them", () => {
  it("replaces each date's boxes by one field, leaves an empty date out and names a wrong one", () => {
    const folded = foldDateInputs(
      {
        title: "T",
        ...boxes("27", "3", "2025"),
        "e-day": "",
        "e-month": "",
        "e-year": "",
        ...{ "f-day": "31", "f-month": "4", "f-year": "2025" },
      },
      { d: "Start date", e: "End date", f: "Review date" },
    );
    expect(folded.fields).toEqual({ title: "T", d: "2025-03-27" });
    expect(folded.errors).toEqual([
      { path: "f.day", message: "Review date must be a real date, for example 27 3 2025" },
    ]);
  });
});
