import { describe, expect, it } from "vitest";
import { describeEvent } from "./presenter.js";

const event = (entityType: string, action: string, summary: Record<string, unknown>) => ({
  seq: 1,
  at: "2025-03-04T10:00:00.000Z",
  actorLabel: "someone@example.org",
  actorName: "Someone",
  entityType,
  entityId: "00000000-0000-4000-8000-000000000001",
  action,
  summary,
});

describe("the timeline's sentence for each audit record", () => {
  it.each<[string, ReturnType<typeof event>, string]>([
    [
      "a task completed",
      event("checklist-task", "updated", {
        taskKey: "1.3",
        changes: { status: "completed", completedOn: "2025-03-04" },
      }),
      "Checklist task 1.3 completed on 4 March 2025",
    ],
    [
      "a task planned",
      event("checklist-task", "updated", {
        taskKey: "2.1",
        changes: { status: "planned", plannedOn: "2025-04-01" },
      }),
      "Checklist task 2.1 planned for 1 April 2025",
    ],
    [
      "a task not applicable, with its reason",
      event("checklist-task", "updated", {
        taskKey: "4.2",
        changes: { status: "not-applicable", notApplicableReason: "no TUPE transfer" },
      }),
      "Checklist task 4.2 not applicable, because no TUPE transfer",
    ],
    [
      "only the planned date moved",
      event("checklist-task", "updated", { taskKey: "5.1", changes: { plannedOn: "2025-05-02" } }),
      "Checklist task 5.1 planned for 2 May 2025",
    ],
    [
      "evidence linked",
      event("checklist-task", "updated", {
        taskKey: "3.2",
        changes: { evidenceId: "x", evidenceType: "document" },
      }),
      "Checklist task 3.2 evidence updated",
    ],
    [
      "nothing said about what changed",
      event("checklist-task", "updated", { taskKey: "3.3" }),
      "Checklist task 3.3 updated",
    ],
    [
      "tasks completed by evidence",
      event("checklist", "completed-automatically", { taskKeys: ["1.1", "1.3"] }),
      "Checklist tasks 1.1, 1.3 completed by the evidence recorded",
    ],
    [
      "a stage move",
      event("project", "advanced", { from: "1", to: "2" }),
      "Moved the project from stage 1 to stage 2",
    ],
    [
      "something another capability records",
      event("risk", "created", { title: "Thin market" }),
      "Risk “Thin market”: created",
    ],
  ])("%s", (_name, row, expected) => {
    expect(describeEvent(row)).toBe(expected);
  });
});
