/**
 * The procurement checklist annex as a PDF (the print view's content, made on the server with
 * pdfmake). `checklistDocDefinition` is pure (data → document definition); `renderPdf` runs pdfmake
 * with the 14 standard PDF fonts (Helvetica), so nothing is read from disk or the network.
 */
import pdfmake from "pdfmake";
import type { Content, TableCell, TDocumentDefinitions } from "pdfmake/interfaces.js";

export interface ChecklistPdfTask {
  key: string;
  text: string;
  details: readonly string[];
  evidencedBy: string;
  status: string;
  statusName: string;
  overdue: boolean;
  notApplicableReason: string | null;
  completedAutomatically: boolean;
  plannedOn: string | null;
  completedOn: string | null;
}

export interface ChecklistPdfData {
  project: { title: string; programme: string; stage: string };
  estimatedValue: string;
  progress: { completed: number; applicable: number };
  sections: readonly { number: number; title: string; tasks: readonly ChecklistPdfTask[] }[];
  /** ISO date the document was made. */
  printedOn: string;
}

const dateFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});

/** "2025-04-01" → "1 April 2025"; empty for no date. */
export function longDate(iso: string | null): string {
  return iso ? dateFormat.format(new Date(`${iso.slice(0, 10)}T00:00:00Z`)) : "";
}

/** A project title as a file name part: lower case letters and digits joined by hyphens. */
export function titleSlug(title: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
  return slug || "project";
}

export const checklistPdfFileName = (title: string) => `checklist-${titleSlug(title)}.pdf`;

function statusCell(task: ChecklistPdfTask): Content {
  const notes: string[] = [];
  if (task.status === "not-applicable" && task.notApplicableReason) notes.push(task.notApplicableReason);
  if (task.status === "completed" && task.completedAutomatically)
    notes.push("Completed automatically from the evidence held.");
  return {
    stack: [
      `${task.statusName}${task.overdue ? " (overdue)" : ""}`,
      ...notes.map((text) => ({ text, style: "note" })),
    ],
  };
}

function taskCell(task: ChecklistPdfTask): Content {
  return {
    stack: [
      { text: [{ text: `${task.key} `, bold: true }, task.text] },
      ...(task.details.length ? [{ ul: [...task.details], style: "note" }] : []),
    ],
  };
}

const HEADER = ["Task", "Evidenced by", "Status", "Planned", "Completed"];

/** The annex: title, facts, and one table with a row per section heading and per task. */
export function checklistDocDefinition(data: ChecklistPdfData): TDocumentDefinitions {
  return {
    info: {
      title: `Procurement checklist: ${data.project.title}`,
      subject: "Annex to the procurement proposal (framework, Appendix C)",
    },
    pageSize: "A4",
    pageOrientation: "landscape",
    pageMargins: [36, 36, 36, 48],
    defaultStyle: { font: "Helvetica", fontSize: 9, lineHeight: 1.15 },
    footer: (currentPage, pageCount) => ({
      text: `${data.project.title}: procurement checklist, page ${currentPage} of ${pageCount}`,
      style: "note",
      margin: [36, 16, 36, 0],
    }),
    content: [
      { text: "Annex to the procurement proposal", style: "caption" },
      { text: `Procurement checklist: ${data.project.title}`, style: "title" },
      {
        table: {
          widths: [150, "*"],
          body: factRows(data).map(([name, value]) => [{ text: name, style: "factName" }, value]),
        },
        layout: "noBorders",
        margin: [0, 0, 0, 12],
      },
      {
        table: { headerRows: 1, dontBreakRows: true, widths: ["*", 150, 110, 70, 70], body: taskRows(data) },
        layout: "lightHorizontalLines",
      },
    ],
    styles: {
      caption: { fontSize: 11, color: "#505a5f" },
      title: { fontSize: 18, bold: true, margin: [0, 2, 0, 12] },
      tableHeader: { bold: true },
      factName: { bold: true },
      section: { bold: true, fontSize: 11, fillColor: "#f3f2f1", margin: [0, 4, 0, 4] },
      note: { fontSize: 8, color: "#505a5f" },
    },
  };
}

/** The facts above the table, as name and value. */
function factRows(data: ChecklistPdfData): [string, string][] {
  return [
    ["Programme", data.project.programme],
    ["Estimated whole-life value", data.estimatedValue],
    ["Stage", data.project.stage],
    ["Tasks completed", `${data.progress.completed} of ${data.progress.applicable}`],
    ["Printed", longDate(data.printedOn)],
  ];
}

/** The table's header, then each section's heading across all five columns and a row per task. */
function taskRows(data: ChecklistPdfData): TableCell[][] {
  const body: TableCell[][] = [HEADER.map((text) => ({ text, style: "tableHeader" }))];
  for (const section of data.sections) {
    body.push([
      { text: `${section.number}. ${section.title}`, colSpan: 5, style: "section" },
      "",
      "",
      "",
      "",
    ]);
    for (const task of section.tasks)
      body.push([
        taskCell(task),
        task.evidencedBy,
        statusCell(task),
        longDate(task.plannedOn),
        longDate(task.completedOn),
      ]);
  }
  return body;
}

const STANDARD_FONT_FILES = new Set([
  "Helvetica",
  "Helvetica-Bold",
  "Helvetica-Oblique",
  "Helvetica-BoldOblique",
]);

pdfmake.setFonts({
  Helvetica: {
    normal: "Helvetica",
    bold: "Helvetica-Bold",
    italics: "Helvetica-Oblique",
    bolditalics: "Helvetica-BoldOblique",
  },
});
// Standard fonts only: no file on disk and no URL may be read while making a document.
pdfmake.setLocalAccessPolicy((file) => STANDARD_FONT_FILES.has(file));
pdfmake.setUrlAccessPolicy(() => false);

/** Makes the PDF's bytes. */
export async function renderPdf(definition: TDocumentDefinitions): Promise<Buffer> {
  return pdfmake.createPdf(definition).getBuffer();
}
