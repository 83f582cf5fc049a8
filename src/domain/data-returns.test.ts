import { describe, expect, it } from "vitest";
import {
  dataReturnState,
  lastCompleteQuarter,
  quarterContaining,
  type ReturnUpload,
} from "./data-returns.js";

describe("the financial year's quarters (data returns, §3.3 h)", () => {
  it.each([
    ["2026-04-01", "2026-04-01", "2026-06-30", "April to June 2026", "2026-07-31"],
    ["2026-06-30", "2026-04-01", "2026-06-30", "April to June 2026", "2026-07-31"],
    ["2026-08-15", "2026-07-01", "2026-09-30", "July to September 2026", "2026-10-31"],
    ["2026-12-03", "2026-10-01", "2026-12-31", "October to December 2026", "2027-01-31"],
    ["2027-01-01", "2027-01-01", "2027-03-31", "January to March 2027", "2027-04-30"],
    ["2028-03-31", "2028-01-01", "2028-03-31", "January to March 2028", "2028-04-30"],
  ])("%s is in the quarter %s to %s (%s), due by %s", (day, start, end, label, dueBy) => {
    expect(quarterContaining(day)).toEqual({ start, end, label, dueBy });
  });

  it.each([
    ["2026-12-03", "2026-07-01"],
    ["2026-10-01", "2026-07-01"],
    ["2026-09-30", "2026-04-01"],
    ["2027-01-15", "2026-10-01"],
    ["2026-02-01", "2025-10-01"],
  ])("on %s the last complete quarter starts %s", (day, start) => {
    expect(lastCompleteQuarter(day).start).toBe(start);
  });
});

const upload = (uploadedOn: string, periodEnd: string): ReturnUpload => ({ uploadedOn, periodEnd });

describe("a provider's data return (§3.3 g, h; §3.19)", () => {
  it.each<[string, string, ReturnUpload[], string, string, string | null]>([
    ["nothing uploaded, within the month after", "2026-10-10", [], "due", "2026-07-01", null],
    ["nothing uploaded, on the due day", "2026-10-31", [], "due", "2026-07-01", null],
    ["nothing uploaded, after the due day", "2026-11-01", [], "overdue", "2026-07-01", null],
    [
      "uploaded after the quarter, data reaching into it",
      "2026-12-03",
      [upload("2026-10-12", "2026-09-28")],
      "received",
      "2026-07-01",
      "2026-10-12",
    ],
    [
      "uploaded during the quarter: not its return",
      "2026-10-20",
      [upload("2026-09-15", "2026-09-14")],
      "due",
      "2026-07-01",
      null,
    ],
    [
      "uploaded after the quarter but only older data",
      "2026-11-20",
      [upload("2026-10-05", "2026-06-30")],
      "overdue",
      "2026-07-01",
      null,
    ],
    [
      "an old return for an earlier quarter does not count",
      "2026-10-05",
      [upload("2026-07-20", "2026-06-30")],
      "due",
      "2026-07-01",
      null,
    ],
    [
      "two returns: received on the first",
      "2026-12-03",
      [upload("2026-11-02", "2026-10-31"), upload("2026-10-03", "2026-09-30")],
      "received",
      "2026-07-01",
      "2026-10-03",
    ],
    [
      "across the year's end",
      "2027-01-05",
      [upload("2027-01-04", "2026-12-31")],
      "received",
      "2026-10-01",
      "2027-01-04",
    ],
  ])("%s (on %s)", (_what, today, uploads, status, quarterStart, receivedOn) => {
    const state = dataReturnState(uploads, today);
    expect(state.status).toBe(status);
    expect(state.quarter.start).toBe(quarterStart);
    if (state.status === "received") {
      expect(state.receivedOn).toBe(receivedOn);
      expect(state.next).toEqual(quarterContaining(today));
    } else {
      expect(receivedOn).toBeNull();
    }
  });
});
