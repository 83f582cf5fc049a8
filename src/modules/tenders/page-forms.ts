import { z } from "zod";
import { isoDateField } from "../../inputs.js";
import { PROCEDURES } from "../../domain/tendering.js";
import { questionInput, tenderInput } from "./inputs.js";
import type { PresentedQuestion, PresentedTender } from "./presenter.js";

/**
 * The tender pages' forms (docs/tendering.md): a deadline is a GOV.UK date input and a time, both in UK
 * time, made into the instant with its offset that the API takes; the rest is the API's fields as text.
 */

const LONDON_OFFSET = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/London",
  timeZoneName: "longOffset",
});

/** London's offset from UTC at an instant, in minutes (60 in summer, 0 in winter). */
function londonOffsetMinutes(at: Date): number {
  const name = LONDON_OFFSET.formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === "-" ? -minutes : minutes;
}

const two = (n: number) => String(n).padStart(2, "0");

/** A date and a 24-hour time in UK time as an ISO 8601 instant with its offset. */
export function londonInstant(date: string, time: string): string {
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  const wall = Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1, hh ?? 0, mm ?? 0);
  const offset = londonOffsetMinutes(new Date(wall - londonOffsetMinutes(new Date(wall)) * 60_000));
  const sign = offset < 0 ? "-" : "+";
  return `${date}T${two(hh ?? 0)}:${two(mm ?? 0)}:00${sign}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
}

/** An instant as the date input's boxes and the time, in UK time. */
export function londonParts(iso: string | null | undefined) {
  if (!iso) return { day: "", month: "", year: "", time: "" };
  const at = new Date(iso);
  const local = new Date(at.getTime() + londonOffsetMinutes(at) * 60_000);
  return {
    day: String(local.getUTCDate()),
    month: String(local.getUTCMonth() + 1),
    year: String(local.getUTCFullYear()),
    time: `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}`,
  };
}

const timeField = (label: string) =>
  z
    .string({ error: `Enter the time of the ${label}, like 12:00` })
    .trim()
    .regex(
      /^([01]?\d|2[0-3]):[0-5]\d$/,
      `Enter the time of the ${label} as hours and minutes, like 12:00 or 17:30`,
    );

const dateField = (label: string) =>
  z.string({ error: `Enter the date of the ${label}` }).pipe(isoDateField(`The ${label}`));

const blankToUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

/** "L1 North Kent" lines → lots. */
function lotsFrom(text: string | undefined) {
  return (text ?? "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [code = "", ...title] = line.split(/\s+/);
      return { code, title: title.join(" ") || code };
    });
}

export const DEADLINE_DATES = {
  clarificationDeadline: "Clarification deadline",
  pqqDeadline: "PQQ deadline",
  submissionDeadline: "Tender deadline",
  plannedAwardOn: "Planned award",
};

/** Three deadlines' date and time fields, the PQQ's optional. */
const deadlineFields = {
  clarificationDeadline: dateField("clarification deadline"),
  clarificationDeadlineTime: timeField("clarification deadline"),
  pqqDeadline: z.preprocess(blankToUndefined, dateField("PQQ deadline").optional()),
  pqqDeadlineTime: z.preprocess(blankToUndefined, timeField("PQQ deadline").optional()),
  submissionDeadline: dateField("tender deadline"),
  submissionDeadlineTime: timeField("tender deadline"),
};

function deadlinesOf(v: {
  clarificationDeadline: string;
  clarificationDeadlineTime: string;
  pqqDeadline?: string | undefined;
  pqqDeadlineTime?: string | undefined;
  submissionDeadline: string;
  submissionDeadlineTime: string;
}) {
  return {
    clarificationDeadline: londonInstant(v.clarificationDeadline, v.clarificationDeadlineTime),
    pqqDeadline: v.pqqDeadline ? londonInstant(v.pqqDeadline, v.pqqDeadlineTime ?? "12:00") : undefined,
    submissionDeadline: londonInstant(v.submissionDeadline, v.submissionDeadlineTime),
  };
}

/** The set-up form → the API's body (no questions yet: they are added on the tender's page). */
export const newTenderForm = z
  .object({
    title: tenderInput.shape.title,
    procedure: z.enum(PROCEDURES, { error: "Select the procedure" }),
    description: z.string().trim().max(10_000).optional(),
    lots: z.string().max(5_000).optional(),
    plannedAwardOn: z.preprocess(blankToUndefined, isoDateField("The planned award date").optional()),
    ...deadlineFields,
  })
  .transform((v) => ({
    title: v.title,
    procedure: v.procedure,
    description: v.description,
    lots: lotsFrom(v.lots),
    plannedAwardOn: v.plannedAwardOn,
    questions: [],
    ...deadlinesOf(v),
  }));

/** The change-a-deadline form after publication: every deadline as it should stand (unchanged ones count for nothing). */
export const deadlinesForm = z.object(deadlineFields).transform(deadlinesOf);

const numberOrUndefined = (value: unknown) => {
  const blank = blankToUndefined(value);
  return typeof blank === "string" && /^-?\d+$/.test(blank.trim()) ? Number(blank) : blank;
};

/** A question's form: numbers typed as text, the attachment a checkbox. */
export const questionForm = z.preprocess((body: unknown) => {
  if (!body || typeof body !== "object") return body;
  const fields: Record<string, unknown> = { ...body };
  fields.weightPct = numberOrUndefined(fields.weightPct);
  fields.wordLimit = numberOrUndefined(fields.wordLimit);
  fields.attachmentAllowed = fields.attachmentAllowed === "yes";
  return fields;
}, questionInput);

/** What a form shows: what was typed after a refusal, else what is saved. */
export function typedOr(typed: Record<string, unknown>) {
  const hasTyped = Object.keys(typed).length > 0;
  return (name: string, saved: string) =>
    hasTyped ? (typeof typed[name] === "string" ? typed[name] : "") : saved;
}

/** The deadlines' boxes for a form, from what was typed or the tender as saved. */
export function deadlineValues(tender: PresentedTender | null, typed: Record<string, unknown>) {
  const value = typedOr(typed);
  const boxes = (name: "clarificationDeadline" | "pqqDeadline" | "submissionDeadline") => {
    const saved = londonParts(tender?.[name]);
    return {
      day: value(`${name}-day`, saved.day),
      month: value(`${name}-month`, saved.month),
      year: value(`${name}-year`, saved.year),
      time: value(`${name}Time`, saved.time),
    };
  };
  return {
    clarificationDeadline: boxes("clarificationDeadline"),
    pqqDeadline: boxes("pqqDeadline"),
    submissionDeadline: boxes("submissionDeadline"),
  };
}

export function questionValues(question: PresentedQuestion | null, typed: Record<string, unknown>) {
  const value = typedOr(typed);
  return {
    code: value("code", question?.code ?? ""),
    section: value("section", question?.section ?? "itt"),
    kind: value("kind", question?.kind ?? ""),
    text: value("text", question?.text ?? ""),
    guidance: value("guidance", question?.guidance ?? ""),
    weightPct: value("weightPct", question?.weightPct?.toString() ?? ""),
    wordLimit: value("wordLimit", question?.wordLimit?.toString() ?? ""),
    attachmentAllowed: value("attachmentAllowed", question?.attachmentAllowed ? "yes" : ""),
  };
}
