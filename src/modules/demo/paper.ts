import fs from "node:fs";
import path from "node:path";
import type { SpooledFile } from "../projects/upload.js";

/**
 * The demo's documents: one-page PDFs written here, with the 14 standard PDF fonts (Helvetica), so the
 * demo reads nothing from disk or the network and its documents open in any PDF reader. Each goes to a
 * project through the documents' own upload (their checks sniff the bytes, as for a person's file).
 */

/** Text as a PDF string: printable ASCII only, brackets and backslashes escaped. */
function pdfText(text: string): string {
  const ascii = text
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[–—]/g, "-")
    .replace(/£/g, "GBP ")
    .replace(/[^\x20-\x7e]/g, "?");
  return `(${ascii.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

/** A one-page A4 PDF: the title large, then each line, with a correct cross-reference table. */
export function demoPdf(title: string, lines: readonly string[]): Buffer {
  const text = [
    "BT /F1 18 Tf 56 780 Td",
    `${pdfText(title)} Tj`,
    "/F1 11 Tf 0 -30 Td 15 TL",
    ...lines.map((line) => `${pdfText(line)} '`),
    "ET",
  ].join("\n");
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    `<< /Length ${Buffer.byteLength(text, "latin1")} >>\nstream\n${text}\nendstream`,
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, "latin1"));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, "latin1");
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  body += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, "latin1");
}

/** The PDF written into `dir` as a file the documents' upload takes, as if a browser had sent it. */
export function demoFile(dir: string, fileName: string, bytes: Buffer): SpooledFile {
  const file = path.join(dir, fileName);
  fs.writeFileSync(file, bytes, { flag: "wx" });
  return { path: file, fileName, bytes: bytes.length, tooLarge: false, limitBytes: bytes.length };
}
