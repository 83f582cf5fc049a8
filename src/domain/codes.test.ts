import { describe, expect, it } from "vitest";
import { isOneOf } from "./codes.js";

describe("isOneOf", () => {
  const CODES = ["SP", "KDAAT"] as const;
  it.each([
    ["SP", true],
    ["KDAAT", true],
    ["sp", false],
    ["", false],
    [undefined, false],
    [1, false],
  ])("%j → %j", (value, expected) => {
    expect(isOneOf(CODES, value)).toBe(expected);
  });
});
