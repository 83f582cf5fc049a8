/**
 * Errors that services raise and both faces (pages and API) turn into answers: RFC 9457 problem
 * documents in the API (web/errors.ts), GOV.UK error summaries on pages (web/problems.ts). They live
 * outside web/ because services raise them and services do not import web/ (docs/architecture.md).
 */
export interface FieldError {
  path: string;
  message: string;
}

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    readonly errors: FieldError[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export class ValidationError extends ProblemError {
  constructor(errors: FieldError[], message = "The request has invalid fields") {
    super(400, "Invalid input", message, errors);
  }
}

export class ConflictError extends ProblemError {
  constructor(message: string, errors: FieldError[] = [], extra: Record<string, unknown> = {}) {
    super(409, "Conflict", message, errors, extra);
  }
}

/**
 * A change sent with a version someone else has since replaced: 409, and nothing is changed. Pages keep
 * what was typed, with the version now saved, so that sending it again is a deliberate overwrite.
 */
export class StaleVersionError extends ConflictError {}

export class NotFoundError extends ProblemError {
  constructor(message = "Not found") {
    super(404, "Not found", message);
  }
}

export class ForbiddenError extends ProblemError {
  /** `extra` adds fields to the problem document, e.g. the `rule` that refused (decision-authority.ts). */
  constructor(message = "You do not have permission to do this", extra: Record<string, unknown> = {}) {
    super(403, "Forbidden", message, [], extra);
  }
}

/** The `code` Node's system errors carry (ENOENT, ELOCKED, EPERM…), or a database's SQLSTATE. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}
