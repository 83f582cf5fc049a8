import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { DATASET_KINDS, isDatasetKind, type DatasetKind } from "../domain/indicators/formats.js";
import { SYSTEM_ACTOR } from "../domain/policy.js";
import { DatasetRefusedError, type ImportProgress } from "../modules/datasets/service.js";
import { consoleOutput, withServices, type CliContext, type Output } from "./context.js";
import { refused, usageError } from "./errors.js";

export interface ImportArguments {
  kind: DatasetKind;
  file: string;
  bytes: number;
  replace: boolean;
}

/** Checks the arguments before the database is opened, so a mistake costs nothing. */
export function parseImportArguments(
  kind: string,
  file: string,
  options: { replace?: boolean },
): ImportArguments {
  if (!isDatasetKind(kind))
    throw usageError(`Unknown kind "${kind}". Valid kinds: ${DATASET_KINDS.join(", ")}`);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw usageError(`Cannot read ${file}: there is no such file`);
  }
  if (!stat.isFile()) throw usageError(`${file} is not a file`);
  return { kind, file, bytes: stat.size, replace: options.replace === true };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toLocaleString("en-GB", { maximumFractionDigits: 1, minimumFractionDigits: 1 })} MB`;
}

const PHASE_LINES: Record<Exclude<ImportProgress["phase"], "reading">, string> = {
  checking: "Checking ids against the file and the stored data…",
  loading: "Loading into the database…",
};

/**
 * Progress on stderr: a bar redrawn in place on a terminal (rows per second, bytes read of the total),
 * or a plain line every few seconds when stderr is a file or a pipe.
 */
export function createProgressReporter(
  stream: { write(text: string): unknown; isTTY?: boolean },
  totalBytes: number,
  now: () => number = Date.now,
) {
  const started = now();
  const tty = stream.isTTY === true;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastBytes = -1;
  let phase: ImportProgress["phase"] = "reading";
  let barShown = false;

  function readingLine(bytes: number, rows: number): string {
    const seconds = Math.max((now() - started) / 1000, 0.001);
    const share = totalBytes > 0 ? Math.min(bytes / totalBytes, 1) : 1;
    const rate = Math.round(rows / seconds).toLocaleString("en-GB");
    const figures = `${megabytes(bytes)} of ${megabytes(totalBytes)}  ${rows.toLocaleString("en-GB")} rows  ${rate} rows/s`;
    if (!tty) return `Read ${figures} (${Math.round(share * 100)}%)`;
    const width = 24;
    const filled = Math.round(share * width);
    return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}%  ${figures}`;
  }

  return {
    update(progress: ImportProgress) {
      const t = now();
      if (progress.phase === "reading") {
        // The end of the file is always shown (once); in between, a few times a second or every 5 s.
        const last = progress.bytes >= totalBytes;
        if (last ? progress.bytes === lastBytes : t - lastDraw < (tty ? 100 : 5_000)) return;
        lastDraw = t;
        lastBytes = progress.bytes;
        barShown = true;
        stream.write(
          tty
            ? `\r${readingLine(progress.bytes, progress.rows)}\u001b[K`
            : `${readingLine(progress.bytes, progress.rows)}\n`,
        );
        return;
      }
      if (progress.phase === phase) return;
      phase = progress.phase;
      stream.write(`${tty && barShown ? "\n" : ""}${PHASE_LINES[progress.phase]}\n`);
      barShown = false;
    },
    /** Ends the bar's line, so what follows starts on a line of its own. */
    finish() {
      if (tty && barShown) stream.write("\n");
      barShown = false;
    },
  };
}

/** Imports a file as the system (any provider's code); prints the report and exits 1 when it is refused. */
export async function runImport(
  context: CliContext,
  args: ImportArguments,
  output: Output = consoleOutput,
  progressStream: { write(text: string): unknown; isTTY?: boolean } = process.stderr,
): Promise<void> {
  const progress = createProgressReporter(progressStream, args.bytes);
  const fileName = path.basename(args.file);
  try {
    const outcome = await context.services.datasets.importFile(SYSTEM_ACTOR, {
      kind: args.kind,
      fileName,
      input: fs.createReadStream(args.file),
      replace: args.replace,
      onProgress: (p) => {
        progress.update(p);
      },
    });
    progress.finish();
    output.out(
      `Imported ${outcome.rows.toLocaleString("en-GB")} rows of ${args.kind} from ${fileName} as dataset ${outcome.datasetId}.`,
    );
    if (outcome.replacedRows > 0)
      output.out(
        `Replaced ${outcome.replacedRows.toLocaleString("en-GB")} earlier rows of ${outcome.replacedDatasetIds.length} dataset${outcome.replacedDatasetIds.length === 1 ? "" : "s"}: ${outcome.replacedDatasetIds.join(", ")}.`,
      );
  } catch (error) {
    progress.finish();
    if (error instanceof DatasetRefusedError) {
      for (const row of error.rows)
        output.err(`line ${row.line}${row.column ? `, column ${row.column}` : ""}: ${row.message}`);
      throw refused(`${fileName} was refused. ${error.message}.`);
    }
    throw error;
  }
}

export function registerImport(program: Command): void {
  program
    .command("import")
    .description(
      "import a client-level data file, all or nothing; exit 1 with a line-by-line report when refused",
    )
    .argument("<kind>", `what the file holds: ${DATASET_KINDS.join(", ")}`)
    .argument("<file>", "the CSV file (UTF-8, header row first)")
    .option("--replace", "replace stored rows of the same provider that have the same ids")
    .action(async (kind: string, file: string, options: { replace?: boolean }) => {
      const args = parseImportArguments(kind, file, options);
      await withServices((context) => runImport(context, args));
    });
}
