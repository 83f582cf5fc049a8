import { randomBytes } from "node:crypto";
import fs from "node:fs";
import type { Transaction } from "@electric-sql/pglite";
import type { Db } from "../../db/client.js";
import {
  FORMATS,
  type DatasetKind,
  type FormatSpec,
  type ParsedRow,
} from "../../domain/indicators/formats.js";
import { ageInWholeYears } from "../../domain/indicators/terms.js";
import type { CopyIn } from "./row-sinks.js";

/**
 * Where an import's rows go, and how they are written: PostgreSQL's COPY text format, one line a row,
 * into the table of the dataset's kind; and a file of such lines fed to PGlite's COPY in pieces.
 */

export const ROW_TABLES: Record<DatasetKind, string> = {
  "treatment-journeys": "treatment_episodes",
  "sp-outcomes": "sp_stays",
  "hia-activity": "hia_referrals",
};

/**
 * The stored columns of a kind, in COPY order: a file's columns keep their names, except that
 * `client_ref` is stored as `client_hash` and `date_of_birth` as `age_at_triage`.
 */
export function storedColumns(kind: DatasetKind): string[] {
  return [
    "id",
    "dataset_id",
    "line",
    ...FORMATS[kind].columns.map((c) =>
      c.name === "client_ref" ? "client_hash" : c.name === "date_of_birth" ? "age_at_triage" : c.name,
    ),
  ];
}

/**
 * Text in COPY text format: backslash, tab and line ends escaped. Most values have none of them, and
 * are returned as they are without a regular expression's cost.
 */
export function copyText(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 92 || c === 9 || c === 10 || c === 13) return value.replace(/[\\\t\n\r]/g, escapeCopy);
  }
  return value;
}
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
function escapeCopy(c: string): string {
  return COPY_ESCAPES[c] ?? c;
}

/**
 * Row ids in time order (UUID version 7 layout: the import's millisecond, random bits, then the row's
 * number), so that loading a million rows appends to the primary key's index instead of scattering.
 */
export function rowIds(): (n: number) => string {
  const ms = Date.now().toString(16).padStart(12, "0");
  const r = randomBytes(4).toString("hex");
  const variant = (8 | (Number.parseInt(r.charAt(3), 16) & 3)).toString(16);
  const prefix = `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${r.slice(0, 3)}-${variant}${r.slice(4, 7)}-`;
  return (n) => prefix + n.toString(16).padStart(12, "0");
}

/** A cell a checked row must have filled (a required text or date column). */
export function filledText(row: ParsedRow, column: string): string {
  const value = row[column];
  if (typeof value !== "string") throw new Error(`a checked row without ${column}`);
  return value;
}

/**
 * A checked row as one line of COPY text. Only free text (ids, provider codes) can hold characters COPY
 * must escape: dates and codes have passed their checks (digits, letters and hyphens), and the client
 * hash is hex.
 */
export function copyLine(
  format: FormatSpec,
  row: ParsedRow,
  id: string,
  datasetId: string,
  line: number,
  hash: (clientRef: string) => string,
): string {
  let out = `${id}\t${datasetId}\t${line}`;
  for (const column of format.columns) {
    const value = row[column.name];
    // An empty list of codes is stored as an empty array (the columns are NOT NULL), never as null.
    if (value === null || value === undefined) out += column.type === "codes" ? "\t{}" : "\t\\N";
    else if (typeof value !== "string") out += `\t{${value.join(",")}}`;
    // client_ref and date_of_birth are required: a checked row has both, as text.
    else if (column.type === "client-ref") out += `\t${hash(value)}`;
    else if (column.name === "date_of_birth")
      out += `\t${ageInWholeYears(value, filledText(row, "triage_date"))}`;
    else out += column.type === "date" || column.type === "code" ? `\t${value}` : `\t${copyText(value)}`;
  }
  return `${out}\n`;
}

export function copyStatement(table: string, columns: readonly string[], source: string): string {
  return `COPY ${table} (${columns.map((c) => `"${c}"`).join(", ")}) FROM ${source}`;
}

/** Pieces of a file to hand PGlite as /dev/blob, cut at line ends: its blob is held whole in memory. */
const PGLITE_COPY_CHUNK_BYTES = 8 * 1024 * 1024;

/** A read stream's piece: a Buffer over an ArrayBuffer (which a Blob takes, unlike a shared one). */
function isPlainBuffer(piece: unknown): piece is Buffer<ArrayBuffer> {
  return Buffer.isBuffer(piece) && piece.buffer instanceof ArrayBuffer;
}

/** Reads a file in pieces of about `size` bytes, each ending at a line end. */
async function* lineChunks(file: string, size: number): AsyncGenerator<Buffer<ArrayBuffer>> {
  let carry = Buffer.alloc(0);
  for await (const piece of fs.createReadStream(file, { highWaterMark: size })) {
    if (!isPlainBuffer(piece)) throw new Error("a file read without an encoding gives Buffers");
    const data = carry.length > 0 ? Buffer.concat([carry, piece]) : piece;
    const end = data.lastIndexOf(10);
    if (end === -1) {
      carry = data;
      continue;
    }
    yield data.subarray(0, end + 1);
    carry = data.subarray(end + 1);
  }
  if (carry.length > 0) yield carry;
}

/** COPY a file of COPY text lines into `table (columns)` inside a PGlite transaction, piece by piece. */
export async function copyIntoPglite(
  tx: Transaction,
  table: string,
  columns: readonly string[],
  file: string,
) {
  const statement = copyStatement(table, columns, "'/dev/blob'");
  for await (const chunk of lineChunks(file, PGLITE_COPY_CHUNK_BYTES)) {
    await tx.query(statement, [], { blob: new Blob([chunk]) });
  }
}

/** A transaction that can also COPY (service.ts opens one on either database). */
export interface CopyTransaction {
  /** Drizzle on the transaction's own connection, for the dataset row, checks and the audit record. */
  db: Db;
  /** COPY a file in COPY text format into `table (columns)`. */
  copyFile(table: string, columns: readonly string[], file: string): Promise<void>;
  /**
   * Starts a COPY into `table (columns)` fed as the rows are written (PostgreSQL only: null on PGlite).
   * Nothing else may run on the transaction until it is ended or aborted.
   */
  copyIn(table: string, columns: readonly string[]): CopyIn | null;
}
