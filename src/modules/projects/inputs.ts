import { z } from "zod";
import { isIsoDate, type IsoDate } from "../../domain/dates.js";
import { MAX_PENCE, parsePounds, type PoundsError } from "../../domain/money.js";
import { REGIME_CODES, regimeInForceOn, type RegimeCode } from "../../domain/regimes.js";
import { PROGRAMME_CODES } from "../../domain/governance.js";
import { startDateProblem } from "../../domain/sensible-dates.js";
import { DOCUMENT_KINDS } from "../../domain/stages.js";
import type { FieldError } from "../../errors.js";
import { zodFieldErrors } from "../../inputs.js";

/**
 * One schema per body: the API validates these directly; the pages turn their form fields
 * (pounds, day/month/year) into the same inputs and report errors on the form's own fields.
 */

/**
 * The regime a project runs under when none is chosen: the one in force on its start date
 * (src/domain/regimes.ts; PCR 2006 for anything earlier than that regime's start).
 */
export function defaultRegime(startedOn: IsoDate): RegimeCode {
  return regimeInForceOn(startedOn) ?? "PCR2006";
}

const isoDate = (label: string) =>
  z
    .string({ error: `Enter ${label}` })
    .trim()
    .refine(isIsoDate, {
      message: `${label[0]?.toUpperCase() ?? ""}${label.slice(1)} must be a real date in the form YYYY-MM-DD`,
    });

/** A procurement starts under a regime held: not before the earliest (domain/sensible-dates.ts, §3.12). */
const startDate = isoDate("the start date").superRefine((startedOn, context) => {
  const problem = startDateProblem(startedOn, "Start date");
  if (problem) context.addIssue({ code: "custom", message: problem });
});

const title = z
  .string({ error: "Enter the project's title" })
  .trim()
  .min(1, "Enter the project's title")
  .max(200, "Title must be 200 characters or fewer");

const programmeCode = z.enum(PROGRAMME_CODES, { error: "Select the lead programme" });

const value = z
  .number({ error: "Enter the estimated whole-life value in pence" })
  .int("Estimated value must be a whole number of pence")
  .min(0, "Estimated value cannot be negative")
  .max(MAX_PENCE, "Estimated value is too large");

const contractMonths = z
  .number({ error: "Contract length must be a number of months" })
  .int("Contract length must be a whole number of months")
  .min(1, "Contract length must be at least 1 month")
  .max(600, "Contract length must be 600 months or fewer");

const description = z.string().trim().max(5000, "Description must be 5,000 characters or fewer");

export const projectCreateInput = z.object({
  title,
  programmeCode,
  programmeCodes: z
    .array(z.enum(PROGRAMME_CODES, { error: "Select only known programmes" }))
    .max(PROGRAMME_CODES.length)
    .optional()
    .describe("other programmes, for joint commissioning"),
  description: description.optional(),
  leadCommissionerId: z.uuid("Select the lead commissioner").optional().describe("default: the creator"),
  estimatedValuePence: value.describe("whole-life value including extension options"),
  contractMonths: contractMonths.optional(),
  regime: z
    .enum(REGIME_CODES, { error: "Select a procurement regime" })
    .optional()
    .describe("default: the regime in force on startedOn"),
  startedOn: startDate.optional().describe("YYYY-MM-DD; default today"),
});
export type ProjectCreateInput = z.output<typeof projectCreateInput>;

export const projectPatchInput = z.object({
  title: title.optional(),
  programmeCode: programmeCode.optional(),
  programmeCodes: z
    .array(z.enum(PROGRAMME_CODES, { error: "Select only known programmes" }))
    .max(4)
    .optional(),
  description: description.optional(),
  leadCommissionerId: z.uuid("Select the lead commissioner").nullable().optional(),
  estimatedValuePence: value.optional(),
  contractMonths: contractMonths.nullable().optional(),
  regime: z.enum(REGIME_CODES, { error: "Select a procurement regime" }).optional(),
  startedOn: startDate.optional(),
  version: z
    .number({ error: "Send the version you last read" })
    .int()
    .min(1)
    .describe("the version you last read; a stale one gets 409 and changes nothing"),
});
export type ProjectPatchInput = z.output<typeof projectPatchInput>;

/** The stored stage values ("1".."5", "closed"), as the list filter takes them. */
export const STAGE_FILTERS = ["1", "2", "3", "4", "5", "closed"] as const;

export const projectListQuery = z.object({
  programmeCode: z.enum(PROGRAMME_CODES).optional().describe("lead or joint programme"),
  programme: z.enum(PROGRAMME_CODES).optional().describe("same as programmeCode"),
  stage: z.enum(STAGE_FILTERS).optional(),
  overdue: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true")
    .describe("only projects with checklist tasks planned before today and not done"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const DECISION_VALUES = ["approved", "rejected", "approved-with-conditions"] as const;

export const decisionInput = z
  .object({
    subjectId: z
      .uuid("Select what was decided on")
      .describe("a document of this project (its latest version is recorded), or the project's own id"),
    bodyCode: z
      .string({ error: "Select the body that decided" })
      .trim()
      .min(1, "Select the body that decided")
      .max(50)
      .transform((v) => v.toUpperCase()),
    decision: z.enum(DECISION_VALUES, { error: "Select the decision" }),
    decidedOn: isoDate("the meeting date"),
    minutesRef: z
      .string({ error: "Enter the minutes reference" })
      .trim()
      .min(1, "Enter the minutes reference")
      .max(200, "Minutes reference must be 200 characters or fewer"),
    conditions: z
      .string()
      .trim()
      .max(5000, "Conditions must be 5,000 characters or fewer")
      .optional()
      .transform((v) => v || undefined),
    memberId: z
      .uuid("Select the member")
      .optional()
      .describe("when an officer records on the body's behalf: the member who chaired or confirmed it"),
  })
  .superRefine((v, ctx) => {
    if (v.decision === "approved-with-conditions" && !v.conditions) {
      ctx.addIssue({ code: "custom", path: ["conditions"], message: "Enter the conditions of the approval" });
    }
  });
export type DecisionInput = z.output<typeof decisionInput>;

export const documentFields = z.object({
  kind: z.enum(DOCUMENT_KINDS, { error: "Select the kind of document" }),
  title: z
    .string({ error: "Enter the document's title" })
    .trim()
    .min(1, "Enter the document's title")
    .max(200, "Title must be 200 characters or fewer"),
});

export const rejectInput = z.object({
  reason: z
    .string({ error: "Enter why the recommendation was rejected" })
    .trim()
    .min(1, "Enter why the recommendation was rejected")
    .max(5000, "Reason must be 5,000 characters or fewer"),
  version: z.number().int().min(1).optional(),
});

/** The body is optional: sending `version` refuses the move when the project changed since. */
export const advanceInput = z
  .object({ version: z.number().int().min(1).optional().describe("refuse if the project changed since") })
  .nullish();

// ---------------------------------------------------------------------------------------------------
// Page forms: what a person types, turned into the inputs above.

const POUNDS_MESSAGES: Record<PoundsError, string> = {
  empty: "Enter the estimated whole-life value",
  format: "Estimated value must be an amount in pounds, like 250000 or £1,250,000.50",
  pence: "Estimated value can only have 2 numbers after the decimal point",
  negative: "Estimated value cannot be negative",
  "too-large": "Estimated value is too large",
};

export type FormBody = Record<string, unknown>;

/** A form field's text: the first when it came more than once, "" when it did not come. */
export function text(body: FormBody, name: string): string {
  const v = body[name];
  if (Array.isArray(v)) return typeof v[0] === "string" ? v[0] : "";
  return typeof v === "string" ? v : "";
}

function list(body: FormBody, name: string): string[] {
  const v = body[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string" && x !== "");
  return typeof v === "string" && v !== "" ? [v] : [];
}

/** Digits as their number; anything else undefined. */
export function wholeNumber(raw: string): number | undefined {
  const t = raw.trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

function intOrUndefined(raw: string): number | undefined | "bad" {
  const t = raw.trim();
  if (t === "") return undefined;
  return /^\d+$/.test(t) ? Number(t) : "bad";
}

/** Field names on the page form, where they differ from the API's. */
const PAGE_PATHS: Record<string, string> = {
  estimatedValuePence: "estimatedValue",
  startedOn: "startedOn.day",
  decidedOn: "decidedOn.day",
};

export function toPagePaths(errors: FieldError[]): FieldError[] {
  return errors.map((e) => ({ ...e, path: PAGE_PATHS[e.path] ?? e.path }));
}

type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** The project form (create and edit): fields as typed, turned into the API's input. */
function projectFields(body: FormBody): { raw: Record<string, unknown>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const raw: Record<string, unknown> = {
    title: text(body, "title"),
    programmeCode: text(body, "programmeCode") || undefined,
    programmeCodes: list(body, "programmeCodes"),
    description: text(body, "description"),
    regime: text(body, "regime") || undefined,
    leadCommissionerId: text(body, "leadCommissionerId") || undefined,
  };
  const pounds = parsePounds(text(body, "estimatedValue"));
  if (pounds.ok) raw.estimatedValuePence = pounds.pence;
  else errors.push({ path: "estimatedValue", message: POUNDS_MESSAGES[pounds.error] });
  const months = intOrUndefined(text(body, "contractMonths"));
  if (months === "bad")
    errors.push({ path: "contractMonths", message: "Contract length must be a whole number of months" });
  else raw.contractMonths = months;
  // Its date input is already folded into one field by the page's one date reader (web/date-input.ts).
  const startedOn = text(body, "startedOn");
  if (startedOn) raw.startedOn = startedOn;
  return { raw, errors };
}

function parseProjectForm(body: FormBody): Parsed<ProjectCreateInput> {
  const { raw, errors } = projectFields(body);
  const result = projectCreateInput.safeParse(raw);
  const all = [...errors, ...(result.success ? [] : toPagePaths(zodFieldErrors(result.error)))];
  const unique = all.filter((e, i) => all.findIndex((x) => x.path === e.path) === i);
  if (unique.length || !result.success) return { ok: false, errors: unique };
  return { ok: true, value: result.data };
}

function parseProjectEditForm(body: FormBody): Parsed<ProjectPatchInput> {
  const { raw, errors } = projectFields(body);
  const version = intOrUndefined(text(body, "version"));
  const result = projectPatchInput.safeParse({
    ...raw,
    leadCommissionerId: raw.leadCommissionerId ?? null,
    contractMonths: raw.contractMonths ?? null,
    version: version === "bad" ? undefined : version,
  });
  const all = [...errors, ...(result.success ? [] : toPagePaths(zodFieldErrors(result.error)))];
  const unique = all.filter((e, i) => all.findIndex((x) => x.path === e.path) === i);
  if (unique.length || !result.success) return { ok: false, errors: unique };
  return { ok: true, value: result.data };
}

function parseDecisionForm(body: FormBody): Parsed<DecisionInput> {
  const result = decisionInput.safeParse({
    subjectId: text(body, "subjectId") || undefined,
    bodyCode: text(body, "bodyCode") || undefined,
    decision: text(body, "decision") || undefined,
    decidedOn: text(body, "decidedOn") || undefined,
    minutesRef: text(body, "minutesRef"),
    conditions: text(body, "conditions"),
    memberId: text(body, "memberId") || undefined,
  });
  if (result.success) return { ok: true, value: result.data };
  const errors = toPagePaths(zodFieldErrors(result.error));
  // The schema asks for conditions only once the rest parses; the form says everything at once.
  const unconditioned =
    text(body, "decision") === "approved-with-conditions" && !text(body, "conditions").trim();
  if (unconditioned && !errors.some((e) => e.path === "conditions")) {
    errors.push({ path: "conditions", message: "Enter the conditions of the approval" });
  }
  return { ok: false, errors };
}

function parseRejectForm(body: FormBody): Parsed<z.output<typeof rejectInput>> {
  const version = intOrUndefined(text(body, "version"));
  const result = rejectInput.safeParse({
    reason: text(body, "reason"),
    version: typeof version === "number" ? version : undefined,
  });
  if (!result.success) return { ok: false, errors: zodFieldErrors(result.error) };
  return { ok: true, value: result.data };
}

function formVersion(body: FormBody): number | undefined {
  const v = intOrUndefined(text(body, "version"));
  return typeof v === "number" ? v : undefined;
}

/**
 * A page form's parser as the Zod schema pageAction reads the form with (web/page-action.ts): its
 * errors, already on the page's field names, become the schema's issues.
 */
function pageForm<T>(parse: (body: FormBody) => Parsed<T>) {
  return z.record(z.string(), z.unknown()).transform((body, ctx): T => {
    const parsed = parse(body);
    if (parsed.ok) return parsed.value;
    for (const e of parsed.errors)
      ctx.addIssue({ code: "custom", path: e.path.split("."), message: e.message });
    return z.NEVER;
  });
}

/** The GOV.UK date inputs of the project forms, with the words their error names. */
export const PROJECT_DATES = { startedOn: "Start date" };
export const DECISION_DATES = { decidedOn: "Date of the meeting" };

/** The page forms, as pageAction takes them. */
export const projectForm = pageForm(parseProjectForm);
export const projectEditForm = pageForm(parseProjectEditForm);
export const decisionForm = pageForm(parseDecisionForm);
export const rejectForm = pageForm(parseRejectForm);
export const advanceForm = pageForm((body) => ({ ok: true, value: { version: formVersion(body) } }));

/** A field's name on the page, where it differs from the API's. */
export function pagePath(path: string): string {
  return PAGE_PATHS[path] ?? path;
}
