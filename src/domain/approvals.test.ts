import { describe, expect, it } from "vitest";
import { procurementPlanApprover } from "./approvals.js";

describe("procurement plan approver (§3.10)", () => {
  it.each([
    [0, null],
    [5_000_000, null], // £50,000 exactly: not over £50,000
    [5_000_001, "PROCUREMENT_MANAGER"], // £50,000.01
    [100_000_000, "PROCUREMENT_MANAGER"], // £1,000,000 exactly: up to £1m
    [100_000_001, "PROCUREMENT_BOARD"], // £1,000,000.01
    [2_500_000_000, "PROCUREMENT_BOARD"],
  ])("%i pence → %s", (value, expected) => {
    expect(procurementPlanApprover(value)).toBe(expected);
  });
});
