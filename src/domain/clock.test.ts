import { describe, expect, it } from "vitest";
import { fixedClock, systemClock } from "./clock.js";
import { dateInLondon } from "./dates.js";

describe("the clock", () => {
  it("tells the system's day in London", () => {
    const before = dateInLondon(new Date());
    const today = systemClock.today();
    expect([before, dateInLondon(new Date())]).toContain(today);
  });

  it.each([
    ["2025-03-30", "2025-03-30"], // the day the clocks go forward
    ["2025-10-26", "2025-10-26"], // the day they go back
    ["2025-07-01", "2025-07-01"],
  ])("fixed at %s, today is %s in London", (date, today) => {
    expect(fixedClock(date).today()).toBe(today);
  });

  it("fixed at an instant, today is that instant's date in London", () => {
    const clock = fixedClock(new Date("2025-06-30T23:30:00Z"));
    expect(clock.today()).toBe("2025-07-01");
    expect(clock.now().toISOString()).toBe("2025-06-30T23:30:00.000Z");
  });

  it("refuses a date that is not one", () => {
    expect(() => fixedClock("2025-02-30")).toThrow(RangeError);
  });
});
