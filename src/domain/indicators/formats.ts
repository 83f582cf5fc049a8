import { compareDates, isRealDate, type IsoDate } from "../dates.js";
import {
  ACCOMMODATIONS,
  DATASET_KINDS,
  DEPARTURES,
  DISCHARGE_REASONS,
  HEPB_STATUSES,
  HIA_SERVICES,
  INJECTING_STATUSES,
  OUTCOME_CODES,
  REFERRAL_SOURCES,
  SERVICE_TYPES,
  SUBSTANCES,
  type DatasetKind,
} from "./terms.js";
import { isOneOf } from "../codes.js";
import { eventDateProblem, isAfterToday } from "../sensible-dates.js";

/**
 * The three client-level data formats of docs/indicators.md ("treatment-journeys", "sp-outcomes",
 * "hia-activity") as data: their columns, which are required, the values each allows, and the rules
 * that tie columns of one row together. `readHeader` and `validateRow` are the pure validator the
 * importer runs on every row; each problem is `{line, column, message}`, the message saying what is
 * wrong in words a provider's data officer can act on.
 *
 * The code lists themselves live once, in terms.ts, beside the derived terms that use them.
 */

export { DATASET_KINDS, type DatasetKind };

export function isDatasetKind(value: string): value is DatasetKind {
  return isOneOf(DATASET_KINDS, value);
}

/** Longest identifier kept (episode, stay and referral ids); client_ref is only hashed. */
export const MAX_ID_LENGTH = 100;
export const MAX_CLIENT_REF_LENGTH = 200;

export type ColumnType =
  | { type: "id" }
  | { type: "client-ref" }
  | { type: "provider" }
  | { type: "date" }
  | { type: "code"; values: readonly string[] }
  /** One or more codes separated by `;`. */
  | { type: "codes"; values: readonly string[] };

export type ColumnSpec = ColumnType & {
  name: string;
  /** Must the cell have a value? Columns required only in some rows ("when discharged") are false here and checked by a rule. */
  required: boolean;
};

/** A cell once checked: a text or date, a list of codes, or null for an empty cell. */
export type CellValue = string | readonly string[] | null;
export type ParsedRow = Readonly<Record<string, CellValue>>;

export interface RowError {
  /** 1 is the header row; a record spanning lines is reported on the line it starts. */
  line: number;
  /** The column the problem is in; null when it is about the whole line or file. */
  column: string | null;
  message: string;
}

/** A rule across the columns of one row; it sees only the cells that passed their own checks. */
type RowRule = (row: ParsedRow) => { column: string; message: string }[];

export interface FormatSpec {
  kind: DatasetKind;
  /** What one row is, for messages ("treatment episode"). */
  rowName: string;
  idColumn: string;
  columns: readonly ColumnSpec[];
  /** Date columns whose earliest and latest values give a dataset's period (dates of birth are not events). */
  periodColumns: readonly string[];
  rules: readonly RowRule[];
}

const text = (row: ParsedRow, column: string): string | null => {
  const value = row[column];
  return typeof value === "string" ? value : null;
};
const list = (row: ParsedRow, column: string): readonly string[] => {
  const value = row[column];
  return value === undefined || value === null || typeof value === "string" ? [] : value;
};

/** "`end` is not before `start`", when both are valid dates. */
function notBefore(end: string, start: string): RowRule {
  return (row) => {
    const e = text(row, end);
    const s = text(row, start);
    if (e === null || s === null || compareDates(e, s) >= 0) return [];
    return [{ column: end, message: `${end} ${e} is before ${start} ${s}` }];
  };
}

/** `dependent` has a value exactly when `on` has (a reason when discharged, and only then). */
function presentExactlyWhen(dependent: string, on: string, openWord: string): RowRule {
  return (row) => {
    if (row[on] === undefined || row[dependent] === undefined) return []; // a cell already refused
    const hasOn = row[on] !== null;
    const hasDependent = row[dependent] !== null;
    if (hasOn && !hasDependent)
      return [{ column: dependent, message: `${dependent} is required when ${on} is given` }];
    if (!hasOn && hasDependent)
      return [
        {
          column: dependent,
          message: `${dependent} is given but ${on} is empty: leave ${dependent} empty while the ${openWord} goes on`,
        },
      ];
    return [];
  };
}

export const FORMATS: Record<DatasetKind, FormatSpec> = {
  "treatment-journeys": {
    kind: "treatment-journeys",
    rowName: "treatment episode",
    idColumn: "episode_id",
    columns: [
      { name: "episode_id", required: true, type: "id" },
      { name: "client_ref", required: true, type: "client-ref" },
      { name: "provider_code", required: true, type: "provider" },
      { name: "date_of_birth", required: true, type: "date" },
      { name: "triage_date", required: true, type: "date" },
      { name: "discharge_date", required: false, type: "date" },
      { name: "discharge_reason", required: false, type: "code", values: DISCHARGE_REASONS },
      { name: "substances", required: true, type: "codes", values: SUBSTANCES },
      { name: "referral_source", required: true, type: "code", values: REFERRAL_SOURCES },
      { name: "injecting_status", required: false, type: "code", values: INJECTING_STATUSES },
      { name: "hepb_status", required: false, type: "code", values: HEPB_STATUSES },
      { name: "hepc_tested_on", required: false, type: "date" },
    ],
    periodColumns: ["triage_date", "discharge_date"],
    rules: [
      (row) => {
        const dob = text(row, "date_of_birth");
        const triage = text(row, "triage_date");
        if (dob === null || triage === null || compareDates(dob, triage) <= 0) return [];
        return [{ column: "date_of_birth", message: `date_of_birth ${dob} is after triage_date ${triage}` }];
      },
      notBefore("discharge_date", "triage_date"),
      presentExactlyWhen("discharge_reason", "discharge_date", "episode"),
    ],
  },
  "sp-outcomes": {
    kind: "sp-outcomes",
    rowName: "stay",
    idColumn: "stay_id",
    columns: [
      { name: "stay_id", required: true, type: "id" },
      { name: "client_ref", required: true, type: "client-ref" },
      { name: "provider_code", required: true, type: "provider" },
      { name: "service_type", required: true, type: "code", values: SERVICE_TYPES },
      { name: "start_date", required: true, type: "date" },
      { name: "end_date", required: false, type: "date" },
      { name: "departure", required: false, type: "code", values: DEPARTURES },
      { name: "accommodation", required: true, type: "code", values: ACCOMMODATIONS },
      { name: "needs", required: false, type: "codes", values: OUTCOME_CODES },
      { name: "achieved", required: false, type: "codes", values: OUTCOME_CODES },
    ],
    periodColumns: ["start_date", "end_date"],
    rules: [
      notBefore("end_date", "start_date"),
      presentExactlyWhen("departure", "end_date", "stay"),
      (row) => {
        if (row.needs === undefined || row.achieved === undefined) return [];
        const needs = new Set(list(row, "needs"));
        const missing = list(row, "achieved").filter((code) => !needs.has(code));
        if (missing.length === 0) return [];
        return [
          {
            column: "achieved",
            message: `achieved has ${quoteAll(missing)}, which ${missing.length === 1 ? "is" : "are"} not in needs (an outcome achieved must also be listed as a need)`,
          },
        ];
      },
    ],
  },
  "hia-activity": {
    kind: "hia-activity",
    rowName: "referral",
    idColumn: "referral_id",
    columns: [
      { name: "referral_id", required: true, type: "id" },
      { name: "client_ref", required: true, type: "client-ref" },
      { name: "provider_code", required: true, type: "provider" },
      { name: "service", required: true, type: "code", values: HIA_SERVICES },
      { name: "referral_date", required: true, type: "date" },
      { name: "contacted_on", required: false, type: "date" },
      { name: "visited_on", required: false, type: "date" },
    ],
    periodColumns: ["referral_date", "contacted_on", "visited_on"],
    rules: [],
  },
};

/** A value as messages show it: quoted, and cut short when long. */
export function quote(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown);
}

function quoteAll(values: readonly string[]): string {
  const shown = values.slice(0, 5).map(quote).join(", ");
  return values.length > 5 ? `${shown} and ${values.length - 5} more` : shown;
}

/** Where each of the format's columns is in the file's rows. */
export interface HeaderMap {
  format: FormatSpec;
  /** For each column of `format.columns`, its position in a row. */
  positions: readonly number[];
  width: number;
}

/** Checks the header row (line 1): every column of the format, once each, and nothing else. */
export function readHeader(
  kind: DatasetKind,
  fields: readonly string[],
): { header: HeaderMap; errors: [] } | { header: null; errors: RowError[] } {
  const format = FORMATS[kind];
  const known = new Set(format.columns.map((c) => c.name));
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  fields.forEach((name, index) => {
    if (seen.has(name)) {
      errors.push({
        line: 1,
        column: name,
        message: `Column ${quote(name)} appears more than once in the header`,
      });
      return;
    }
    seen.set(name, index);
    if (!known.has(name)) {
      const hint = known.has(name.trim().toLowerCase())
        ? ` (did you mean ${quote(name.trim().toLowerCase())}? column names are lower case, without spaces)`
        : "";
      errors.push({
        line: 1,
        column: name,
        message:
          name === ""
            ? `Column ${index + 1} of the header has no name: every column must be one of the ${kind} format's`
            : `Unknown column ${quote(name)}${hint}: the ${kind} format's columns are ${[...known].join(", ")}`,
      });
    }
  });
  for (const column of format.columns) {
    if (!seen.has(column.name))
      errors.push({
        line: 1,
        column: column.name,
        message: `Missing column ${quote(column.name)}: the header must name every column of the ${kind} format (cells may be empty where a value is optional)`,
      });
  }
  if (errors.length > 0) return { header: null, errors };
  return {
    header: { format, positions: format.columns.map((c) => seen.get(c.name) ?? -1), width: fields.length },
    errors: [],
  };
}

/** What a row check needs to know beyond the row: which provider codes exist. */
export interface RowContext {
  isProviderCode(code: string): boolean;
  /** Today's date: a date column after it is refused (domain/sensible-dates.ts). */
  today: IsoDate;
}

/** The allowed codes of a code column as a set, made once per column (a row looks up several). */
const allowedSets = new WeakMap<ColumnSpec, ReadonlySet<string>>();
function allowed(column: ColumnSpec & { values: readonly string[] }): ReadonlySet<string> {
  let set = allowedSets.get(column);
  if (set === undefined) {
    set = new Set(column.values);
    allowedSets.set(column, set);
  }
  return set;
}

/**
 * Checks one cell; a good value is put into `row` under the column's name, and a problem is returned
 * as its message. (The importer runs this on every cell of a million-row file: nothing is allocated for
 * a good cell but its value.)
 */
function checkCell(
  column: ColumnSpec,
  raw: string,
  context: RowContext,
  row: Record<string, CellValue>,
): string | undefined {
  const name = column.name;
  if (raw.includes("\uFFFD"))
    return `${name} has characters that are not UTF-8: save the file as "CSV UTF-8"`;
  if (raw.includes("\u0000"))
    return `${name} has a NUL character: is the file UTF-16 or not text? Save it as "CSV UTF-8"`;
  if (raw === "") {
    if (column.required) return `${name} is required but empty`;
    row[name] = null;
    return undefined;
  }
  switch (column.type) {
    case "id":
      if (raw.length > MAX_ID_LENGTH) return `${name} is longer than ${MAX_ID_LENGTH} characters`;
      break;
    case "client-ref":
      if (raw.length > MAX_CLIENT_REF_LENGTH)
        return `${name} is longer than ${MAX_CLIENT_REF_LENGTH} characters`;
      break;
    case "provider":
      if (context.isProviderCode(raw)) break;
      if (context.isProviderCode(raw.trim().toUpperCase()))
        return `${name} ${quote(raw)} is not a provider code; did you mean ${quote(raw.trim().toUpperCase())}?`;
      return `${name} ${quote(raw)} is not the code of a provider organisation`;
    case "date":
      if (!isRealDate(raw))
        return /^\d{4}-\d{2}-\d{2}$/.test(raw)
          ? `${name} ${quote(raw)} is not a real date`
          : `${name} ${quote(raw)} is not a date in the form YYYY-MM-DD`;
      if (isAfterToday(raw, context.today)) return eventDateProblem(name, raw, context.today) ?? undefined;
      break;
    case "code":
      if (allowed(column).has(raw)) break;
      return `${name} ${quote(raw)} is not one of: ${column.values.join(", ")}`;
    case "codes": {
      const items = raw.split(";");
      if (items.some((item) => item === ""))
        return `${name} ${quote(raw)} has an empty item: separate codes with a single ";"`;
      const codes = allowed(column);
      const unknown = items.filter((item) => !codes.has(item));
      if (unknown.length > 0)
        return `${name} has ${quoteAll(unknown)}, which ${unknown.length === 1 ? "is" : "are"} not among: ${column.values.join(", ")}`;
      row[name] = items.length === 1 ? items : [...new Set(items)];
      return undefined;
    }
  }
  row[name] = raw;
  return undefined;
}

/**
 * Checks one data row (its fields in file order) against the format. `row` is the checked values by
 * column name when there is no error, else null.
 */
export function validateRow(
  header: HeaderMap,
  fields: readonly string[],
  line: number,
  context: RowContext,
): { row: ParsedRow | null; errors: RowError[] } {
  if (fields.length !== header.width) {
    return {
      row: null,
      errors: [
        {
          line,
          column: null,
          message: `The line has ${fields.length} value${fields.length === 1 ? "" : "s"} but the header has ${header.width} columns (is a comma missing, or a value with a comma not in quotes?)`,
        },
      ],
    };
  }
  const errors: RowError[] = [];
  const row: Record<string, CellValue> = {};
  let i = 0;
  for (const column of header.format.columns) {
    const message = checkCell(column, fields[header.positions[i++] ?? -1] ?? "", context, row);
    if (message !== undefined) errors.push({ line, column: column.name, message });
  }
  for (const rule of header.format.rules)
    for (const problem of rule(row)) errors.push({ line, column: problem.column, message: problem.message });
  return errors.length > 0 ? { row: null, errors } : { row, errors };
}
