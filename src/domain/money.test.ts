import { describe, expect, it } from "vitest";
import { formatPence, isAtLeastPercentOf, MAX_PENCE, parsePounds, percentOf } from "./money.js";

describe("parsePounds: what a person types, in pence", () => {
  it.each([
    ["£1,000,000.01", 100_000_001],
    ["£1,000,000", 100_000_000],
    ["1000000", 100_000_000],
    ["1250000.50", 125_000_050],
    ["1250000.5", 125_000_050],
    ["£1,250,000", 125_000_000],
    ["  £ 50,000.00 ", 5_000_000],
    ["50000.01", 5_000_001],
    ["0", 0],
    ["0.01", 1],
    ["£173,934", 17_393_400],
    ["100,000,000,000", MAX_PENCE],
  ])("%s → %i pence", (input, pence) => {
    expect(parsePounds(input)).toEqual({ ok: true, pence });
  });

  it.each([
    ["", "empty"],
    ["   ", "empty"],
    ["£12,34a", "format"],
    ["12,34", "format"],
    ["1,0000", "format"],
    [",100", "format"],
    ["1.2.3", "format"],
    ["£", "format"],
    [".50", "format"],
    ["1e6", "format"],
    ["0x10", "format"],
    ["£1m", "format"],
    ["1 000", "format"],
    ["12.345", "pence"],
    ["-5", "negative"],
    ["£-5", "negative"],
    ["100,000,000,000.01", "too-large"],
    ["99999999999999999999", "too-large"],
  ])("%j is refused (%s)", (input, error) => {
    expect(parsePounds(input)).toEqual({ ok: false, error });
  });
});

describe("formatPence", () => {
  it.each([
    [100_000_001, "£1,000,000.01"],
    [100_000_000, "£1,000,000"],
    [5_000_000, "£50,000"],
    [125_000_050, "£1,250,000.50"],
    [1, "£0.01"],
    [0, "£0"],
    [-2_550, "-£25.50"],
  ])("%i pence → %s", (pence, text) => {
    expect(formatPence(pence)).toBe(text);
  });

  it("writes pence when asked, and refuses a fraction of a penny", () => {
    expect(formatPence(100_000_000, { alwaysPence: true })).toBe("£1,000,000.00");
    expect(() => formatPence(1.5)).toThrow(RangeError);
  });

  it("round-trips what it writes", () => {
    for (const pence of [0, 1, 99, 100, 5_000_001, 66_354_000, MAX_PENCE]) {
      expect(parsePounds(formatPence(pence))).toEqual({ ok: true, pence });
    }
  });
});

describe("percentages without floating point", () => {
  it.each([
    [13_914_720, 80, 17_393_400, true],
    [13_914_719, 80, 17_393_400, false],
    [53_083_200, 80, 66_354_000, true],
    [53_083_199, 80, 66_354_000, false],
  ])("%i is at least %i%% of %i: %s", (value, percent, of, expected) => {
    expect(isAtLeastPercentOf(value, percent, of)).toBe(expected);
  });

  it("rounds a share up to the next penny", () => {
    expect(percentOf(17_393_400, 80)).toBe(13_914_720);
    expect(percentOf(101, 80)).toBe(81); // 80.8 pence: a value of 80 pence is not 80% of 101
  });
});
