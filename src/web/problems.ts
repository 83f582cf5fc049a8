import { ProblemError } from "../errors.js";

/**
 * A refusal a form page shows as an error summary beside its fields: any client error but "not found",
 * which is the 404 page. Anything else (a server fault) goes on to the error handler.
 */
export function formRefusal(error: unknown): ProblemError | null {
  if (error instanceof ProblemError && error.status !== 404 && error.status < 500) return error;
  return null;
}
