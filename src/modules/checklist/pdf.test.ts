import { describe, expect, it } from "vitest";
import {
  checklistDocDefinition,
  checklistPdfFileName,
  longDate,
  renderPdf,
  titleSlug,
  type ChecklistPdfData,
  type ChecklistPdfTask,
} from "./pdf.js";

const task = (key: string, extra: Partial<ChecklistPdfTask> = {}): ChecklistPdfTask => ({
  key,
  text: `Task ${key}`,
  details: [],
  evidencedBy: "Evidence",
  status: "not-started",
  statusName: "Not started",
  overdue: false,
  notApplicableReason: null,
  completedAutomatically: false,
  plannedOn: null,
  completedOn: null,
  ...extra,
});

const DATA: ChecklistPdfData = {
  project: {
    title: "Substance misuse treatment",
    programme: "Drug and Alcohol Action Team",
    stage: "Stage 1: Needs assessment, contract monitoring and service evaluation",
  },
  estimatedValue: "£2,500,000.00",
  progress: { completed: 1, applicable: 2 },
  printedOn: "2025-06-02",
  sections: [
    {
      number: 1,
      title: "Needs assessment",
      tasks: [
        task("1.1", {
          status: "completed",
          statusName: "Completed",
          completedAutomatically: true,
          completedOn: "2025-05-01",
          details: ["a detail"],
        }),
        task("1.2", { plannedOn: "2025-01-10", overdue: true }),
      ],
    },
    {
      number: 2,
      title: "Redesign",
      tasks: [
        task("2.1", {
          status: "not-applicable",
          statusName: "Not applicable",
          notApplicableReason: "Low value",
        }),
      ],
    },
  ],
};

describe("checklistDocDefinition", () => {
  it("holds the annex: title, facts and a row per section and task", () => {
    const doc = checklistDocDefinition(DATA);
    const text = JSON.stringify(doc.content);
    expect(text).toContain("Procurement checklist: Substance misuse treatment");
    expect(text).toContain("£2,500,000.00");
    expect(text).toContain("1 of 2");
    expect(text).toContain("2 June 2025");
    expect(doc.info?.title).toBe("Procurement checklist: Substance misuse treatment");
    const content = doc.content as { table?: { headerRows?: number; body: unknown[][] } }[];
    const table = content.find((c) => c.table?.headerRows === 1)?.table;
    expect(table?.body).toHaveLength(1 + 2 + 3);
    expect(JSON.stringify(table?.body[0])).toContain("Evidenced by");
    expect(JSON.stringify(table?.body[1])).toContain("1. Needs assessment");
    const row = (i: number) => JSON.stringify(table?.body[i]);
    expect(row(2)).toContain("Completed automatically from the evidence held.");
    expect(row(2)).toContain("1 May 2025");
    expect(row(2)).toContain("a detail");
    expect(row(3)).toContain("Not started (overdue)");
    expect(row(3)).toContain("10 January 2025");
    expect(row(5)).toContain("Low value");
  });

  it("makes a PDF with the standard fonts", async () => {
    const bytes = await renderPdf(checklistDocDefinition(DATA));
    expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  });
});

describe("file names", () => {
  it("slugs the project title", () => {
    expect(titleSlug("Substance misuse treatment")).toBe("substance-misuse-treatment");
    expect(titleSlug("  Café & Co: 2025/26!  ")).toBe("cafe-co-2025-26");
    expect(titleSlug("£££")).toBe("project");
    expect(checklistPdfFileName("Housing support")).toBe("checklist-housing-support.pdf");
  });

  it("formats dates", () => {
    expect(longDate(null)).toBe("");
    expect(longDate("2025-04-01")).toBe("1 April 2025");
  });
});
