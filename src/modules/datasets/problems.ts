import type { RowError } from "../../domain/indicators/formats.js";
import { ProblemError } from "../../errors.js";
import type { ScanResult } from "./scan.js";

/**
 * The problem report of an import (docs/indicators.md): every bad row's line, column and reason, in line
 * order, the first 1,000 listed and all counted. A file with any problem is refused whole.
 */

/** The first this many problems are reported; the total is counted to the end of the file. */
export const MAX_REPORTED_ERRORS = 1_000;

/** The file was refused (422): every problem's line, column and reason (the first 1,000) and the total. */
export class DatasetRefusedError extends ProblemError {
  constructor(
    readonly rows: RowError[],
    readonly totalErrors: number,
  ) {
    super(
      422,
      "Data file refused",
      `The file was refused and nothing was stored: ${totalErrors.toLocaleString("en-GB")} problem${totalErrors === 1 ? "" : "s"}` +
        (totalErrors > rows.length ? ` (the first ${rows.length.toLocaleString("en-GB")} are listed)` : ""),
      [],
      { rows, totalErrors },
    );
  }
}

/** Problems as they are found: the first `MAX_REPORTED_ERRORS` kept, every one counted. */
export class ProblemList {
  readonly errors: RowError[] = [];
  total = 0;

  report(error: RowError) {
    this.total++;
    if (this.errors.length < MAX_REPORTED_ERRORS) this.errors.push(error);
  }

  /** Forgets what was found (a file that is not CSV at all is refused for that alone). */
  clear() {
    this.errors.length = 0;
    this.total = 0;
  }
}

/** Sorted merge of two line-ordered reports, keeping the first `MAX_REPORTED_ERRORS`. */
export function mergeReports(a: RowError[], b: RowError[]): RowError[] {
  const out: RowError[] = [];
  let i = 0;
  let j = 0;
  while (out.length < MAX_REPORTED_ERRORS && (i < a.length || j < b.length)) {
    const x = a[i];
    const y = b[j];
    if (x && (!y || x.line <= y.line)) {
      out.push(x);
      i++;
    } else if (y) {
      out.push(y);
      j++;
    }
  }
  return out;
}

/** Refuses a file that could not be read as rows, or that has rows the importer may not import. */
export function refuseUnreadableOrForeign(scan: ScanResult, allowedCodes: ReadonlySet<string> | null) {
  if (scan.unreadable) throw new DatasetRefusedError(scan.errors, scan.totalErrors);
  if (scan.foreignCodes.length > 0) {
    const own = [...(allowedCodes ?? [])];
    throw new ProblemError(
      403,
      "Forbidden",
      `You may import only rows of your own organisation's provider code${own.length ? ` (${own.join(", ")})` : " (your organisation has none)"}; ` +
        `the file has rows for ${scan.foreignCodes.join(", ")}. Nothing was stored.`,
      [],
      { providerCodes: scan.foreignCodes },
    );
  }
}
