import type { Approval, Flag, FlagCode } from "./approvals.js";
import type { IsoDate } from "./dates.js";
import { formatPence, isAtLeastPercentOf } from "./money.js";
import {
  appliesOn,
  BELOW_THRESHOLD_NOTICE_FROM_PENCE,
  contractsFinderOn,
  KPIS_ABOVE_PENCE,
  SSP_CLOSE,
  type Regime,
  type Threshold,
  type ThresholdKind,
} from "./regimes.js";
import { shortDate } from "./standstill.js";

/**
 * What the regime asks of a value on a day (docs/rules.md, regimes): whether it is in force, the
 * threshold held then and SSP engagement (§3.13), and the notices and duties the value brings. The
 * steps of approvalsFor (approvals.ts) that turn on the regime.
 */

function vatWords(t: { vat: "net" | "incl-vat" }) {
  return t.vat === "incl-vat" ? "including VAT" : "net of VAT";
}

/** What one step of the rules finds: approvals to seek, flags that apply, and flags that do not (with why). */
export interface Found {
  approvals: Approval[];
  flags: Flag[];
  notRequired: Flag[];
}

export function found(part: Partial<Found>): Found {
  return { approvals: part.approvals ?? [], flags: part.flags ?? [], notRequired: part.notRequired ?? [] };
}

/** The regime itself: is it in force on the day, and what the Provider Selection Regime asks (docs/rules.md, regimes). */
export function regimeFlags(regime: Regime, on: IsoDate): Flag[] {
  const flags: Flag[] = [];
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
  return flags;
}

/** The value and the day a question asks about, with the value in words. */
export interface Asked {
  valuePence: number;
  value: string;
  on: IsoDate;
  lightTouch: boolean;
}

/**
 * No threshold held on the day (§3.13): either the regime has none (the PSR), or none of its figures
 * covers the day, and SSP is asked.
 */
export function noThresholdFlag(
  regime: Regime,
  thresholdKind: ThresholdKind | "for-these-services" | undefined,
  asked: Asked,
): Flag {
  const { on, value, lightTouch } = asked;
  if (regime.noThreshold) {
    return {
      code: "NO_THRESHOLD",
      reason: `${regime.noThreshold.text} SSP engagement is not set off by value under §3.13; choose the route with SSP.`,
      paragraph: "§3.13",
    };
  }
  const held = regime.thresholds
    .filter((t) => (thresholdKind === "for-these-services" ? t.forTheseServices : t.kind === thresholdKind))
    .map(
      (t) =>
        `${formatPence(t.valuePence)} ${t.to ? `${shortDate(t.from)} – ${shortDate(t.to)}` : `from ${shortDate(t.from)}`}`,
    );
  return {
    code: "THRESHOLD_NOT_HELD",
    reason: `No ${regime.shortName} threshold for ${lightTouch ? "these services" : "contracts that are not light touch"} is held for ${shortDate(on)} (held: ${held.length ? held.join("; ") : "none"}). Ask SSP whether ${value} exceeds or comes close to the threshold, and which notices apply.`,
    paragraph: "§3.13",
    check: `The ${regime.shortName} threshold on ${shortDate(on)}.`,
  };
}

/**
 * The value against the threshold held on the day: at or above it (docs/rules.md, regimes), and SSP
 * engagement essential at 80% of it or more (§3.13).
 */
export function thresholdRules(threshold: Threshold, sspFromPence: number, asked: Asked): Found {
  const { valuePence, value, on } = asked;
  const aboveThreshold = valuePence >= threshold.valuePence;
  const thresholdWords = `the ${threshold.label.toLowerCase()} of ${formatPence(threshold.valuePence)} ${vatWords(threshold)} on ${shortDate(on)}`;
  const thresholdCheck = threshold.check ? { check: threshold.check } : {};
  const flags: Flag[] = [];
  if (aboveThreshold) {
    flags.push({
      code: "ABOVE_THRESHOLD",
      reason: `${value} is at or above ${thresholdWords}.${threshold.note ? ` ${threshold.note}` : ""}`,
      paragraph: threshold.source,
      ...thresholdCheck,
    });
  }
  if (!isAtLeastPercentOf(valuePence, SSP_CLOSE.percent, threshold.valuePence)) {
    const notEssential: Flag = {
      code: "SSP_ENGAGEMENT_ESSENTIAL",
      reason: `${value} is below ${SSP_CLOSE.percent}% of ${thresholdWords} (${formatPence(sspFromPence)}): SSP engagement is not essential under §3.13, though early engagement is still advised (§3.9).`,
      paragraph: SSP_CLOSE.source,
    };
    return found({ flags, notRequired: [notEssential] });
  }
  flags.push({
    code: "SSP_ENGAGEMENT_ESSENTIAL",
    reason: `${value} ${aboveThreshold ? "exceeds" : "comes close to"} ${thresholdWords} (close is ${SSP_CLOSE.percent}% or more: ${formatPence(sspFromPence)}): engagement with SSP is essential to make sure the service is tendered under the correct regulations.`,
    paragraph: SSP_CLOSE.source,
    ...thresholdCheck,
  });
  return found({ flags });
}

/** The regime's duties (docs/rules.md: award publication, other duties), as flags with their sources. */
function dutyFlags(regime: Regime) {
  const duty = (dutyCode: string) =>
    [...regime.awardPublication, ...regime.otherDuties].find((d) => d.code === dutyCode);
  const flags: Flag[] = [];
  const add = (flagCode: FlagCode, reason: string) => {
    const d = duty(flagCode);
    if (!d) throw new RangeError(`${regime.code} has no duty ${flagCode}`);
    flags.push({ code: flagCode, reason, paragraph: d.source, ...(d.check ? { check: d.check } : {}) });
  };
  return { duty, flags, add };
}

type Duties = ReturnType<typeof dutyFlags>;

/** PCR 2006: Part B services at or above the threshold have an OJEU contract award notice (App C 8). */
function pcr2006Duties({ add }: Duties, above: boolean | null, belowWords: string, notRequired: Flag[]) {
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
}

/** PCR 2015: the contract award notice at or above the threshold, and Contracts Finder from its figure. */
function pcr2015Duties(
  { add }: Duties,
  above: boolean | null,
  asked: Asked,
  belowWords: string,
  notRequired: Flag[],
) {
  const { valuePence, value, on } = asked;
  if (above)
    add(
      "CONTRACT_AWARD_NOTICE",
      "A light touch contract at or above the threshold: publish a contract award notice within 30 days of award.",
    );
  else if (above === false)
    notRequired.push({
      code: "CONTRACT_AWARD_NOTICE",
      reason: `${belowWords}: no contract award notice is required (Contracts Finder may still apply).`,
      paragraph: "PCR 2015 regs 50, 75",
    });
  const finder = contractsFinderOn(on);
  if (finder && valuePence >= finder.valuePence)
    add(
      "CONTRACTS_FINDER",
      `${value} is at or above ${formatPence(finder.valuePence)} ${vatWords(finder)} (the figure on ${shortDate(on)}): publish the opportunity and the award on Contracts Finder.`,
    );
}

/** PA 2023: a covered procurement's notices, or the below-threshold notice from £30,000 including VAT. */
function pa2023Notices(
  duties: Duties,
  regime: Regime,
  above: boolean | null,
  asked: Asked,
  belowWords: string,
  notRequired: Flag[],
) {
  const { add, flags } = duties;
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
    if (asked.lightTouch)
      flags.push({
        code: "STANDSTILL_VOLUNTARY",
        reason:
          "A light touch contract: the mandatory standstill does not apply; a voluntary standstill of 8 working days may be used.",
        paragraph: regime.standstill.source,
      });
  } else if (above === false) {
    notRequired.push({
      code: "CONTRACT_AWARD_NOTICE",
      reason: `${belowWords}: not a covered procurement, so no contract award notice is required.`,
      paragraph: "PA 2023 s.50",
    });
    if (asked.valuePence >= BELOW_THRESHOLD_NOTICE_FROM_PENCE)
      add(
        "BELOW_THRESHOLD_CONTRACT_DETAILS_NOTICE",
        `${belowWords} and at or above £30,000 including VAT: publish a below-threshold contract details notice after entering into the contract.`,
      );
  }
}

/** PA 2023: over £5,000,000 a contract that is not light touch has published KPIs (s.52). */
function pa2023Kpis({ add, duty }: Duties, asked: Asked, notRequired: Flag[]) {
  const { valuePence, value, lightTouch } = asked;
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
}

/** The duties of the regime (docs/rules.md: award publication, other duties) that this value brings. */
export function regimeDuties(regime: Regime, threshold: Threshold | null, asked: Asked): Found {
  const duties = dutyFlags(regime);
  const notRequired: Flag[] = [];
  // Duties that turn on the threshold are left out when none is held: only on a day the regime is not
  // in force, as every in-force day has its figure (THRESHOLD_NOT_HELD says so).
  const above = threshold ? asked.valuePence >= threshold.valuePence : null;
  const belowWords = threshold
    ? `${asked.value} is below the threshold of ${formatPence(threshold.valuePence)}`
    : "";
  switch (regime.code) {
    case "PCR2006":
      pcr2006Duties(duties, above, belowWords, notRequired);
      break;
    case "PCR2015":
      pcr2015Duties(duties, above, asked, belowWords, notRequired);
      break;
    case "PA2023":
      pa2023Notices(duties, regime, above, asked, belowWords, notRequired);
      pa2023Kpis(duties, asked, notRequired);
      break;
    case "PSR":
      break;
  }
  return found({ flags: duties.flags, notRequired });
}
