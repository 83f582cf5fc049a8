import { z } from "zod";
import type { Action } from "../../domain/policy.js";
import { ConflictError, ProblemError, type FieldError } from "../../errors.js";
import { requirePage } from "../../web/guards.js";
import { toPagePaths } from "./inputs.js";
import { missingAsErrors } from "./presenter.js";

/** What the projects capability's pages share: their route options, parameters and refusals. */

/** A project's own pages: `:id` is its uuid (anything else names no page: 404). */
export const projectParams = z.object({ id: z.uuid() });

/** A form post's fields as the browser sent them (the form's parser reads what it needs). */
export const formBody = z.record(z.string(), z.unknown()).default({});

/**
 * A page's route options: its permission, checked after the CSRF token as on every page, and the Zod
 * schemas of its parameters, query and form (so `request.params` is typed, and an address whose
 * parameters do not parse is "Page not found").
 */
export function pageRoute(action: Action): PageRoute<object>;
export function pageRoute<S extends object>(action: Action, schema: S): PageRoute<S>;
export function pageRoute(action: Action, schema: object = {}): PageRoute<object> {
  return { preHandler: requirePage(action), schema: { hide: true, ...schema } };
}

interface PageRoute<S> {
  preHandler: ReturnType<typeof requirePage>;
  schema: { hide: true } & S;
}

interface MissingItem {
  reason: string;
  paragraph: string;
}

function isMissingList(value: unknown): value is MissingItem[] {
  return (
    Array.isArray(value) &&
    value.every(
      (m: unknown) =>
        typeof m === "object" &&
        m !== null &&
        "reason" in m &&
        typeof m.reason === "string" &&
        "paragraph" in m &&
        typeof m.paragraph === "string",
    )
  );
}

/** A gate's refusal with each missing output as a field error on "gate", for pageAction to show. */
export function missingAsFields(error: unknown): unknown {
  if (!(error instanceof ProblemError) || !isMissingList(error.extra.missing)) return error;
  return new ConflictError(error.message, missingAsErrors(error.extra.missing), error.extra);
}

/**
 * A refusal the person can act on, as the form's errors: a gate's missing outputs each with its
 * paragraph, else the refusal's own fields, else its message on `fallbackPath`.
 */
export function refusalErrors(error: ProblemError, fallbackPath: string): FieldError[] {
  const missing = error.extra.missing;
  if (isMissingList(missing)) return missingAsErrors(missing);
  const fields = error.errors.length ? error.errors : [{ path: fallbackPath, message: error.message }];
  return toPagePaths(fields);
}
