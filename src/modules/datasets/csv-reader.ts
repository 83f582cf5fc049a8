import { createHash } from "node:crypto";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parse, type CsvError, type Parser } from "csv-parse";
import type { RowError } from "../../domain/indicators/formats.js";
import { ProblemError } from "../../errors.js";

/**
 * Reading an import's file as CSV records, once, as a stream (docs/indicators.md): its bytes counted,
 * hashed and limited as they arrive, its first bytes sniffed, and each record's line number counted.
 * Nothing of the file is held in memory but the records csv-parse has buffered.
 */

/** Longest record csv-parse will gather (a quote never closed must not pull the whole file into memory). */
const MAX_RECORD_CHARACTERS = 100_000;

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

/** What csv-parse's complaint means, in words (its own line count is not used: see `CsvReader`). */
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

/** csv-parse gives each record as a list of text (no `cast` option is set). */
function isRecord(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((field) => typeof field === "string");
}

/**
 * A file read as CSV records. Line numbers are counted here, from the line ends inside each record, so a
 * quoted value spanning lines (with LF or CRLF) leaves every later line number right.
 */
export class CsvReader {
  /** Bytes read so far. */
  bytes = 0;
  /** What the file plainly is instead of CSV, by its first bytes; null when it may be CSV. */
  notCsv: string | null = null;
  /** Records read so far. */
  records = 0;
  /** The line the record last read starts on. */
  line = 0;
  /** The line the next record starts on. */
  nextLine = 1;
  /**
   * The first record csv-parse could not read, once the reading has passed it: the file is refused
   * from there and nothing after it is checked.
   */
  failure: RowError | null = null;
  /** Settles once the whole file has been read; rejects with what stopped it (too large, a failed stream). */
  readonly done: Promise<void>;
  private readonly sha256 = createHash("sha256");
  private readonly parser: Parser;
  /** A record csv-parse cannot read is skipped; `after` counts the records before it. Only the first matters. */
  private skipped: { after: number; error: CsvError } | null = null;

  constructor(input: Readable, maxBytes: number) {
    const meter = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        if (this.bytes === 0)
          this.notCsv = NOT_CSV.find((t) => chunk.subarray(0, t.magic.length).equals(t.magic))?.what ?? null;
        this.bytes += chunk.length;
        if (this.bytes > maxBytes) {
          callback(new FileTooLargeError(maxBytes));
          return;
        }
        this.sha256.update(chunk);
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
    parser.on("skip", (error: CsvError) => {
      this.skipped ??= { after: parser.info.records, error };
    });
    this.parser = parser;
    this.done = pipeline(input, meter, parser);
    this.done.catch(() => undefined); // awaited by the reader's user; this only keeps an early failure from going unhandled
  }

  /**
   * The next record's fields, or null when none is buffered (then wait for `more`). Records are taken
   * as they are buffered, not one promise each (`for await`): per record, that cost as much as checking it.
   */
  read(): string[] | null {
    const fields: unknown = this.parser.read();
    if (fields === null) return null;
    if (!isRecord(fields)) throw new Error("csv-parse gave a record that is not a list of text");
    const skip = this.skipped;
    if (this.failure === null && skip !== null && skip.after <= this.records)
      this.failure = { line: this.nextLine, column: null, message: csvProblem(skip.error) };
    this.records++;
    this.line = this.nextLine;
    this.nextLine += 1 + newlinesIn(fields);
    return fields;
  }

  /** Waits until more records are buffered (true), or the file has ended or failed (false). */
  more(): Promise<boolean> {
    return moreToRead(this.parser);
  }

  /** Once the file has been read: a record skipped after the last one read (a quote never closed runs to the end of the file). */
  trailingFailure(): RowError | null {
    if (this.failure !== null || this.skipped === null) return null;
    return { line: this.nextLine, column: null, message: csvProblem(this.skipped.error) };
  }

  /** The SHA-256 of the file's bytes, in hex, once it has been read. */
  digest(): string {
    return this.sha256.digest("hex");
  }
}
