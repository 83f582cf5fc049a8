import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { FieldError } from "../errors.js";
import { setFlash, takeFlash } from "./sessions.js";
import { zodFieldErrors } from "../inputs.js";

/** What a page needs to show a GOV.UK error summary and each field's message. */
export interface FormErrors {
  summary: { text: string; href: string }[];
  fields: Record<string, { text: string }>;
}

/** Field ids in templates use the field's name; nested paths join with a hyphen. */
export function toFormErrors(errors: FieldError[]): FormErrors {
  const fields: FormErrors["fields"] = {};
  const summary = errors.map((e) => {
    const id = e.path.replace(/\./g, "-");
    fields[id] = { text: e.message };
    return { text: e.message, href: `#${id}` };
  });
  return { summary, fields };
}

/** Form values that must never travel back to the browser. */
const SECRET_FIELDS = new Set([
  "password",
  "currentPassword",
  "newPassword",
  "confirmPassword",
  "securityCode",
  "_csrf",
]);

export function keepableValues(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== "object") return {};
  return Object.fromEntries(Object.entries(body).filter(([k]) => !SECRET_FIELDS.has(k)));
}

/** What a POST leaves in the session for the page it redirects to, read back as it was written. */
const flashSchema = z.object({
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  values: z.record(z.string(), z.unknown()).optional(),
  success: z.string().optional(),
});
type Flash = z.output<typeof flashSchema>;

/** What the last POST left for this page: its errors and the user's input, or a success message. */
export async function formState(request: FastifyRequest) {
  const taken = flashSchema.safeParse(await takeFlash(request, request.server.services.accounts));
  const flash = taken.success ? taken.data : null;
  return {
    errors: flash?.errors?.length ? toFormErrors(flash.errors) : undefined,
    values: flash?.values ?? {},
    success: flash?.success,
  };
}

/** Post/Redirect/Get on error: back to the form with the errors and what was typed (secrets dropped). */
export async function redirectWithErrors(
  request: FastifyRequest,
  reply: FastifyReply,
  to: string,
  errors: FieldError[],
) {
  await setFlash(request, reply, request.server.services.accounts, request.server.config, {
    errors,
    values: keepableValues(request.body),
  } satisfies Flash);
  return reply.redirect(to, 303);
}

export async function redirectWithSuccess(
  request: FastifyRequest,
  reply: FastifyReply,
  to: string,
  success: string,
) {
  await setFlash(request, reply, request.server.services.accounts, request.server.config, {
    success,
  } satisfies Flash);
  return reply.redirect(to, 303);
}

/**
 * Someone else saved first: back to the form with what was typed (secrets dropped) and the version
 * now saved, so that sending it again is a deliberate overwrite of theirs.
 */
export async function redirectOverStale(
  request: FastifyRequest,
  reply: FastifyReply,
  to: string,
  error: FieldError,
  savedVersion: number | null,
) {
  const typed = typeof request.body === "object" && request.body !== null ? request.body : {};
  request.body = { ...typed, version: savedVersion === null ? "" : String(savedVersion) };
  return redirectWithErrors(request, reply, to, [error]);
}

/** Parses a form body with its schema; on failure answers the redirect and returns null. */
export async function parseForm<S extends z.ZodType>(
  request: FastifyRequest,
  reply: FastifyReply,
  schema: S,
  backTo: string,
): Promise<z.output<S> | null> {
  const result = schema.safeParse(request.body ?? {});
  if (result.success) return result.data;
  await redirectWithErrors(request, reply, backTo, zodFieldErrors(result.error));
  return null;
}
