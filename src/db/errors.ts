import { DrizzleQueryError } from "drizzle-orm/errors";
import { errorCode } from "../errors.js";

/**
 * What a log may say about an error (logs carry no personal data: README, "Running in production").
 *
 * A failed query arrives as Drizzle's DrizzleQueryError, whose message and stack repeat the statement's
 * parameters ("Failed query: … params: …"), wrapping the driver's error, whose `detail` repeats the
 * values that broke a constraint ("Key (lower(email))=(…) already exists") and whose message quotes a
 * value it could not read ("invalid input syntax for type uuid: …"). Those are emails, names, once an
 * argon2 hash. So a database error is logged by its class, SQLSTATE code, constraint, table, column and
 * the statement's shape (placeholders, not values), with quoted values in messages replaced by "…".
 */
export interface LoggedError {
  type: string;
  message: string;
  code?: string;
  constraint?: string;
  table?: string;
  column?: string;
  /** The statement as sent, with $n placeholders and any literal strings blanked out. */
  statement?: string;
  /** The frames only ("" when there are none). */
  stack: string;
  cause?: LoggedError;
}

const MAX_STATEMENT = 1_000;
const MAX_CAUSES = 5;

/** A pino serializer for `err`: safe for any error, most careful with database errors. */
export function errorForLog(error: unknown, depth = 0): LoggedError {
  if (!(error instanceof Error)) return { type: typeof error, message: "(not an Error)", stack: "" };
  const cause =
    error.cause !== undefined && depth < MAX_CAUSES ? errorForLog(error.cause, depth + 1) : undefined;
  if (error instanceof DrizzleQueryError)
    return {
      type: "DrizzleQueryError",
      message: "Failed query",
      statement: statementShape(error.query),
      stack: stackFrames(error),
      ...(cause ? { cause } : {}),
    };
  if (isDatabaseError(error))
    return {
      type: error.name === "error" ? "DatabaseError" : error.name,
      message: withoutQuotedValues(error.message),
      code: error.code,
      ...pick(error, ["constraint", "table", "column"]),
      stack: stackFrames(error),
      ...(cause ? { cause } : {}),
    };
  const code = errorCode(error);
  return {
    type: error.constructor.name || error.name,
    message: error.message,
    ...(typeof code === "string" ? { code } : {}),
    stack: stackFrames(error),
    ...(cause ? { cause } : {}),
  };
}

/** PostgreSQL's errors, from pg or PGlite: a five-character SQLSTATE and a severity. */
function isDatabaseError(
  error: Error,
): error is Error & { code: string; constraint?: unknown; table?: unknown; column?: unknown } {
  const code = errorCode(error);
  return (
    code !== undefined &&
    /^[0-9A-Z]{5}$/.test(code) &&
    "severity" in error &&
    typeof error.severity === "string"
  );
}

function pick(error: object, keys: ("constraint" | "table" | "column")[]): Partial<Record<string, string>> {
  const picked: Partial<Record<string, string>> = {};
  for (const key of keys) {
    const value: unknown = key in error ? Reflect.get(error, key) : undefined;
    if (typeof value === "string" && value !== "") picked[key] = value;
  }
  return picked;
}

/** The stack's frames only: its first line is the message, which for a failed query holds the parameters. */
function stackFrames(error: Error): string {
  return (error.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .join("\n");
}

/** The statement with string literals blanked (parameters are placeholders already), cut to a length. */
export function statementShape(query: string): string {
  const blanked = query.replace(/'(?:[^']|'')*'/g, "'…'");
  return blanked.length > MAX_STATEMENT ? `${blanked.slice(0, MAX_STATEMENT)}…` : blanked;
}

/** PostgreSQL quotes the values (and names) it speaks of in double quotes; the names are logged apart. */
export function withoutQuotedValues(message: string): string {
  return message.split("\n")[0]?.replace(/"(?:[^"]|"")*"/g, '"…"') ?? "";
}
