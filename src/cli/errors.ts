import { CommanderError } from "commander";
import { ConfigError } from "../config.js";
import { DataDirectoryLockedError } from "../db/client.js";
import { BackupRefusedError } from "../modules/backup/service.js";
import { ProblemError, ValidationError } from "../errors.js";
import { errorCode } from "../errors.js";

/** Exit codes of every command: 0 done, 1 refused or failed, 2 bad usage or configuration. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure a command reports as one clear message (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.refused,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);
export const refused = (message: string) => new CliError(message, EXIT.refused);

/**
 * What to print and which code to exit with for an error out of a command. `expected` is false for
 * errors nobody foresaw (a bug or an outage): they still print one line, with the stack at LOG_LEVEL=debug.
 */
export function describeFailure(error: unknown): { message: string; exitCode: ExitCode; expected: boolean } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode, expected: true };
  if (error instanceof ConfigError) return { message: error.message, exitCode: EXIT.usage, expected: true };
  if (error instanceof DataDirectoryLockedError || error instanceof BackupRefusedError)
    return { message: error.message, exitCode: EXIT.refused, expected: true };
  if (error instanceof ValidationError) {
    const lines = error.errors.map((e) => e.message);
    return { message: lines.length ? lines.join("; ") : error.message, exitCode: EXIT.usage, expected: true };
  }
  if (error instanceof ProblemError)
    return { message: error.message, exitCode: EXIT.refused, expected: true };
  if (error instanceof CommanderError)
    // Commander has printed its own message (or the help) already.
    return {
      message: "",
      exitCode: error.exitCode === 0 ? EXIT.ok : EXIT.usage,
      expected: true,
    };
  return { message: `Failed: ${rootMessage(error)}`, exitCode: EXIT.refused, expected: false };
}

/**
 * The innermost cause's message, on one line: a driver error wrapped by Drizzle ("Failed query: ...")
 * says what went wrong (e.g. "connect ECONNREFUSED 127.0.0.1:5432") only in its cause.
 */
function rootMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  if (!(current instanceof Error)) return String(current);
  const code = errorCode(current);
  const message =
    current.message || (current instanceof AggregateError ? rootMessage(current.errors[0]) : "");
  return (message || code || current.name).split("\n")[0] ?? current.name;
}
