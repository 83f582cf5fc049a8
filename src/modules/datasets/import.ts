import { createHash, createHmac, hash as oneShotHash, hkdfSync, randomBytes } from "node:crypto";
import { once } from "node:events";
import fs from "node:fs";
import { Transform, type Readable, type Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import type { PGlite, Transaction } from "@electric-sql/pglite";
import { parse, type CsvError } from "csv-parse";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Database, Db } from "../../db/client.js";
import { ProblemError } from "../../errors.js";
import * as schema from "../../db/schema/index.js";
import {
  FORMATS,
  readHeader,
  validateRow,
  type DatasetKind,
  type FormatSpec,
  type HeaderMap,
  type ParsedRow,
  type RowContext,
  type RowError,
} from "../../domain/indicators/formats.js";
import { ageInWholeYears } from "../../domain/indicators/terms.js";

/**
 * The streaming half of an import (docs/indicators.md, docs/architecture.md "imports all or nothing"): the file is read
 * once as a stream, every row checked, and the good rows written, already pseudonymised, in PostgreSQL's
 * COPY text format to a row sink: straight into COPY inside the import's transaction on PostgreSQL (the
 * server loads while the file is still being read), or to a temporary file that PGlite loads once the
 * whole file has passed (PGlite runs in this thread, so there is nothing to overlap). Nothing of the
 * file is held in memory but the record being checked and one batch of output lines.
 */

/** The first this many problems are reported; the total is counted to the end of the file. */
export const MAX_REPORTED_ERRORS = 1_000;
/** Longest record csv-parse will gather (a quote never closed must not pull the whole file into memory). */
const MAX_RECORD_CHARACTERS = 100_000;

// ----------------------------------------------------------------------------------------------------
// Pseudonymisation
// ----------------------------------------------------------------------------------------------------

export interface Pseudonymiser {
  /** A fingerprint of the key, stored with each dataset: hashes made under different keys never mix. */
  keyId: string;
  /** HMAC-SHA-256 of a client_ref under the installation's key, in hex. */
  hash: (clientRef: string) => string;
}

/**
 * The installation secret of docs/indicators.md is PSEUDONYMISATION_SECRET (a setting of its own, not the
 * cookie secret), stretched with HKDF-SHA-256 under its own label. Changing it changes every client
 * hash: imports refuse to mix the two (see keyId).
 */
export function createPseudonymiser(installationSecret: string): Pseudonymiser {
  const key = Buffer.from(
    hkdfSync("sha256", installationSecret, "commissioner", "client_ref pseudonymisation v1", 32),
  );
  // HMAC (RFC 2104) from two one-shot SHA-256 hashes, the key padded to the hash's 64-byte block: the
  // same bytes as createHmac (import.test.ts compares them), without an Hmac object per row. Those
  // wrap native state that only a major collection frees, so a million of them grew the heap with the
  // file (the import's peak memory grew from 250,000 to 1,000,000 rows).
  const inner = Buffer.alloc(64, 0x36);
  const outer = Buffer.alloc(64, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i] = (inner[i] ?? 0) ^ (key[i] ?? 0);
    outer[i] = (outer[i] ?? 0) ^ (key[i] ?? 0);
  }
  return {
    keyId: createHmac("sha256", key).update("key id").digest("hex").slice(0, 16),
    hash: (clientRef) =>
      oneShotHash(
        "sha256",
        Buffer.concat([
          outer,
          oneShotHash("sha256", Buffer.concat([inner, Buffer.from(clientRef, "utf8")]), "buffer"),
        ]),
        "hex",
      ),
  };
}

/**
 * Client references remembered by one import. Few on purpose: emptied every few thousand rows, the
 * entries die young. At 20,000, they lived long enough to be promoted, and the heap grew with the file
 * until a major collection (the import's peak memory grew from 250,000 to 1,000,000 rows).
 */
const HASH_CACHE_ENTRIES = 2_000;

/**
 * `hash`, remembered for the length of one import: a client's rows repeat their client_ref (about 2.5
 * episodes a client, often near each other), and an HMAC costs more than checking the rest of the row.
 * The memory is bounded (emptied when full) and dropped with the import, so no mapping of references
 * outlives it.
 */
function rememberingHash(pseudonymiser: Pseudonymiser): (clientRef: string) => string {
  const known = new Map<string, string>();
  return (clientRef) => {
    let hash = known.get(clientRef);
    if (hash === undefined) {
      if (known.size >= HASH_CACHE_ENTRIES) known.clear();
      hash = pseudonymiser.hash(clientRef);
      known.set(clientRef, hash);
    }
    return hash;
  };
}

// ----------------------------------------------------------------------------------------------------
// Where the rows go
// ----------------------------------------------------------------------------------------------------

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
function copyText(value: string): string {
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
function rowIds(): (n: number) => string {
  const ms = Date.now().toString(16).padStart(12, "0");
  const r = randomBytes(4).toString("hex");
  const variant = (8 | (Number.parseInt(r.charAt(3), 16) & 3)).toString(16);
  const prefix = `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${r.slice(0, 3)}-${variant}${r.slice(4, 7)}-`;
  return (n) => prefix + n.toString(16).padStart(12, "0");
}

/**
 * A checked row as one line of COPY text. Only free text (ids, provider codes) can hold characters COPY
 * must escape: dates and codes have passed their checks (digits, letters and hyphens), and the client
 * hash is hex.
 */
function copyLine(
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
    if (column.type === "client-ref") out += `\t${hash(value as string)}`;
    else if (column.name === "date_of_birth")
      out += `\t${ageInWholeYears(value as string, row.triage_date as string)}`;
    // An empty list of codes is stored as an empty array (the columns are NOT NULL), never as null.
    else if (value === null || value === undefined) out += column.type === "codes" ? "\t{}" : "\t\\N";
    else if (typeof value !== "string") out += `\t{${value.join(",")}}`;
    else out += column.type === "date" || column.type === "code" ? `\t${value}` : `\t${copyText(value)}`;
  }
  return `${out}\n`;
}

// ----------------------------------------------------------------------------------------------------
// Reading and checking the file
// ----------------------------------------------------------------------------------------------------

/** A file larger than the import accepts (413). */
export class FileTooLargeError extends ProblemError {
  constructor(readonly maxBytes: number) {
    super(
      413,
      "Too large",
      `The file is larger than ${Math.round(maxBytes / 1024 / 1024).toLocaleString("en-GB")} MiB, the most one import takes: split it by provider or by period`,
    );
  }
}

/** Files that are plainly not CSV, by their first bytes (docs/architecture.md: file-type sniffing). */
const NOT_CSV: { magic: Buffer; what: string }[] = [
  { magic: Buffer.from([0x50, 0x4b, 0x03, 0x04]), what: "an Excel workbook or another zip file" },
  { magic: Buffer.from([0xd0, 0xcf, 0x11, 0xe0]), what: "an old-style Excel or Word file" },
  { magic: Buffer.from("%PDF"), what: "a PDF" },
  { magic: Buffer.from([0xff, 0xfe]), what: "UTF-16 text" },
  { magic: Buffer.from([0xfe, 0xff]), what: "UTF-16 text" },
];

export interface ScanProgress {
  bytes: number;
  rows: number;
}

export interface ScanOptions {
  kind: DatasetKind;
  datasetId: string;
  context: RowContext;
  /** The provider codes this person may import; null for any provider code (staff). */
  allowedCodes: ReadonlySet<string> | null;
  pseudonymiser: Pseudonymiser;
  /** Where the good rows go, in COPY text format, while no problem has been found (the caller closes it). */
  rows: RowSink;
  /** Every row's line, id and provider code, for the duplicate checks (a temporary file the caller removes). */
  idsFile: string;
  maxBytes: number;
  onProgress?: ((progress: ScanProgress) => void) | undefined;
}

export interface ScanResult {
  bytes: number;
  sha256: string;
  /** Data rows read (blank lines not counted). */
  rows: number;
  errors: RowError[];
  totalErrors: number;
  /** The file could not be read as rows of this kind (empty, header wrong, not CSV): no further checks. */
  unreadable: boolean;
  /** Provider codes in the file that the importer may not import, sorted. */
  foreignCodes: string[];
  providerCodes: string[];
  periodStart: string | null;
  periodEnd: string | null;
}

/**
 * How many bytes a row sink gathers before it writes (written at half: about a hundred rows). Gathered
 * as 1 MB of strings, V8's collections took a fifth of the import's time.
 */
const BATCH_BYTES = 64 * 1024;

/**
 * Lines gathered into a batch of bytes, encoded as they are added: each line's string dies at once
 * instead of waiting in a list for the write, so V8's minor collections have less to copy.
 */
class Batch {
  private buffer = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  /** Filled buffers, when a long line did not fit in what was left (written first, in order). */
  private earlier: Buffer[] = [];

  add(text: string) {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    const most = text.length * 3;
    if (this.used + most > this.buffer.length) {
      if (this.used > 0) this.earlier.push(this.buffer.subarray(0, this.used));
      this.buffer = Buffer.allocUnsafe(Math.max(BATCH_BYTES, most));
      this.used = 0;
    }
    this.used += this.buffer.write(text, this.used, "utf8");
  }

  get full() {
    return this.earlier.length > 0 || this.used >= BATCH_BYTES / 2;
  }

  /** The bytes gathered, in order; the batch starts again empty. */
  take(): Buffer[] {
    const out = this.used > 0 ? [...this.earlier, this.buffer.subarray(0, this.used)] : this.earlier;
    this.earlier = [];
    if (this.used > 0) {
      this.buffer = Buffer.allocUnsafe(BATCH_BYTES);
      this.used = 0;
    }
    return out;
  }
}

/** Where an import's lines go: text gathered into batches, with backpressure. */
export interface RowSink {
  add(text: string): void;
  /** Enough is gathered for one write: `flush` it. */
  readonly full: boolean;
  /** Writes what is gathered, waiting while the other end falls behind. */
  flush(): Promise<void>;
  /** The other end refused the rows (a COPY that failed): nothing more is written. */
  readonly failure: Error | null;
}

/** Appends text to a file in batches, waiting when the disk falls behind. */
export class FileWriter implements RowSink {
  private readonly batch = new Batch();
  failure: Error | null = null;
  private readonly stream: fs.WriteStream;

  constructor(file: string) {
    this.stream = fs.createWriteStream(file);
    this.stream.on("error", (error) => (this.failure = error));
  }

  add(text: string) {
    this.batch.add(text);
  }

  get full() {
    return this.batch.full;
  }

  async flush() {
    if (this.failure) throw this.failure;
    for (const chunk of this.batch.take()) if (!this.stream.write(chunk)) await once(this.stream, "drain");
  }

  async close() {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
  }
}

/** What csv-parse's complaint means, in words (its own line count is not used: see `scanFile`). */
function csvProblem(error: CsvError): string {
  switch (error.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return 'A quoted value is never closed (a closing " is missing). Nothing after this line was checked.';
    case "CSV_INVALID_CLOSING_QUOTE":
      return 'A quoted value is followed by other characters before the next comma (a " inside a quoted value must be written ""). Nothing after this line was checked.';
    case "INVALID_OPENING_QUOTE":
      return 'A " appears inside a value that is not in quotes (put the value in quotes and write the " as ""). Nothing after this line was checked.';
    case "CSV_MAX_RECORD_SIZE":
      return `A record is longer than ${MAX_RECORD_CHARACTERS.toLocaleString("en-GB")} characters (is a quote never closed?). Nothing after this line was checked.`;
    default:
      return `The file is not valid CSV here (${error.message.replace(/ at line \d+/g, "")}). Nothing after this line was checked.`;
  }
}

function newlinesIn(fields: readonly string[]): number {
  let n = 0;
  for (const field of fields) for (let i = field.indexOf("\n"); i !== -1; i = field.indexOf("\n", i + 1)) n++;
  return n;
}

/** Waits until `stream` has more to read (true), or has ended or failed (false). */
function moreToRead(stream: Readable): Promise<boolean> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const settle = (more: boolean) => {
      stream.off("readable", onReadable);
      stream.off("end", onEnd);
      stream.off("close", onEnd);
      stream.off("error", onEnd);
      resolve(more);
    };
    function onReadable() {
      settle(true);
    }
    function onEnd() {
      settle(false);
    }
    stream.on("readable", onReadable);
    stream.on("end", onEnd);
    stream.on("close", onEnd);
    stream.on("error", onEnd);
  });
}

/** The columns (by the header's names; null past its end) of the cells that hold a null byte. */
function cellsWithNullByte(fields: readonly string[], headerNames: readonly string[]): (string | null)[] {
  const columns: (string | null)[] = [];
  fields.forEach((field, index) => {
    if (field.includes("\0")) columns.push(headerNames[index] ?? null);
  });
  return columns;
}

/**
 * Reads the whole file once: header, then every row; writes the good rows (pseudonymised, in COPY
 * format) to `rows` until the first problem, and every row's line, id and provider code to `idsFile` for
 * the duplicate checks the database makes. After a problem it reads on to the end, so that every bad
 * row is reported (docs/indicators.md: the first 1,000 listed, all counted). Line numbers are counted here,
 * from the line ends inside each record, so a quoted value spanning lines (with LF or CRLF) leaves every
 * later line number right.
 */
export async function scanFile(input: Readable, options: ScanOptions): Promise<ScanResult> {
  const { kind, context, allowedCodes, datasetId, rows: rowsOut } = options;
  const format = FORMATS[kind];
  const hash = rememberingHash(options.pseudonymiser);
  const errors: RowError[] = [];
  let totalErrors = 0;
  const report = (error: RowError) => {
    totalErrors++;
    if (errors.length < MAX_REPORTED_ERRORS) errors.push(error);
  };

  let bytes = 0;
  // Set by the first chunk read (a closure, so held in an object for the checks after the loop).
  const sniffed: { notCsv: string | null } = { notCsv: null };
  const sha256 = createHash("sha256");
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (bytes === 0)
        sniffed.notCsv = NOT_CSV.find((t) => chunk.subarray(0, t.magic.length).equals(t.magic))?.what ?? null;
      bytes += chunk.length;
      if (bytes > options.maxBytes) {
        callback(new FileTooLargeError(options.maxBytes));
        return;
      }
      sha256.update(chunk);
      callback(null, chunk);
    },
  });
  const parser = parse({
    bom: true,
    relax_column_count: true,
    record_delimiter: ["\r\n", "\n"],
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_CHARACTERS,
  });
  // A record csv-parse cannot read is skipped with this event; `records` then counts the records before it.
  const skipped: { after: number; error: CsvError }[] = [];
  // Only the first matters: the file is refused from there and nothing after it is checked.
  parser.on("skip", (error: CsvError) => {
    if (skipped.length === 0) skipped.push({ after: parser.info.records, error });
  });
  const reading = pipeline(input, meter, parser);
  reading.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

  const idsOut = new FileWriter(options.idsFile);
  const nextId = rowIds();
  const providerCodes = new Set<string>();
  const foreignCodes = new Set<string>();
  let periodStart: string | null = null;
  let periodEnd: string | null = null;
  let header: HeaderMap | null = null;
  let headerNames: readonly string[] = [];
  let unreadable = false;
  let broken = false;
  let records = 0;
  let rows = 0;
  let stored = 0;
  let nextLine = 1;
  const idPosition = () =>
    header?.positions[header.format.columns.findIndex((c) => c.name === format.idColumn)];
  const providerPosition = () =>
    header?.positions[header.format.columns.findIndex((c) => c.name === "provider_code")];
  let idAt = -1;
  let providerAt = -1;

  try {
    // Records are taken as they are buffered, not one promise each (`for await`): per record, that
    // cost as much as checking it.
    for (;;) {
      const fields = parser.read() as string[] | null;
      if (fields === null) {
        if (await moreToRead(parser)) continue;
        break;
      }
      const skip = skipped[0];
      if (skip && skip.after <= records && !broken) {
        report({ line: nextLine, column: null, message: csvProblem(skip.error) });
        broken = true;
      }
      records++;
      const line = nextLine;
      nextLine += 1 + newlinesIn(fields);
      if (broken || unreadable || sniffed.notCsv !== null) continue;

      if (records === 1) {
        if (fields.length === 1 && fields[0] === "") {
          report({
            line: 1,
            column: null,
            message: `Line 1 is empty: the first line must be the header row naming the ${kind} columns`,
          });
          unreadable = true;
          continue;
        }
        headerNames = fields;
        const read = readHeader(kind, fields);
        if (read.header === null) {
          for (const error of read.errors) report(error);
          unreadable = true;
        } else {
          header = read.header;
          idAt = idPosition() ?? -1;
          providerAt = providerPosition() ?? -1;
        }
        continue;
      }
      if (header === null) continue;
      if (fields.length === 1 && fields[0] === "") continue; // a blank line
      rows++;
      // A null byte cannot be stored as text (nor sent through COPY): the row goes no further.
      const withNull = cellsWithNullByte(fields, headerNames);
      if (withNull.length > 0) {
        for (const column of withNull)
          report({
            line,
            column,
            message: `${column ?? "A cell"} contains a null byte (0x00), which is not allowed in a CSV file`,
          });
        continue;
      }

      const { row, errors: rowErrors } = validateRow(header, fields, line, context);
      if (fields.length === header.width) {
        const id = fields[idAt] ?? "";
        if (id !== "") idsOut.add(`${line}\t${copyText(id)}\t${copyText(fields[providerAt] ?? "")}\n`);
      }
      for (const error of rowErrors) report(error);
      if (row !== null) {
        const code = row.provider_code as string;
        providerCodes.add(code);
        if (allowedCodes && !allowedCodes.has(code)) foreignCodes.add(code);
        for (const column of format.periodColumns) {
          const date = row[column];
          if (typeof date !== "string") continue;
          if (periodStart === null || date < periodStart) periodStart = date;
          if (periodEnd === null || date > periodEnd) periodEnd = date;
        }
        // Once the file is sure to be refused (a problem, a row the importer may not import, or a COPY
        // the database refused), the good rows need not be written: the rest is only checked.
        if (totalErrors === 0 && foreignCodes.size === 0 && rowsOut.failure === null) {
          stored++;
          rowsOut.add(copyLine(format, row, nextId(stored), datasetId, line, hash));
        }
      }
      if (rowsOut.full) await rowsOut.flush();
      if (idsOut.full) await idsOut.flush();
      if (rows % 10_000 === 0) options.onProgress?.({ bytes, rows });
    }
    await reading;
    await rowsOut.flush();
  } finally {
    await idsOut.close();
  }

  if (sniffed.notCsv !== null) {
    errors.length = 0;
    totalErrors = 0;
    report({
      line: 1,
      column: null,
      message: `The file is ${sniffed.notCsv}, not CSV: save it as "CSV UTF-8 (comma delimited)" and upload that`,
    });
    unreadable = true;
  } else if (skipped.length > 0 && !broken && !unreadable) {
    // A record skipped after the last good one (a quote never closed runs to the end of the file).
    report({ line: nextLine, column: null, message: csvProblem((skipped[0] as { error: CsvError }).error) });
    broken = true;
  } else if (records === 0) {
    report({
      line: 1,
      column: null,
      message:
        bytes === 0
          ? `The file is empty (0 bytes): it must have a header row naming the ${kind} columns, then one row per ${format.rowName}`
          : `The file has no header row: its first line must name the ${kind} columns`,
    });
    unreadable = true;
  } else if (header !== null && rows === 0 && !broken) {
    report({
      line: 2,
      column: null,
      message: `The file has a header but no rows: add one row per ${format.rowName}`,
    });
    unreadable = true;
  }
  options.onProgress?.({ bytes, rows });
  return {
    bytes,
    sha256: sha256.digest("hex"),
    rows,
    errors,
    totalErrors,
    unreadable: unreadable || broken,
    foreignCodes: [...foreignCodes].sort(),
    providerCodes: [...providerCodes].sort(),
    periodStart,
    periodEnd,
  };
}

// ----------------------------------------------------------------------------------------------------
// Loading: one transaction that can COPY, on either database
// ----------------------------------------------------------------------------------------------------

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

/**
 * A COPY FROM STDIN in progress, as a row sink. The server may refuse it at any time (a duplicate id hits
 * the unique index): the failure is kept, nothing more is written, and `end` or `abort` then settles it.
 */
export class CopyIn implements RowSink {
  private readonly batch = new Batch();
  failure: Error | null = null;
  private settled = false;

  constructor(private readonly stream: Writable) {
    stream.on("error", (error: Error) => {
      this.failure ??= error;
    });
  }

  add(text: string) {
    this.batch.add(text);
  }

  get full() {
    return this.batch.full;
  }

  async flush() {
    for (const chunk of this.batch.take()) {
      // After a failure pg-copy-streams has let go of the connection: a write would throw.
      if (this.failure !== null) return;
      if (!this.stream.write(chunk)) await this.settledOr("drain");
    }
  }

  /** Sends the rest and ends the COPY; throws what the server refused (duplicates, a broken constraint). */
  async end() {
    await this.flush();
    if (this.failure === null) {
      this.stream.end();
      await this.settledOr("finish");
    }
    this.settled = true;
    if (this.failure !== null) throw this.failure;
  }

  /** Ends the COPY with CopyFail: the server drops what it had loaded, and the transaction is aborted. */
  async abort() {
    if (this.settled) return;
    this.settled = true;
    this.batch.take();
    if (this.failure !== null) return;
    const closed = this.settledOr("close");
    this.stream.destroy(new Error("the import was refused"));
    await closed;
  }

  /** Waits for `event`, or for the server's refusal, which may come instead of it. */
  private settledOr(event: "drain" | "finish" | "close"): Promise<void> {
    return new Promise((resolve) => {
      if (this.failure !== null) {
        resolve();
        return;
      }
      const done = () => {
        this.stream.off(event, done);
        this.stream.off("error", done);
        resolve();
      };
      this.stream.on(event, done);
      this.stream.on("error", done);
    });
  }
}

/** Pieces of a file to hand PGlite as /dev/blob, cut at line ends: its blob is held whole in memory. */
const PGLITE_COPY_CHUNK_BYTES = 8 * 1024 * 1024;

function copyStatement(table: string, columns: readonly string[], source: string): string {
  return `COPY ${table} (${columns.map((c) => `"${c}"`).join(", ")}) FROM ${source}`;
}

/** Reads a file in pieces of about `size` bytes, each ending at a line end. */
async function* lineChunks(file: string, size: number): AsyncGenerator<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const piece of fs.createReadStream(file, { highWaterMark: size })) {
    const data: Buffer = carry.length > 0 ? Buffer.concat([carry, piece as Buffer]) : (piece as Buffer);
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

async function copyIntoPglite(tx: Transaction, table: string, columns: readonly string[], file: string) {
  const statement = copyStatement(table, columns, "'/dev/blob'");
  for await (const chunk of lineChunks(file, PGLITE_COPY_CHUNK_BYTES)) {
    await tx.query(statement, [], { blob: new Blob([chunk as Uint8Array<ArrayBuffer>]) });
  }
}

/**
 * Runs `work` in one transaction on a connection of its own that can also COPY: PGlite's transaction
 * (COPY from /dev/blob), or a pooled pg client (COPY FROM STDIN with pg-copy-streams). Throwing rolls
 * everything back, the COPY included.
 */
export async function withCopyTransaction<T>(
  database: Database,
  work: (tx: CopyTransaction) => Promise<T>,
): Promise<T> {
  if (database.kind === "pglite") {
    const engine = database.pglite;
    if (!engine) throw new Error("embedded database without its engine");
    return engine.transaction(async (tx) => {
      // Drizzle on the transaction: its queries run inside it (PGlite's transaction holds the engine).
      const db = drizzlePglite(tx as unknown as PGlite, { schema }) as unknown as Db;
      return work({
        db,
        copyFile: (table, columns, file) => copyIntoPglite(tx, table, columns, file),
        copyIn: () => null,
      });
    });
  }
  // drizzle's node-postgres database keeps its pool as `$client`.
  const pool = (database.db as unknown as { $client: pg.Pool }).$client;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const db = drizzlePg(client, { schema }) as unknown as Db;
    const result = await work({
      db,
      copyFile: async (table, columns, file) => {
        await pipeline(
          fs.createReadStream(file),
          client.query(copyFrom(copyStatement(table, columns, "STDIN"))),
        );
      },
      copyIn: (table, columns) => new CopyIn(client.query(copyFrom(copyStatement(table, columns, "STDIN")))),
    });
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (error) {
    const rolledBack = await client.query("ROLLBACK").then(
      () => true,
      () => false,
    );
    // A connection that cannot even roll back is closed rather than handed to the next query.
    client.release(!rolledBack);
    throw error;
  }
}
