/**
 * docs/indicators.md, written from the indicator catalogue (src/domain/indicators/definitions.ts) that
 * the API, the library page and the SQL all use, so the words a reader finds here are the system's.
 */
import {
  definitionsOf,
  type Framework,
  type IndicatorDefinition,
} from "../../src/domain/indicators/definitions.js";
import { FORMATS, type ColumnSpec, type FormatSpec } from "../../src/domain/indicators/formats.js";
import { table } from "./table.js";

const FRAMEWORKS: readonly { code: Framework; title: string }[] = [
  { code: "A", title: "Appendix A: substance misuse treatment (the framework's Appendix A)" },
  { code: "B", title: "Appendix B: housing-related support outcomes (the framework's Appendix B)" },
  { code: "HIA", title: "Home Improvement Agency activity" },
];

function indicatorSection(definition: IndicatorDefinition): string[] {
  return [
    `### ${definition.code}: ${definition.name}`,
    "",
    ...table(
      ["", ""],
      [
        ["kind", definition.kind],
        ["counts", definition.numerator],
        ["out of", definition.denominator ?? "(a count)"],
        ["computed from", `\`${definition.source}\`: ${definition.fields.map((f) => `\`${f}\``).join(", ")}`],
        ["period when none is asked for", definition.periodDefault],
        ...(definition.needsFollowUp
          ? [["follow-up", "needs six months of data after the period end; incomplete until then"]]
          : []),
      ],
    ),
    "",
  ];
}

function allowed(column: ColumnSpec): string {
  switch (column.type) {
    case "id":
      return "an identifier";
    case "client-ref":
      return "the provider's reference for the person (pseudonymised on import, never stored)";
    case "provider":
      return "a provider organisation's code";
    case "date":
      return "a date, YYYY-MM-DD";
    case "code":
      return `one of ${column.values.map((v) => `\`${v}\``).join(", ")}`;
    case "codes":
      return `one or more of ${column.values.map((v) => `\`${v}\``).join(", ")}, separated by \`;\``;
  }
}

function formatSection(format: FormatSpec): string[] {
  return [
    `### \`${format.kind}\`: one row per ${format.rowName}`,
    "",
    ...table(
      ["column", "required", "values"],
      format.columns.map((c) => [`\`${c.name}\``, c.required ? "yes" : "no", allowed(c)]),
    ),
    "",
  ];
}

export function indicatorsMarkdown(): string {
  return [
    "# Indicators",
    "",
    "Written from the indicator catalogue (`src/domain/indicators/definitions.ts`) by `npm run docs`; a",
    "test fails when it differs. The same words are on the indicator library page and in",
    "`GET /api/v1/indicators`; the SQL that computes each figure is tested against a reference",
    "implementation of these definitions (`src/domain/indicators/reference.ts`).",
    "",
    ...FRAMEWORKS.flatMap(({ code, title }) => [
      `## ${title}`,
      "",
      ...definitionsOf(code).flatMap(indicatorSection),
    ]),
    "## The client-level files",
    "",
    "CSV files with a header row, imported whole or not at all (a refused file gets every problem's line,",
    "column and reason). Columns required only in some rows (a reason when discharged) are checked by",
    "the rules of `src/domain/indicators/formats.ts`. The files record what has happened: a date after",
    "today is refused (`src/domain/sensible-dates.ts`).",
    "",
    ...Object.values(FORMATS).flatMap(formatSection),
  ].join("\n");
}
