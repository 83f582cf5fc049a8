import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Actor } from "../domain/policy.js";
import { StaleVersionError, type FieldError } from "../errors.js";
import { dateErrorPath, invalidDateMessage, readDateInput } from "./date-input.js";
import { zodFieldErrors } from "../inputs.js";
import { redirectOverStale, redirectWithErrors, redirectWithSuccess } from "./forms.js";
import { admittedActor } from "./guards.js";
import { formRefusal } from "./problems.js";
import { renderStatus } from "./errors.js";

/** What a use case run from a page answers: where to go next and what to tell the person there. */
export interface Done {
  to: string;
  success: string;
}

export interface PageActionContext<P, L, B> {
  actor: Actor;
  params: P;
  loaded: L;
  input: B;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface PageAction<P, L, B> {
  /** The route's parameters; ones that do not parse name nothing, so the answer is the 404 page. */
  params: z.ZodType<P>;
  /** What the form is about; null is the 404 page. */
  load: (params: P) => Promise<L | null>;
  /** The form's own page: a refusal goes back there with its errors and what was typed. */
  form: (loaded: L, params: P) => string;
  /**
   * Drops posted fields that do not count given what is saved (a completed date on a task that is not
   * being completed), before anything is read from them.
   */
  prepare?: (fields: Record<string, unknown>, loaded: L) => Record<string, unknown>;
  /** The form's fields, after the date inputs named in `dates` are folded into `YYYY-MM-DD`. */
  body: z.ZodType<B>;
  /** GOV.UK date inputs on the form, each with the label its error message names. */
  dates?: Record<string, string>;
  /** Where a refusal that names no field is shown. */
  refusalField: string;
  /** Page field ids where they differ from the use case's field paths (screening.3.impact → impact-race). */
  pageFields?: Record<string, string> | ((path: string) => string);
  /**
   * Where a stale-version refusal (StaleVersionError, with the version now saved when it says it) is
   * shown. What was typed is kept, with that version, so that sending it again is a deliberate overwrite.
   */
  stale?: { field: string; currentVersion: (loaded: L) => Promise<number | null> };
  /** Forms with nothing typed into them (confirmations) show the saved record again, not the post. */
  keepTyped?: boolean;
  /**
   * A use case's 403 is the "no permission" page, as a forged post deserves; where a person allowed to
   * see the form can still be refused for a reason of their own (they lead the project, §3.5), say
   * true and the reason is shown on the form.
   */
  explainsForbidden?: boolean;
  /** The use case: one service call. Answer where to go, or a reply of its own (a page shown once). */
  run: (context: PageActionContext<P, L, B>) => Promise<Done | FastifyReply>;
}

/** Route parameters of a form about nothing in particular. */
export const NO_PARAMS = z.object({});

const formBody = z.record(z.string(), z.unknown());

/** The posted fields with each named date input folded into one field, and the dates that were not. */
export function foldDateInputs(
  body: Record<string, unknown>,
  dates: Record<string, string>,
): { fields: Record<string, unknown>; errors: FieldError[] } {
  const boxes = new Set(
    Object.keys(dates).flatMap((name) => ["day", "month", "year"].map((p) => `${name}-${p}`)),
  );
  const fields = Object.fromEntries(Object.entries(body).filter(([key]) => !boxes.has(key)));
  const errors: FieldError[] = [];
  for (const [name, label] of Object.entries(dates)) {
    const date = readDateInput(body, name);
    if (date.kind === "date") fields[name] = date.iso;
    if (date.kind === "invalid")
      errors.push({ path: dateErrorPath(name, date.box), message: invalidDateMessage(label, date) });
  }
  return { fields, errors };
}

function pageField(fields: PageAction<unknown, unknown, unknown>["pageFields"], path: string): string {
  if (typeof fields === "function") return fields(path);
  return fields?.[path] ?? path;
}

function pagePathsFor<P, L, B>(action: PageAction<P, L, B>) {
  const dates = new Set(Object.keys(action.dates ?? {}));
  return (errors: FieldError[]): FieldError[] =>
    eachMessageOnce(
      errors.map((e) => ({
        ...e,
        path: dates.has(e.path) ? dateErrorPath(e.path) : pageField(action.pageFields, e.path),
      })),
    );
}

/**
 * Each message once: several of the use case's paths can land on one page field with the same words.
 * A field may still show several different messages (each output a stage still needs, §3.3).
 */
function eachMessageOnce(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\n${e.message}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

/** The body's fields as typed, or the errors to show for them (a date's own error first). */
function parseBody<P, L, B>(
  action: PageAction<P, L, B>,
  raw: unknown,
  loaded: L,
): { ok: true; input: B } | { ok: false; errors: FieldError[] } {
  const parsedBody = formBody.safeParse(raw ?? {});
  const posted = parsedBody.success ? parsedBody.data : {};
  const prepared = action.prepare ? action.prepare(posted, loaded) : posted;
  const { fields, errors } = foldDateInputs(prepared, action.dates ?? {});
  const parsed = action.body.safeParse(fields);
  const found = parsed.success ? [] : zodFieldErrors(parsed.error);
  const mapped = pagePathsFor(action)(found);
  // A date whose boxes are wrong shows that once, not again as the use case's complaint of no date.
  const datesWrong = new Set(errors.map((e) => e.path.split(".")[0]));
  const all = [...errors, ...mapped.filter((e) => !datesWrong.has(e.path.split(".")[0]))];
  return parsed.success && all.length === 0 ? { ok: true, input: parsed.data } : { ok: false, errors: all };
}

/**
 * The one handler for a page's form post (Post/Redirect/Get): the signed-in person, the route's
 * parameters, the parsed body, one use case, then a redirect with a success message; or back to the
 * form with the GOV.UK error summary and what was typed. Server faults go on to the error handler.
 */
export function pageAction<P, L, B>(action: PageAction<P, L, B>) {
  const toPage = pagePathsFor(action);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const actor = admittedActor(request);
    const params = action.params.safeParse(request.params);
    const loaded = params.success ? await action.load(params.data) : null;
    if (!params.success || loaded === null) return renderStatus(reply, 404);
    const form = action.form(loaded, params.data);
    const body = parseBody(action, request.body, loaded);
    if (!body.ok) return redirectWithErrors(request, reply, form, body.errors);
    try {
      const done = await action.run({
        actor,
        params: params.data,
        loaded,
        input: body.input,
        request,
        reply,
      });
      return "to" in done ? await redirectWithSuccess(request, reply, done.to, done.success) : done;
    } catch (error) {
      const refused = formRefusal(error);
      if (!refused) throw error;
      if (refused.status === 403 && !action.explainsForbidden) return renderStatus(reply, 403);
      if (action.stale && refused instanceof StaleVersionError) {
        const saved = refused.extra.currentVersion;
        const version = typeof saved === "number" ? saved : await action.stale.currentVersion(loaded);
        const error = { path: action.stale.field, message: refused.message };
        return redirectOverStale(request, reply, form, error, version);
      }
      if (action.keepTyped === false) request.body = {};
      const errors = refused.errors.length
        ? toPage(refused.errors)
        : [{ path: action.refusalField, message: refused.message }];
      return redirectWithErrors(request, reply, form, errors);
    }
  };
}

/** A page's path parameter: any text that could be an id; the service finds nothing for one that is not. */
export const pathParam = z.string().max(100);
/** `/projects/:id/…` pages. */
export const PROJECT_PARAMS = z.object({ id: pathParam });

/** A page's query string as typed: its fields are read one by one, each as the page's form needs it. */
export const PAGE_QUERY = z.record(z.string(), z.unknown());
