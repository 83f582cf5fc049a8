import type { FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { isApiRequest, sendProblem } from "./errors.js";
import { keepableValues, toFormErrors } from "./forms.js";
import { ValidationError, type FieldError } from "../errors.js";
import { setFlash } from "./sessions.js";

/**
 * Text the database cannot store is refused where it arrives, in one place for every route: a null
 * character (U+0000; PostgreSQL text cannot hold one) or half of a UTF-16 surrogate pair (not a
 * character at all; it cannot be encoded as UTF-8). Either, in a form field, a JSON body, a query
 * string or a path, used to reach the database and come back as a 500. Now the answer is a 400 that
 * names the field, and nothing is changed (docs/security.md): a problem document with
 * `errors: [{path, message}]` in the API; on pages, the form again with its error summary and what
 * was typed (bad characters replaced), or an error page that lists the fields.
 */

/** With the `u` flag a surrogate class matches only a half that is not part of a pair. */
const LONE_SURROGATE = /\p{Cs}/u;
/** Deeper than any form or API body of this service: deeper still is refused as it is. */
const MAX_DEPTH = 32;

export function problemInText(text: string): string | null {
  if (text.includes("\0")) return "contains a null character (U+0000), which is not allowed: remove it";
  if (LONE_SURROGATE.test(text))
    return "contains a broken character (half of a UTF-16 surrogate pair), which is not allowed: type it again";
  return null;
}

/** Every field of `value` (strings, arrays and objects, keys too) that holds text the database refuses. */
export function hostileFields(value: unknown, path = "", depth = 0): FieldError[] {
  if (typeof value === "string") {
    const message = problemInText(value);
    return message ? [{ path: path || "body", message: `${path || "The body"} ${message}` }] : [];
  }
  // Plain data only: a body that is a stream (a data file) is read, and checked, by its importer.
  if (!isPlainData(value)) return [];
  if (depth >= MAX_DEPTH)
    return [{ path: path || "body", message: `${path || "The body"} is nested too deeply` }];
  const errors: FieldError[] = [];
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, index): [string, unknown] => [String(index), item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    const keyProblem = problemInText(key);
    const itemPath = path ? `${path}.${cleanText(key)}` : cleanText(key);
    if (keyProblem) errors.push({ path: itemPath, message: `A field name ${keyProblem}` });
    else errors.push(...hostileFields(item, itemPath, depth + 1));
  }
  return errors;
}

function isPlainData(value: unknown): value is object {
  if (value === null || typeof value !== "object") return false;
  if (Buffer.isBuffer(value)) return false;
  return !("pipe" in value && typeof value.pipe === "function");
}

/**
 * For text the hook cannot see: the fields and file name of a multipart form, which the route reads
 * itself as the file streams in. Throws ValidationError (400, with the fields) when any is refused.
 */
export function refuseHostileText(values: Record<string, string | undefined>): void {
  const errors = hostileFields(values);
  if (errors.length > 0)
    throw new ValidationError(errors, "The request has text that cannot be stored: nothing was changed");
}

/** The text with each refused character replaced by U+FFFD, so what was typed can be shown again. */
export function cleanText(text: string): string {
  return text.replace(/\0/g, "\uFFFD").replace(/\p{Cs}/gu, "\uFFFD");
}

function cleanValues(value: unknown): unknown {
  if (typeof value === "string") return cleanText(value);
  if (Array.isArray(value)) return value.map(cleanValues);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [cleanText(k), cleanValues(v)]));
  return value;
}

/** The referring page of this service, as a path, to send a form back to; null when there is none. */
function refererPath(request: FastifyRequest): string | null {
  const referer = request.headers.referer;
  if (!referer) return null;
  try {
    const origin = new URL(`${request.protocol}://${request.host}`).origin;
    const url = new URL(referer, origin);
    if (url.origin !== origin) return null;
    return url.pathname + url.search;
  } catch {
    return null;
  }
}

async function refusePage(request: FastifyRequest, reply: FastifyReply, errors: FieldError[]) {
  const back = request.method === "POST" ? refererPath(request) : null;
  if (back) {
    await setFlash(request, reply, request.server.services.accounts, request.server.config, {
      errors,
      values: cleanValues(keepableValues(request.body)),
    });
    return reply.redirect(back, 303);
  }
  return reply.code(400).view("errors/bad-input.njk", {
    pageTitle: "There is a problem with what was sent",
    errors: toFormErrors(errors),
    back: refererPath(request),
  });
}

export const hostileInputPlugin = fp(
  async (app) => {
    // After the CSRF check (a page's form must be its own before anything is kept for it) and before
    // any route's own checks and handler.
    app.addHook("preHandler", async (request, reply) => {
      const errors = [
        ...hostileFields(request.params),
        ...hostileFields(request.query),
        ...hostileFields(request.body),
      ];
      if (errors.length === 0) return;
      if (isApiRequest(request))
        return sendProblem(reply, {
          title: "Invalid input",
          status: 400,
          detail: "The request has text that cannot be stored: nothing was changed",
          errors,
        });
      return refusePage(request, reply, errors);
    });
  },
  { name: "hostile-input", dependencies: ["csrf", "views", "sessions"] },
);
