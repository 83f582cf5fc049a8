import { describe, expect, it } from "vitest";
import type { MissingOutput } from "../../domain/stages.js";
import { describeEvent, missingHref } from "./presenter.js";

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

describe("where each missing gate item is done", () => {
  const id = "00000000-0000-4000-8000-000000000002";
  it.each<[string, Pick<MissingOutput, "output" | "kind">, string | null]>([
    [
      "a document: its upload form, set to its kind",
      { output: "business-case", kind: "document" },
      `/projects/${id}/documents?kind=business-case#upload`,
    ],
    [
      "an approval of a document: the decisions page",
      { output: "needs-assessment", kind: "approval" },
      `/projects/${id}/decisions#record-decision`,
    ],
    [
      "the procurement plan's sign-off: the decisions page",
      { output: "procurement-plan", kind: "approval" },
      `/projects/${id}/decisions#record-decision`,
    ],
    [
      "the EqIA screening (App C 1): the EqIA",
      { output: "eqia-screening", kind: "record" },
      `/projects/${id}/eqia`,
    ],
    ["the award (§3.16): no page yet", { output: "award", kind: "record" }, null],
    ["mobilisation (§3.18): no page yet", { output: "mobilisation", kind: "record" }, null],
    ["an ended project: nothing to do", { output: "project", kind: "record" }, null],
  ])("%s", (_what, missing, href) => {
    expect(missingHref(id, missing)).toBe(href);
  });
});
