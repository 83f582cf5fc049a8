/**
 * docs/rules.md, written from the rules held as dated data in src/domain (regimes, thresholds,
 * standstill, the framework's approval values), so the sources a reader finds here are the ones the
 * rules page and the gates use.
 */
import {
  PROCUREMENT_BOARD_ABOVE_PENCE,
  PROCUREMENT_MANAGER_ABOVE_PENCE,
  SEAL_ABOVE_PENCE,
} from "../../src/domain/approvals.js";
import { PROGRAMME_GOVERNANCE } from "../../src/domain/governance.js";
import { formatPence } from "../../src/domain/money.js";
import { REGIMES, SSP_CLOSE, type Regime, type Sourced } from "../../src/domain/regimes.js";
import { table } from "./table.js";

function sourced(item: Sourced): string {
  const extras = [item.note, item.check ? `To confirm: ${item.check}` : undefined].filter(Boolean);
  return [`${item.rulesText} (${item.source})`, ...extras].join(" ");
}

function dates(from: string, to: string | undefined): string {
  return to ? `${from} to ${to}` : `from ${from}`;
}

function regimeSection(regime: Regime): string[] {
  const standstill = regime.standstill;
  return [
    `## ${regime.name} (\`${regime.code}\`)`,
    "",
    regime.summary,
    "",
    ...table(
      ["", ""],
      [
        [
          "applies",
          `${dates(regime.appliesFrom, regime.appliesTo)}${regime.chosenOnly ? ", only when chosen" : ""}`,
        ],
        ["source", sourced(regime.applies)],
        ["services", `${regime.services.text} (${regime.services.source})`],
        [
          "standstill",
          `${String(standstill.days)} ${standstill.dayKind} days; starts with ${standstill.startsWith}; ends ${standstill.endsWith}`,
        ],
        [
          "standstill binds these services",
          `${standstill.mandatoryForTheseServices}: ${standstill.mandatoryNote}`,
        ],
        ["standstill source", sourced(standstill)],
        ["working day", `${regime.workingDay.text} (${regime.workingDay.source})`],
        ...(regime.noThreshold
          ? [["threshold", `${regime.noThreshold.text} (${regime.noThreshold.source})`]]
          : []),
      ],
    ),
    "",
    ...(regime.thresholds.length > 0
      ? [
          "Thresholds:",
          "",
          ...table(
            ["threshold", "value", "VAT", "dates", "source"],
            regime.thresholds.map((t) => [
              t.label,
              formatPence(t.valuePence),
              t.vat,
              dates(t.from, t.to),
              sourced(t),
            ]),
          ),
          "",
        ]
      : []),
    ...(regime.awardPublication.length + regime.otherDuties.length > 0
      ? [
          "Duties:",
          "",
          ...table(
            ["code", "duty", "source"],
            [...regime.awardPublication, ...regime.otherDuties].map((d) => [
              `\`${d.code}\``,
              d.text,
              sourced(d),
            ]),
          ),
          "",
        ]
      : []),
  ];
}

export function rulesMarkdown(): string {
  return [
    "# Rules",
    "",
    "Written from the rules held as dated data in `src/domain/` by `npm run docs`; a test fails when it",
    "differs. The rules page (`/rules`) and `GET /api/v1/rules/...` answer from the same data.",
    "",
    "## The framework's values",
    "",
    ...table(
      ["rule", "value", "source"],
      [
        [
          "Procurement Board approves the procurement plan above",
          formatPence(PROCUREMENT_BOARD_ABOVE_PENCE),
          "§3.10",
        ],
        [
          "Procurement Manager approves the procurement plan above",
          formatPence(PROCUREMENT_MANAGER_ABOVE_PENCE),
          "§3.10",
        ],
        [
          "Contract sealed (or signed by two authorised officers) above",
          formatPence(SEAL_ABOVE_PENCE),
          "App C 7",
        ],
        [
          "SSP engagement essential from this share of the threshold",
          `${String(SSP_CLOSE.percent)}%`,
          sourced(SSP_CLOSE),
        ],
      ],
    ),
    "",
    "Each programme's governance (§2.1, §3.4):",
    "",
    ...table(
      ["programme", "operational group", "executive board"],
      Object.entries(PROGRAMME_GOVERNANCE).map(([code, bodies]) => [
        `\`${code}\``,
        `\`${bodies.operationalGroup}\``,
        `\`${bodies.executiveBoard}\``,
      ]),
    ),
    "",
    ...REGIMES.flatMap(regimeSection),
  ].join("\n");
}
