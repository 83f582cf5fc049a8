import pdfmake from "pdfmake";
import type { Content, TDocumentDefinitions } from "pdfmake/interfaces.js";
import { SECTION_NAMES } from "../../../domain/tendering.js";
import type { Receipt } from "./receipt.js";

/**
 * The receipt as a PDF (docs/tendering.md, sealed submissions): what the page shows, made on the server
 * with pdfmake and the standard Helvetica fonts only, so that nothing is read from disk or the network.
 */
export interface ReceiptPdfData {
  receipt: Receipt;
  tenderReference: string;
  tenderTitle: string;
  organisationName: string;
  /** The submission time as shown on pages, in UK time. */
  submittedAtUk: string;
}

export function receiptDocDefinition(data: ReceiptPdfData): TDocumentDefinitions {
  const { receipt } = data;
  const files: Content =
    receipt.files.length === 0
      ? { text: "No files were attached.", margin: [0, 4, 0, 0] }
      : {
          table: {
            headerRows: 1,
            widths: ["*", "auto", 250],
            body: [
              [
                { text: "File", bold: true },
                { text: "Bytes", bold: true },
                { text: "SHA-256", bold: true },
              ],
              ...receipt.files.map((f) => [f.name, String(f.bytes), { text: f.sha256, fontSize: 7 }]),
            ],
          },
        };
  return {
    info: { title: `Receipt ${receipt.submissionId}` },
    defaultStyle: { font: "Helvetica", fontSize: 10 },
    content: [
      { text: "Receipt for a sealed submission", fontSize: 18, bold: true, margin: [0, 0, 0, 12] },
      {
        table: {
          widths: [130, "*"],
          body: [
            ["Tender", `${data.tenderTitle} (${data.tenderReference})`],
            ["Section", SECTION_NAMES[receipt.section]],
            ["Submitted by", data.organisationName],
            ["Received at", `${data.submittedAtUk} (${receipt.submittedAt})`],
            ["Submission", receipt.submissionId],
            ["SHA-256 of the submission", { text: receipt.sha256, fontSize: 8 }],
          ],
        },
        layout: "noBorders",
        margin: [0, 0, 0, 12],
      },
      { text: "Files", fontSize: 13, bold: true, margin: [0, 0, 0, 4] },
      files,
      {
        text:
          "The submission stays sealed until its opening is recorded. The SHA-256 of the submission is " +
          "defined in the service's documentation (sealed submissions): it covers the answers, the price " +
          "and every file's hash.",
        fontSize: 8,
        margin: [0, 12, 0, 0],
      },
    ],
  };
}

const STANDARD_FONT_FILES = new Set([
  "Helvetica",
  "Helvetica-Bold",
  "Helvetica-Oblique",
  "Helvetica-BoldOblique",
]);

export async function renderReceiptPdf(data: ReceiptPdfData): Promise<Buffer> {
  pdfmake.setFonts({
    Helvetica: {
      normal: "Helvetica",
      bold: "Helvetica-Bold",
      italics: "Helvetica-Oblique",
      bolditalics: "Helvetica-BoldOblique",
    },
  });
  pdfmake.setLocalAccessPolicy((file) => STANDARD_FONT_FILES.has(file));
  pdfmake.setUrlAccessPolicy(() => false);
  return pdfmake.createPdf(receiptDocDefinition(data)).getBuffer();
}
