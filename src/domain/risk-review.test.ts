import { describe, expect, it } from "vitest";
import { isReviewOverdue } from "./risk-review.js";

const TODAY = "2026-03-10";

describe("isReviewOverdue", () => {
  it.each([
    { status: "open", reviewOn: "2026-03-09", overdue: true, why: "an open risk reviewed by yesterday" },
    { status: "open", reviewOn: "2025-12-31", overdue: true, why: "an open risk long past its review" },
    { status: "open", reviewOn: "2026-03-10", overdue: false, why: "a review due today is not yet late" },
    { status: "open", reviewOn: "2026-03-11", overdue: false, why: "a review due tomorrow" },
    { status: "closed", reviewOn: "2026-03-09", overdue: false, why: "a closed risk is never overdue" },
    { status: "closed", reviewOn: "2026-03-11", overdue: false, why: "a closed risk with a later date" },
  ])("$why: $overdue", ({ status, reviewOn, overdue }) => {
    expect(isReviewOverdue({ status, reviewOn }, TODAY)).toBe(overdue);
  });
});
