import type { ApprovalsAnswer, Flag, FlagCode } from "../../domain/approvals.js";
import { PROGRAMME_CODES, type ProgrammeCode } from "../../domain/governance.js";
import { formatPence, parsePounds, type PoundsError } from "../../domain/money.js";
import {
  getRegime,
  isRegimeCode,
  REGIMES,
  regimeInForceOn,
  type RegimeCode,
  type Sourced,
  type Threshold,
} from "../../domain/regimes.js";
import { shortDate, type Standstill } from "../../domain/standstill.js";
import { isOneOf } from "../../domain/codes.js";
import { readDateInput } from "../../web/date-input.js";

/** Every message the rules page and API show, in one place. */
export const MESSAGES = {
  value: {
    empty: "Enter the value of the contract in pounds",
    format: "Enter the value in pounds, like £1,250,000 or 1250000.50",
    pence: "The value can only have 2 numbers after the decimal point, like 1250000.50",
    negative: "The value must be £0 or more",
    "too-large": "The value must be £100,000,000,000 or less",
  } satisfies Record<PoundsError, string>,
  regime: "Select a regime from the list",
  programme: "Select the programme",
  electronic: "Select how the letters to bidders were sent",
  dateReal: "Date must be a real date, like 14 4 2025",
  dateYear: "Year must include 4 numbers, like 2025",
  dateMissing: (part: string) => `Date must include a ${part}`,
  noRegime:
    "No regime is held for a procurement started before 31 January 2006: enter a later date or choose a regime",
} as const;

export const API_MESSAGES = {
  date: "Enter a real date in the form YYYY-MM-DD",
  pence: "Enter a whole number of pence, like 125000000 for £1,250,000",
  penceTooLarge: "The value must be 10000000000000 pence (£100,000,000,000) or less",
  noRegime: MESSAGES.noRegime,
} as const;

export const FLAG_TITLES: Record<FlagCode, string> = {
  REGIME_NOT_IN_FORCE: "Regime not in force on this date",
  ABOVE_THRESHOLD: "At or above the threshold",
  SSP_ENGAGEMENT_ESSENTIAL: "Engagement with SSP is essential",
  THRESHOLD_NOT_HELD: "Threshold not held for this date",
  NO_THRESHOLD: "No threshold",
  PROCUREMENT_PLAN_APPROVAL: "Procurement plan approval",
  PROCUREMENT_BOARD_REQUIRED: "Procurement Board required",
  SEAL_REQUIRED: "Contract sealed or signed by two authorised officers",
  COST_AVOIDANCE_PAPER_IF_REJECTED: "Cost avoidance paper if the recommendation is rejected",
  CONTRACT_AWARD_NOTICE: "Contract award notice",
  CONTRACTS_FINDER: "Contracts Finder",
  CONFLICTS_ASSESSMENT: "Conflicts assessment",
  CONTRACT_DETAILS_NOTICE: "Contract details notice",
  BELOW_THRESHOLD_CONTRACT_DETAILS_NOTICE: "Below-threshold contract details notice",
  STANDSTILL_VOLUNTARY: "Standstill is voluntary",
  KPIS_PUBLISHED: "Key performance indicators published",
  CONTRACT_PERFORMANCE_NOTICE: "Contract performance notices",
  TERMINATION_NOTICE: "Contract termination notice",
  PSR_ROUTES: "Provider Selection Regime: choose a route",
  PSR_NOTICES: "Provider Selection Regime: notices",
  PSR_SCOPE: "Check the service is in scope",
};

// ---------------------------------------------------------------------------------------------
// The form: a GET search form, validated here and shown again with its errors (nothing changes).

/** The fields of the form as the page holds them (what was typed, kept). */
export interface RulesFormValues {
  value: string;
  regime: string;
  programme: string;
  "on-day": string;
  "on-month": string;
  "on-year": string;
  electronic: string;
}

export interface RulesQuestion {
  valuePence: number;
  regime: RegimeCode;
  regimeChosen: boolean;
  programmeCode: ProgrammeCode;
  on: string;
  byElectronicMeans: boolean;
}

const FIELDS = ["value", "regime", "programme", "on-day", "on-month", "on-year", "electronic", "on"] as const;

function text(query: Record<string, unknown>, key: string): string {
  const v = query[key];
  const first: unknown = Array.isArray(v) ? v[0] : v;
  return typeof first === "string" ? first.slice(0, 50) : "";
}

/** The form was sent (any of its fields is in the query), rather than the page first opened. */
export function isSubmitted(query: Record<string, unknown>): boolean {
  return FIELDS.some((f) => f in query);
}

const ISO_LIKE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

export function formValues(query: Record<string, unknown>, today: string): RulesFormValues {
  // `?on=YYYY-MM-DD` (a link from elsewhere) fills the three date fields; the form sends them apart.
  const iso = ISO_LIKE.exec(text(query, "on").trim());
  const [, year = "", month = "", day = ""] = iso ?? ISO_LIKE.exec(today) ?? [];
  const fromIso = Boolean(iso) || !isSubmitted(query);
  const given = (key: "on-day" | "on-month" | "on-year", fallback: string) =>
    key in query ? text(query, key).trim() : fromIso ? fallback : "";
  return {
    value: text(query, "value"),
    regime: text(query, "regime"),
    programme: text(query, "programme"),
    "on-day": given("on-day", String(Number(day))),
    "on-month": given("on-month", String(Number(month))),
    "on-year": given("on-year", year),
    electronic: text(query, "electronic") || "yes",
  };
}

function parseDate(
  values: RulesFormValues,
  query: Record<string, unknown>,
  today: string,
): { on: string } | { error: string; href: string } {
  const isoGiven = text(query, "on").trim();
  if (isoGiven && !("on-day" in query) && !ISO_LIKE.test(isoGiven))
    return { error: MESSAGES.dateReal, href: "#on-day" };
  const boxes = { "on-day": values["on-day"], "on-month": values["on-month"], "on-year": values["on-year"] };
  const date = readDateInput(boxes, "on");
  if (date.kind === "empty") return { on: today };
  if (date.kind === "date") return { on: date.iso };
  const href = `#on-${date.box}`;
  if (date.problem === "missing") return { error: MESSAGES.dateMissing(date.missing.join(" and ")), href };
  return { error: date.problem === "year" ? MESSAGES.dateYear : MESSAGES.dateReal, href };
}

export interface PageErrors {
  summary: { text: string; href: string }[];
  fields: Record<string, { text: string }>;
}

/** Checks the form; the question to answer, or the errors to show beside each field. */
export function parseRulesForm(
  query: Record<string, unknown>,
  today: string,
):
  | { ok: true; question: RulesQuestion; values: RulesFormValues }
  | { ok: false; errors: PageErrors; values: RulesFormValues } {
  const values = formValues(query, today);
  const errors: PageErrors = { summary: [], fields: {} };
  const fail = (field: string, message: string, href = `#${field}`) => {
    errors.summary.push({ text: message, href });
    errors.fields[field] = { text: message };
  };

  const money = parsePounds(values.value);
  if (!money.ok) fail("value", MESSAGES.value[money.error]);
  if (values.regime && !isRegimeCode(values.regime)) fail("regime", MESSAGES.regime);
  const programme = isOneOf(PROGRAMME_CODES, values.programme) ? values.programme : null;
  if (!programme) fail("programme", MESSAGES.programme);
  const date = parseDate(values, query, today);
  if ("error" in date) fail("on", date.error, date.href);
  if (values.electronic !== "yes" && values.electronic !== "no") fail("electronic", MESSAGES.electronic);

  let regime: RegimeCode | null = isRegimeCode(values.regime) ? values.regime : null;
  if ("on" in date && !values.regime) {
    regime = regimeInForceOn(date.on);
    if (!regime) fail("on", MESSAGES.noRegime, "#on-day");
  }
  if (errors.summary.length || !money.ok || !programme || !("on" in date) || !regime)
    return { ok: false, errors, values };
  return {
    ok: true,
    values,
    question: {
      valuePence: money.pence,
      regime,
      regimeChosen: Boolean(values.regime),
      programmeCode: programme,
      on: date.on,
      byElectronicMeans: values.electronic !== "no",
    },
  };
}

// ---------------------------------------------------------------------------------------------
// What the page shows.

function vatWords(vat: "net" | "incl-vat") {
  return vat === "incl-vat" ? "including VAT" : "net of VAT";
}

function datesWords(from: string, to?: string) {
  return to ? `${shortDate(from)} to ${shortDate(to)}` : `from ${shortDate(from)}`;
}

/** "The 30 day period…" → "the 30 day period…", to follow "To check:". */
function lowerFirst(text: string | undefined): string | null {
  return text ? `${text.charAt(0).toLowerCase()}${text.slice(1)}` : null;
}

function sourcedRow(key: string, value: string, s: Sourced) {
  return {
    key,
    value,
    source: s.source,
    rulesText: s.rulesText,
    check: lowerFirst(s.check),
    note: s.note ?? null,
  };
}

function thresholdRow(t: Threshold) {
  return sourcedRow(
    t.forTheseServices ? `${t.label} (these services)` : t.label,
    `${formatPence(t.valuePence)} ${vatWords(t.vat)}, ${datesWords(t.from, t.to)}`,
    t,
  );
}

/** Each regime in words, with the source of every value (the page's "the regimes" section). */
export function presentRegimes() {
  return REGIMES.map((r) => ({
    code: r.code,
    name: r.name,
    applies: r.appliesTo
      ? `Procurements started ${shortDate(r.appliesFrom)} to ${shortDate(r.appliesTo)}`
      : `Procurements started from ${shortDate(r.appliesFrom)}`,
    summary: r.summary,
    chosenOnly: r.chosenOnly,
    rows: [
      sourcedRow("Applies to", r.applies.rulesText, r.applies),
      sourcedRow("These services", r.services.text, r.services),
      ...(r.noThreshold ? [sourcedRow("Threshold", r.noThreshold.text, r.noThreshold)] : []),
      ...r.thresholds.map(thresholdRow),
      sourcedRow(
        "Standstill",
        `${r.standstill.days} ${r.standstill.dayKind} days${r.standstill.otherMeansDays ? ` (${r.standstill.otherMeansDays} if not sent electronically)` : ""}, beginning with ${r.standstill.startsWith}; ends at ${r.standstill.endsWith}. ${r.standstill.mandatoryNote}`,
        r.standstill,
      ),
      sourcedRow("Working day", r.workingDay.text, r.workingDay),
      ...r.awardPublication.map((d) => sourcedRow("Award publication", d.text, d)),
      ...r.otherDuties.map((d) => sourcedRow("Other duty", d.text, d)),
    ],
  }));
}

export function regimeItems(selected: string) {
  return [
    { value: "", text: "The one in force on the date", selected: selected === "" },
    ...REGIMES.map((r) => ({ value: r.code, text: r.name, selected: selected === r.code })),
  ];
}

export function programmeItems(programmes: { code: string; name: string }[], selected: string) {
  return [
    { value: "", text: "Choose a programme", selected: selected === "" },
    ...programmes.map((p) => ({
      value: p.code,
      text: `${p.name} (${p.code})`,
      selected: selected === p.code,
    })),
  ];
}

function presentFlag(f: Flag) {
  return {
    code: f.code,
    title: FLAG_TITLES[f.code],
    reason: f.reason,
    paragraph: f.paragraph,
    check: lowerFirst(f.check),
  };
}

/** The answer to one question: approvals, flags and standstill, each with its reason and source. */
export function presentResults(
  question: RulesQuestion,
  answer: ApprovalsAnswer,
  period: Standstill,
  names: { bodies: Map<string, string>; programme: string },
) {
  const regime = getRegime(answer.regime);
  const t = answer.threshold;
  return {
    heading: `${formatPence(answer.valuePence)} under the ${regime.name}`,
    facts: [
      { key: "Value", value: formatPence(answer.valuePence) },
      {
        key: "Regime",
        value: question.regimeChosen ? regime.name : `${regime.name} (in force on ${shortDate(answer.on)})`,
      },
      { key: "Programme", value: names.programme },
      { key: "Date", value: shortDate(answer.on) },
      {
        key: "Threshold for these services",
        value: t
          ? `${formatPence(t.valuePence)} ${vatWords(t.vat)} (${t.source}); SSP engagement is essential from ${formatPence(answer.sspEngagementFromPence ?? 0)}, 80% of it`
          : regime.noThreshold
            ? regime.noThreshold.text
            : "Not held for this date",
      },
    ],
    approvals: answer.approvals.map((a) => ({
      who: names.bodies.get(a.bodyCode) ?? a.bodyCode,
      bodyCode: a.bodyCode,
      what: a.what,
      reason: a.reason,
      paragraph: a.paragraph,
      stage: a.stage,
    })),
    flags: answer.flags.map(presentFlag),
    notRequired: answer.notRequired.map(presentFlag),
    standstill: {
      intro:
        period.dayKind === "calendar"
          ? `If the letters to bidders are sent ${question.byElectronicMeans ? "electronically" : "by other than electronic means"} on ${shortDate(period.notifiedOn)}:`
          : `If the notice is published on ${shortDate(period.notifiedOn)}:`,
      rows: [
        { key: "Starts", value: shortDate(period.startsOn) },
        { key: "Length", value: `${period.days} ${period.dayKind} days` },
        { key: "Last day", value: `${shortDate(period.endsOn)}, ending at midnight` },
        { key: "Contract may be entered into from", value: shortDate(period.earliestContractOn) },
        {
          key: period.dayKind === "calendar" ? "End moved over" : "Days not counted",
          value: period.skipped.length ? period.skipped.map((d) => d.label).join("; ") : "None",
        },
        { key: "Source", value: period.source },
      ],
      explanation: period.explanation,
    },
  };
}
