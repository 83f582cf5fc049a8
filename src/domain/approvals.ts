import type { IsoDate } from "./dates.js";
import { formatPence, isAtLeastPercentOf, percentOf } from "./money.js";
import {
  appliesOn,
  BELOW_THRESHOLD_NOTICE_FROM_PENCE,
  contractsFinderOn,
  getRegime,
  KPIS_ABOVE_PENCE,
  SSP_CLOSE,
  thresholdOn,
  type RegimeCode,
  type Threshold,
} from "./regimes.js";
import { shortDate } from "./standstill.js";
import { bodyName, PROGRAMME_GOVERNANCE, type ProgrammeCode } from "./governance.js";

/**
 * Approvals by value (docs/rules.md, governance routes). Money is integer pence.
 * Thresholds are data: the framework's values, held here once.
 */
export const PROCUREMENT_BOARD_ABOVE_PENCE = 100_000_000; // £1,000,000 (§3.10)
export const PROCUREMENT_MANAGER_ABOVE_PENCE = 5_000_000; // £50,000 (§3.10)
/** App C 7: any contract with a value in excess of £1m is sealed, or signed by two authorised officers. */
export const SEAL_ABOVE_PENCE = 100_000_000;

export type PlanApprover = "PROCUREMENT_BOARD" | "PROCUREMENT_MANAGER";

/**
 * Who signs off the procurement plan (§3.10): the Procurement Board for specifications over £1,000,000,
 * the Procurement Manager over £50,000 up to £1,000,000; below that, nobody beyond the programme's own
 * governance.
 */
export function procurementPlanApprover(valuePence: number): PlanApprover | null {
  if (valuePence > PROCUREMENT_BOARD_ABOVE_PENCE) return "PROCUREMENT_BOARD";
  if (valuePence > PROCUREMENT_MANAGER_ABOVE_PENCE) return "PROCUREMENT_MANAGER";
  return null;
}

export interface Approval {
  bodyCode: string;
  what: string;
  reason: string;
  paragraph: string;
  /** The stage of the cycle it belongs to (§3.3). */
  stage: 1 | 2 | 3 | 4 | 5;
}

export const FLAG_CODES = [
  "REGIME_NOT_IN_FORCE",
  "ABOVE_THRESHOLD",
  "SSP_ENGAGEMENT_ESSENTIAL",
  "THRESHOLD_NOT_HELD",
  "NO_THRESHOLD",
  "PROCUREMENT_PLAN_APPROVAL",
  "PROCUREMENT_BOARD_REQUIRED",
  "SEAL_REQUIRED",
  "COST_AVOIDANCE_PAPER_IF_REJECTED",
  "CONTRACT_AWARD_NOTICE",
  "CONTRACTS_FINDER",
  "CONFLICTS_ASSESSMENT",
  "CONTRACT_DETAILS_NOTICE",
  "BELOW_THRESHOLD_CONTRACT_DETAILS_NOTICE",
  "STANDSTILL_VOLUNTARY",
  "KPIS_PUBLISHED",
  "CONTRACT_PERFORMANCE_NOTICE",
  "TERMINATION_NOTICE",
  "PSR_ROUTES",
  "PSR_NOTICES",
  "PSR_SCOPE",
] as const;
export type FlagCode = (typeof FLAG_CODES)[number];

export interface Flag {
  code: FlagCode;
  reason: string;
  paragraph: string;
  /** What to confirm, for an item docs/rules.md marks "(check)". */
  check?: string;
}

export interface ApprovalsQuery {
  regime: RegimeCode;
  valuePence: number;
  programmeCode: ProgrammeCode;
  /** The day the procurement starts (the rules in force then): the caller's today when it asks of now. */
  on: IsoDate;
  /** A light touch contract, as the framework's services are (docs/rules.md): true unless said otherwise. */
  lightTouch?: boolean;
}

export interface ApprovalsAnswer {
  regime: RegimeCode;
  on: IsoDate;
  valuePence: number;
  programmeCode: ProgrammeCode;
  lightTouch: boolean;
  /** The threshold these services are held to on that date, or null (none held, or none in the regime). */
  threshold: Threshold | null;
  /** 80% of the threshold: from this value SSP engagement is essential (§3.13). */
  sspEngagementFromPence: number | null;
  approvals: Approval[];
  flags: Flag[];
  /** What a different value would need, and why this one does not (the rule that was not met). */
  notRequired: Flag[];
}

function vatWords(t: { vat: "net" | "incl-vat" }) {
  return t.vat === "incl-vat" ? "including VAT" : "net of VAT";
}

/**
 * Which approvals a procurement needs and what applies to it, each with its reason and paragraph
 * (docs/rules.md governance routes and regimes; docs/api.md `/rules/approvals`). Boundaries: "over £50,000" and
 * "over £1,000,000" are strictly over (§3.10, App C 7); a threshold is met at or above its value; SSP
 * engagement is essential at 80% of the threshold or more (§3.13).
 */
export function approvalsFor(query: ApprovalsQuery): ApprovalsAnswer {
  const { valuePence, programmeCode } = query;
  if (!Number.isSafeInteger(valuePence) || valuePence < 0)
    throw new RangeError(`value must be a whole number of pence, not ${valuePence}`);
  const { on } = query;
  const lightTouch = query.lightTouch ?? true;
  const regime = getRegime(query.regime);
  const { operationalGroup: group, executiveBoard: board } = PROGRAMME_GOVERNANCE[programmeCode];
  const value = formatPence(valuePence);
  const groupWords = bodyName(group);
  const boardWords = bodyName(board);

  const approvals: Approval[] = [
    {
      bodyCode: group,
      what: "Needs assessment",
      reason: `Needs assessments are approved by the programme's operational group, ${groupWords} for ${programmeCode}, and then by its executive board.`,
      paragraph: "§3.4",
      stage: 1,
    },
    {
      bodyCode: board,
      what: "Needs assessment",
      reason: `Needs assessments are approved by the programme's executive board, ${boardWords} for ${programmeCode}, after its operational group.`,
      paragraph: "§3.4",
      stage: 1,
    },
    {
      bodyCode: group,
      what: "Business case, procurement proposal and equality impact assessment",
      reason: `They are submitted for approval through the Commissioned Services governance process, starting with the programme's operational group, ${groupWords}.`,
      paragraph: "§3.6, App C 1",
      stage: 2,
    },
    {
      bodyCode: board,
      what: "Business case, procurement proposal and equality impact assessment",
      reason: `The business case is driven by the priorities of ${boardWords}, which approves it with the procurement proposal and the EqIA.`,
      paragraph: "§3.6, App C 1",
      stage: 2,
    },
    {
      bodyCode: "EQUALITIES_TEAM",
      what: "Equality impact assessment, updated after consultation",
      reason:
        "The EqIA is updated with the changes made after consultation and sent to the Equalities team for sign-off.",
      paragraph: "App C 3",
      stage: 4,
    },
    {
      bodyCode: group,
      what: "Final service specification, procurement strategy and tender evaluation plan",
      reason: `Signed off through the programme's governance structures, ${groupWords} first, and documented in minutes.`,
      paragraph: "§3.9, App C 3–4",
      stage: 4,
    },
    {
      bodyCode: board,
      what: "Final service specification, procurement strategy and tender evaluation plan",
      reason: `Signed off through the programme's governance structures, then ${boardWords}, and documented in minutes.`,
      paragraph: "§3.9, App C 3–4",
      stage: 4,
    },
  ];
  const flags: Flag[] = [];
  const notRequired: Flag[] = [];

  // Procurement plan and Procurement Board (§3.10, App C 1), sealing (App C 7).
  const planApprover = procurementPlanApprover(valuePence);
  if (planApprover === "PROCUREMENT_BOARD") {
    approvals.push(
      {
        bodyCode: "PROCUREMENT_BOARD",
        what: "Procurement plan, before the procurement begins",
        reason: `${value} is over £1,000,000: the procurement plan must be signed off at the Procurement Board before the procurement can begin.`,
        paragraph: "§3.10",
        stage: 4,
      },
      {
        bodyCode: "PROCUREMENT_BOARD",
        what: "Proposed contract",
        reason: `${value} is over £1,000,000: proposed contracts over £1m must be approved by the Procurement Board; the approval is evidence needed to seal the contract.`,
        paragraph: "App C 1",
        stage: 4,
      },
    );
    flags.push(
      {
        code: "PROCUREMENT_BOARD_REQUIRED",
        reason: `${value} is over £1,000,000: the Procurement Board signs off the procurement plan and approves the contract.`,
        paragraph: "§3.10, App C 1",
      },
      {
        code: "SEAL_REQUIRED",
        reason: `${value} is over £1,000,000: the contract is affixed with the common seal of the Council and attested by one authorised officer, or signed by at least two authorised officers.`,
        paragraph: "App C 7",
      },
      {
        code: "COST_AVOIDANCE_PAPER_IF_REJECTED",
        reason:
          "The Procurement Board approved this procurement: if the recommendation is rejected, its results are reported in a cost avoidance paper (SSP advises or completes it).",
        paragraph: "§3.17",
      },
    );
  } else {
    notRequired.push(
      {
        code: "PROCUREMENT_BOARD_REQUIRED",
        reason: `${value} is not over £1,000,000: the Procurement Board is needed only for specifications over £1,000,000.`,
        paragraph: "§3.10",
      },
      {
        code: "SEAL_REQUIRED",
        reason: `${value} is not over £1,000,000: sealing, or signature by two authorised officers, is for contracts over £1m.`,
        paragraph: "App C 7",
      },
    );
    if (planApprover === "PROCUREMENT_MANAGER") {
      approvals.push({
        bodyCode: "PROCUREMENT_MANAGER",
        what: "Procurement plan",
        reason: `${value} is over £50,000 and not over £1,000,000: the procurement plan is submitted for approval to the Procurement Manager.`,
        paragraph: "§3.10",
        stage: 4,
      });
    } else {
      notRequired.push({
        code: "PROCUREMENT_PLAN_APPROVAL",
        reason: `${value} is not over £50,000: no procurement plan approval is needed beyond the programme's own governance.`,
        paragraph: "§3.10",
      });
    }
  }

  approvals.push(
    {
      bodyCode: "DIRECTOR",
      what: "Evaluation recommendation",
      reason:
        "The evaluation team recommends to the Director the most economically advantageous bid(s) after all quality requirements have been met.",
      paragraph: "§3.14",
      stage: 4,
    },
    {
      bodyCode: board,
      what: "Final decision to award: accept or reject the recommendation",
      reason: `Representatives of ${boardWords} authorised to award contracts may question the evaluation team and then accept or reject the recommendation; a rejection ends the procurement (§3.17).`,
      paragraph: "§3.15",
      stage: 4,
    },
  );

  // The regime: is it in force, what is its threshold on that date (docs/rules.md, regimes).
  if (!appliesOn(regime.code, on)) {
    flags.push({
      code: "REGIME_NOT_IN_FORCE",
      reason: `${regime.name} applies to procurements started ${regime.appliesTo ? `${shortDate(regime.appliesFrom)} – ${shortDate(regime.appliesTo)}` : `from ${shortDate(regime.appliesFrom)}`}; ${shortDate(on)} is outside it.`,
      paragraph: regime.applies.source,
    });
  }
  if (regime.code === "PSR") {
    flags.push(
      {
        code: "PSR_SCOPE",
        reason:
          "The Provider Selection Regime covers health care services in England from 1 January 2024, including drug and alcohol treatment: check the scope by service.",
        paragraph: regime.applies.source,
        check: regime.applies.check ?? "scope by service",
      },
      {
        code: "PSR_ROUTES",
        reason: `Choose a route: ${regime.services.text.replace(/^Its own routes: /, "")}.`,
        paragraph: regime.services.source,
      },
      {
        code: "PSR_NOTICES",
        reason:
          "Publish a notice of intention and an award notice; the standstill is 8 working days from the day after the notice.",
        paragraph: regime.awardPublication[0]?.source ?? "PSR",
      },
    );
  }

  const thresholdKind = lightTouch ? "for-these-services" : regime.otherServicesThreshold;
  const threshold = thresholdKind ? thresholdOn(regime.code, on, thresholdKind) : null;
  const sspEngagementFromPence = threshold ? percentOf(threshold.valuePence, SSP_CLOSE.percent) : null;
  if (!threshold) {
    if (regime.noThreshold) {
      flags.push({
        code: "NO_THRESHOLD",
        reason: `${regime.noThreshold.text} SSP engagement is not set off by value under §3.13; choose the route with SSP.`,
        paragraph: "§3.13",
      });
    } else {
      const held = regime.thresholds
        .filter((t) =>
          thresholdKind === "for-these-services" ? t.forTheseServices : t.kind === thresholdKind,
        )
        .map(
          (t) =>
            `${formatPence(t.valuePence)} ${t.to ? `${shortDate(t.from)} – ${shortDate(t.to)}` : `from ${shortDate(t.from)}`}`,
        );
      flags.push({
        code: "THRESHOLD_NOT_HELD",
        reason: `No ${regime.shortName} threshold for ${lightTouch ? "these services" : "contracts that are not light touch"} is held for ${shortDate(on)} (held: ${held.length ? held.join("; ") : "none"}). Ask SSP whether ${value} exceeds or comes close to the threshold, and which notices apply.`,
        paragraph: "§3.13",
        check: `The ${regime.shortName} threshold on ${shortDate(on)}.`,
      });
    }
  } else {
    const aboveThreshold = valuePence >= threshold.valuePence;
    const thresholdWords = `the ${threshold.label.toLowerCase()} of ${formatPence(threshold.valuePence)} ${vatWords(threshold)} on ${shortDate(on)}`;
    const thresholdCheck = threshold.check ? { check: threshold.check } : {};
    if (aboveThreshold) {
      flags.push({
        code: "ABOVE_THRESHOLD",
        reason: `${value} is at or above ${thresholdWords}.${threshold.note ? ` ${threshold.note}` : ""}`,
        paragraph: threshold.source,
        ...thresholdCheck,
      });
    }
    if (isAtLeastPercentOf(valuePence, SSP_CLOSE.percent, threshold.valuePence)) {
      flags.push({
        code: "SSP_ENGAGEMENT_ESSENTIAL",
        reason: `${value} ${aboveThreshold ? "exceeds" : "comes close to"} ${thresholdWords} (close is ${SSP_CLOSE.percent}% or more: ${formatPence(sspEngagementFromPence ?? 0)}): engagement with SSP is essential to make sure the service is tendered under the correct regulations.`,
        paragraph: SSP_CLOSE.source,
        ...thresholdCheck,
      });
    } else {
      notRequired.push({
        code: "SSP_ENGAGEMENT_ESSENTIAL",
        reason: `${value} is below ${SSP_CLOSE.percent}% of ${thresholdWords} (${formatPence(sspEngagementFromPence ?? 0)}): SSP engagement is not essential under §3.13, though early engagement is still advised (§3.9).`,
        paragraph: SSP_CLOSE.source,
      });
    }
  }
  flags.push(...regimeDuties(query.regime, valuePence, on, threshold, lightTouch, notRequired));

  return {
    regime: regime.code,
    on,
    valuePence,
    programmeCode,
    lightTouch,
    threshold,
    sspEngagementFromPence,
    approvals,
    flags,
    notRequired,
  };
}

/** The duties of the regime (docs/rules.md: award publication, other duties) that this value brings. */
function regimeDuties(
  code: RegimeCode,
  valuePence: number,
  on: IsoDate,
  threshold: Threshold | null,
  lightTouch: boolean,
  notRequired: Flag[],
): Flag[] {
  const regime = getRegime(code);
  const duty = (dutyCode: string) =>
    [...regime.awardPublication, ...regime.otherDuties].find((d) => d.code === dutyCode);
  const value = formatPence(valuePence);
  const flags: Flag[] = [];
  const add = (flagCode: FlagCode, reason: string) => {
    const d = duty(flagCode);
    if (!d) throw new RangeError(`${code} has no duty ${flagCode}`);
    flags.push({ code: flagCode, reason, paragraph: d.source, ...(d.check ? { check: d.check } : {}) });
  };
  // Duties that turn on the threshold are left out when none is held (THRESHOLD_NOT_HELD says so).
  const above = threshold ? valuePence >= threshold.valuePence : null;
  const belowWords = threshold
    ? `${value} is below the threshold of ${formatPence(threshold.valuePence)}`
    : "";

  switch (code) {
    case "PCR2006":
      if (above)
        add(
          "CONTRACT_AWARD_NOTICE",
          "Part B services at or above the threshold: complete the OJEU contract award notice within 48 days of award.",
        );
      else if (above === false)
        notRequired.push({
          code: "CONTRACT_AWARD_NOTICE",
          reason: `${belowWords}: no OJEU contract award notice is required.`,
          paragraph: "App C 8",
        });
      break;
    case "PCR2015": {
      if (above)
        add(
          "CONTRACT_AWARD_NOTICE",
          "A light touch contract at or above the threshold: publish a contract award notice within 30 days of award.",
        );
      const finder = contractsFinderOn(on);
      if (finder && valuePence >= finder.valuePence)
        add(
          "CONTRACTS_FINDER",
          `${value} is at or above ${formatPence(finder.valuePence)} ${vatWords(finder)} (the figure on ${shortDate(on)}): publish the opportunity and the award on Contracts Finder.`,
        );
      break;
    }
    case "PA2023":
      if (above) {
        add(
          "CONFLICTS_ASSESSMENT",
          "A covered procurement (at or above the threshold): prepare a conflicts assessment before publishing the tender notice, and keep it up to date.",
        );
        add(
          "CONTRACT_AWARD_NOTICE",
          "Publish a contract award notice before entering into the contract; publishing it starts the standstill.",
        );
        add(
          "CONTRACT_DETAILS_NOTICE",
          "Publish a contract details notice after entering into the contract (within 30 days, to check).",
        );
        add(
          "TERMINATION_NOTICE",
          "If the contract is terminated, publish a contract termination notice within 30 days.",
        );
        if (lightTouch)
          flags.push({
            code: "STANDSTILL_VOLUNTARY",
            reason:
              "A light touch contract: the mandatory standstill does not apply; a voluntary standstill of 8 working days may be used.",
            paragraph: regime.standstill.source,
          });
      } else if (above === false && valuePence >= BELOW_THRESHOLD_NOTICE_FROM_PENCE) {
        add(
          "BELOW_THRESHOLD_CONTRACT_DETAILS_NOTICE",
          `${belowWords} and at or above £30,000 including VAT: publish a below-threshold contract details notice after entering into the contract.`,
        );
      }
      if (!lightTouch && valuePence > KPIS_ABOVE_PENCE) {
        add(
          "KPIS_PUBLISHED",
          `${value} is over £5,000,000 and the contract is not light touch: set and publish at least 3 key performance indicators.`,
        );
        add(
          "CONTRACT_PERFORMANCE_NOTICE",
          "Its KPIs are assessed and published in a contract performance notice at least every 12 months.",
        );
      } else if (valuePence > KPIS_ABOVE_PENCE) {
        notRequired.push({
          code: "KPIS_PUBLISHED",
          reason: `${value} is over £5,000,000, but KPIs need not be published for a light touch contract.`,
          paragraph: duty("KPIS_PUBLISHED")?.source ?? "PA 2023 s.52",
        });
      }
      break;
    case "PSR":
      break;
  }
  return flags;
}
