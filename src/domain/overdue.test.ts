import { describe, expect, it } from "vitest";
import { TASK_STATUSES, type TaskStatus } from "./checklist-template.js";
import { isTaskOverdue, OPEN_TASK_STATUSES } from "./overdue.js";

const TODAY = "2025-06-02";
const YESTERDAY = "2025-06-01";
const LONG_AGO = "2024-03-01";
const TOMORROW = "2025-06-03";

describe("an overdue checklist task (App C, Planned/ Completed)", () => {
  it("counts as open every status but completed and not applicable", () => {
    expect(OPEN_TASK_STATUSES).toEqual(["not-started", "planned", "in-progress"]);
    expect(TASK_STATUSES.filter((s) => !OPEN_TASK_STATUSES.includes(s))).toEqual([
      "completed",
      "not-applicable",
    ]);
  });

  it.each<[TaskStatus, string | null, boolean]>([
    ["planned", YESTERDAY, true],
    ["planned", LONG_AGO, true],
    ["planned", TODAY, false],
    ["planned", TOMORROW, false],
    ["planned", null, false],
    ["in-progress", YESTERDAY, true],
    ["in-progress", TODAY, false],
    ["in-progress", null, false],
    ["not-started", YESTERDAY, true],
    ["not-started", TODAY, false],
    ["not-started", null, false],
    ["completed", YESTERDAY, false],
    ["completed", TODAY, false],
    ["completed", null, false],
    ["not-applicable", YESTERDAY, false],
    ["not-applicable", null, false],
  ])("%s, planned for %s, on 2025-06-02 → overdue %s", (status, plannedOn, expected) => {
    expect(isTaskOverdue({ status, plannedOn }, TODAY)).toBe(expected);
  });
});
