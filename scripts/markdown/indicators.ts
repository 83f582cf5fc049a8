/**
 * docs/indicators.md, written from the indicator catalogue (src/domain/indicators/definitions.ts) that
 * the API, the library page and the SQL all use, so the words a reader finds here are the system's.
 */
import {
  definitionsOf,
  type Framework,
  type IndicatorDefinition,
} from "../../src/domain/indicators/definitions.js";
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
  ].join("\n");
}
