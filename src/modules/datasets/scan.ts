import type { Readable } from "node:stream";
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
import { copyLine, copyText, filledText, rowIds } from "./copy.js";
import { CsvReader } from "./csv-reader.js";
import { ProblemList } from "./problems.js";
import { rememberingHash, type Pseudonymiser } from "./pseudonymiser.js";
import { FileWriter, type RowSink } from "./row-sinks.js";

/**
 * The checking half of an import (docs/indicators.md, docs/architecture.md "imports all or nothing"):
 * the file is read once as a stream, every row checked, and the good rows written, already
 * pseudonymised, in PostgreSQL's COPY text format to a row sink: straight into COPY inside the
 * import's transaction on PostgreSQL (the server loads while the file is still being read), or to a
 * temporary file that PGlite loads once the whole file has passed (PGlite runs in this thread, so there
 * is nothing to overlap). Nothing of the file is held in memory but the record being checked and one
 * batch of output lines.
 */

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

/** The columns (by the header's names; null past its end) of the cells that hold a null byte. */
function cellsWithNullByte(fields: readonly string[], headerNames: readonly string[]): (string | null)[] {
  const columns: (string | null)[] = [];
  fields.forEach((field, index) => {
    if (field.includes("\0")) columns.push(headerNames[index] ?? null);
  });
  return columns;
}

/** Where a column of the format is in the file's rows; -1 when the header has not been read. */
function positionOf(header: HeaderMap, column: string): number {
  return header.positions[header.format.columns.findIndex((c) => c.name === column)] ?? -1;
}

/** One file's checks as its records go by: what has been found, and what the good rows add up to. */
class FileScan {
  readonly problems = new ProblemList();
  readonly idsOut: FileWriter;
  private readonly format: FormatSpec;
  private readonly hash: (clientRef: string) => string;
  private readonly nextId = rowIds();
  private readonly providerCodes = new Set<string>();
  private readonly foreignCodes = new Set<string>();
  private periodStart: string | null = null;
  private periodEnd: string | null = null;
  private header: HeaderMap | null = null;
  private headerNames: readonly string[] = [];
  private idAt = -1;
  private providerAt = -1;
  /** The file could not be read as rows of its kind: nothing after the header is checked. */
  private unreadable = false;
  /** csv-parse could not read a record: nothing after it is checked. */
  private broken = false;
  rows = 0;
  private stored = 0;

  constructor(private readonly options: ScanOptions) {
    this.format = FORMATS[options.kind];
    this.hash = rememberingHash(options.pseudonymiser);
    this.idsOut = new FileWriter(options.idsFile);
  }

  /**
   * One record, as `reader` has just read it. True when it was a data row checked through (the
   * caller then writes what has gathered and reports progress); false for the header, a blank line,
   * or a record past the point the file became unreadable.
   */
  take(fields: readonly string[], reader: CsvReader): boolean {
    if (reader.failure !== null && !this.broken) {
      this.problems.report(reader.failure);
      this.broken = true;
    }
    if (this.broken || this.unreadable || reader.notCsv !== null) return false;
    if (reader.records === 1) {
      this.readHeaderRow(fields);
      return false;
    }
    if (this.header === null) return false;
    if (fields.length === 1 && fields[0] === "") return false; // a blank line
    this.rows++;
    return this.checkRow(this.header, fields, reader.line);
  }

  /** Line 1: the header, naming the format's columns. */
  private readHeaderRow(fields: readonly string[]) {
    if (fields.length === 1 && fields[0] === "") {
      this.problems.report({
        line: 1,
        column: null,
        message: `Line 1 is empty: the first line must be the header row naming the ${this.options.kind} columns`,
      });
      this.unreadable = true;
      return;
    }
    this.headerNames = fields;
    const read = readHeader(this.options.kind, fields);
    if (read.header === null) {
      for (const error of read.errors) this.problems.report(error);
      this.unreadable = true;
      return;
    }
    this.header = read.header;
    this.idAt = positionOf(read.header, this.format.idColumn);
    this.providerAt = positionOf(read.header, "provider_code");
  }

  /** A data row: each cell against its column's format, then the rules across its cells. */
  private checkRow(header: HeaderMap, fields: readonly string[], line: number): boolean {
    // A null byte cannot be stored as text (nor sent through COPY): the row goes no further.
    const withNull = cellsWithNullByte(fields, this.headerNames);
    if (withNull.length > 0) {
      for (const column of withNull)
        this.problems.report({
          line,
          column,
          message: `${column ?? "A cell"} contains a null byte (0x00), which is not allowed in a CSV file`,
        });
      return false;
    }
    const { row, errors } = validateRow(header, fields, line, this.options.context);
    if (fields.length === header.width) {
      const id = fields[this.idAt] ?? "";
      if (id !== "")
        this.idsOut.add(`${line}\t${copyText(id)}\t${copyText(fields[this.providerAt] ?? "")}\n`);
    }
    for (const error of errors) this.problems.report(error);
    if (row !== null) this.keepRow(row, line);
    return true;
  }

  /** A good row: its provider code and dates counted, and the row written while the file may yet be stored. */
  private keepRow(row: ParsedRow, line: number) {
    const { allowedCodes, datasetId, rows: rowsOut } = this.options;
    const code = filledText(row, "provider_code");
    this.providerCodes.add(code);
    if (allowedCodes && !allowedCodes.has(code)) this.foreignCodes.add(code);
    for (const column of this.format.periodColumns) {
      const date = row[column];
      if (typeof date !== "string") continue;
      if (this.periodStart === null || date < this.periodStart) this.periodStart = date;
      if (this.periodEnd === null || date > this.periodEnd) this.periodEnd = date;
    }
    // Once the file is sure to be refused (a problem, a row the importer may not import, or a COPY
    // the database refused), the good rows need not be written: the rest is only checked.
    if (this.problems.total === 0 && this.foreignCodes.size === 0 && rowsOut.failure === null) {
      this.stored++;
      rowsOut.add(copyLine(this.format, row, this.nextId(this.stored), datasetId, line, this.hash));
    }
  }

  /** The checks that need the whole file read: not CSV at all, a broken last record, no header, no rows. */
  checkWhole(reader: CsvReader) {
    const { kind } = this.options;
    const trailing = reader.trailingFailure();
    if (reader.notCsv !== null) {
      this.problems.clear();
      this.problems.report({
        line: 1,
        column: null,
        message: `The file is ${reader.notCsv}, not CSV: save it as "CSV UTF-8 (comma delimited)" and upload that`,
      });
      this.unreadable = true;
    } else if (trailing !== null && !this.broken && !this.unreadable) {
      this.problems.report(trailing);
      this.broken = true;
    } else if (reader.records === 0) {
      this.problems.report({
        line: 1,
        column: null,
        message:
          reader.bytes === 0
            ? `The file is empty (0 bytes): it must have a header row naming the ${kind} columns, then one row per ${this.format.rowName}`
            : `The file has no header row: its first line must name the ${kind} columns`,
      });
      this.unreadable = true;
    } else if (this.header !== null && this.rows === 0 && !this.broken) {
      this.problems.report({
        line: 2,
        column: null,
        message: `The file has a header but no rows: add one row per ${this.format.rowName}`,
      });
      this.unreadable = true;
    }
  }

  result(reader: CsvReader): ScanResult {
    return {
      bytes: reader.bytes,
      sha256: reader.digest(),
      rows: this.rows,
      errors: this.problems.errors,
      totalErrors: this.problems.total,
      unreadable: this.unreadable || this.broken,
      foreignCodes: [...this.foreignCodes].sort(),
      providerCodes: [...this.providerCodes].sort(),
      periodStart: this.periodStart,
      periodEnd: this.periodEnd,
    };
  }
}

/**
 * Reads the whole file once: header, then every row; writes the good rows (pseudonymised, in COPY
 * format) to `rows` until the first problem, and every row's line, id and provider code to `idsFile` for
 * the duplicate checks the database makes. After a problem it reads on to the end, so that every bad
 * row is reported (docs/indicators.md: the first 1,000 listed, all counted).
 */
export async function scanFile(input: Readable, options: ScanOptions): Promise<ScanResult> {
  const reader = new CsvReader(input, options.maxBytes);
  const scan = new FileScan(options);
  const rowsOut = options.rows;
  try {
    for (;;) {
      const fields = reader.read();
      if (fields === null) {
        if (await reader.more()) continue;
        break;
      }
      if (!scan.take(fields, reader)) continue;
      if (rowsOut.full) await rowsOut.flush();
      if (scan.idsOut.full) await scan.idsOut.flush();
      if (scan.rows % 10_000 === 0) options.onProgress?.({ bytes: reader.bytes, rows: scan.rows });
    }
    await reader.done;
    await rowsOut.flush();
  } finally {
    await scan.idsOut.close();
  }
  scan.checkWhole(reader);
  options.onProgress?.({ bytes: reader.bytes, rows: scan.rows });
  return scan.result(reader);
}

/** The dataset row's figures from the file, once it has been read. */
export function datasetFigures(scan: ScanResult) {
  const { periodStart, periodEnd } = scan;
  if (periodStart === null || periodEnd === null) throw new Error("a file without errors has dates");
  return {
    providerCodes: scan.providerCodes,
    sha256: scan.sha256,
    bytes: scan.bytes,
    rows: scan.rows,
    activeRows: scan.rows,
    periodStart,
    periodEnd,
  };
}
