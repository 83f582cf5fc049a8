import { OUTCOMES, type DatasetKind, type PeriodKind } from "./terms.js";

/**
 * The indicator library (framework Appendix A, Appendix B and the Home Improvement Agency list;
 * docs/indicators.md for the exact definitions), in words a commissioner can read out to a board.
 * GET /api/v1/indicators returns these; the indicator library page shows them.
 */

export type Framework = "A" | "B" | "HIA";
export type IndicatorKind = "count" | "percentage";

export interface IndicatorDefinition {
  readonly code: string;
  readonly framework: Framework;
  /** The framework's own wording. */
  readonly name: string;
  readonly kind: IndicatorKind;
  /** What is counted (for a count, the count itself). */
  readonly numerator: string;
  /** What it is a share of; null for a count. */
  readonly denominator: string | null;
  /** The file the indicator is computed from. */
  readonly source: DatasetKind;
  /** The columns of that file it uses (docs/indicators.md names). */
  readonly fields: readonly string[];
  /** The period it covers when none is asked for. */
  readonly periodDefault: PeriodKind;
  /** True when it needs six months of data after the period end (`complete: false` until then). */
  readonly needsFollowUp?: true;
}

const EPISODE = ["client_ref", "provider_code", "date_of_birth", "triage_date", "discharge_date"];
const EXIT = [...EPISODE, "discharge_reason"];

const IN_TREATMENT =
  "aged 18 or over when the episode started, with an episode open at any time in the 12 months up to the period end";
const DRUG_USERS =
  "Adults in drug treatment: people " +
  IN_TREATMENT +
  ", whose substances over those episodes include any drug (opiates, crack, cocaine, cannabis and others), with or without alcohol. Each person counts once.";
const ALCOHOL_USERS =
  "Adults in alcohol treatment: people " +
  IN_TREATMENT +
  ", whose substances over those episodes are alcohol only. Each person counts once.";
const SUCCESSFUL_EXIT =
  "their last discharge in the 12 months was a completion (drug-free, alcohol-free or occasional user) and on that day they had no other treatment episode open (started by then and not yet discharged), at this or any other provider";
const NO_REPRESENTATION =
  "and they did not start another treatment episode, anywhere, in the six months after that discharge";

function smDefinition(
  code: string,
  name: string,
  kind: IndicatorKind,
  numerator: string,
  denominator: string | null,
  fields: readonly string[],
  needsFollowUp = false,
): IndicatorDefinition {
  return {
    code,
    framework: "A",
    name,
    kind,
    numerator,
    denominator,
    source: "treatment-journeys",
    fields,
    periodDefault: "12-months",
    ...(needsFollowUp ? { needsFollowUp: true as const } : {}),
  };
}

const APPENDIX_A: readonly IndicatorDefinition[] = [
  smDefinition("SM01", "Adult drug users in treatment (in the last 12 months)", "count", DRUG_USERS, null, [
    ...EPISODE,
    "substances",
  ]),
  smDefinition(
    "SM02",
    "Number of adult drug users successfully completing treatment (in the last 12 months)",
    "count",
    `Adult drug users in treatment (SM01) where ${SUCCESSFUL_EXIT}.`,
    null,
    [...EXIT, "substances"],
  ),
  smDefinition(
    "SM03",
    "Number of successful treatment completions as a proportion of all adult drug users in treatment",
    "percentage",
    "Adult drug users successfully completing treatment (SM02).",
    "Adult drug users in treatment (SM01).",
    [...EXIT, "substances"],
  ),
  smDefinition(
    "SM04",
    "Adult alcohol users in treatment (in the last 12 months)",
    "count",
    ALCOHOL_USERS,
    null,
    [...EPISODE, "substances"],
  ),
  smDefinition(
    "SM05",
    "Number of adult alcohol users successfully completing treatment (in the last 12 months)",
    "count",
    `Adult alcohol users in treatment (SM04) where ${SUCCESSFUL_EXIT}.`,
    null,
    [...EXIT, "substances"],
  ),
  smDefinition(
    "SM06",
    "Number of successful treatment completions as a proportion of all adult alcohol users in treatment",
    "percentage",
    "Adult alcohol users successfully completing treatment (SM05).",
    "Adult alcohol users in treatment (SM04).",
    [...EXIT, "substances"],
  ),
  smDefinition(
    "SM07",
    "Percentage of eligible new presentations year-to-date who accepted hepatitis B vaccination",
    "percentage",
    "Eligible new presentations whose hepatitis B status on that first new episode is 'offered and accepted'.",
    "Adults who started a new episode between 1 April (the start of the financial year) and the period end, " +
      "new meaning they had no treatment episode, anywhere, open in the 12 months before it. Each person is " +
      "judged on their first such episode; people already immunised or with acquired immunity then are not eligible.",
    [...EPISODE, "hepb_status"],
  ),
  smDefinition(
    "SM08",
    "Percentage of eligible clients in treatment, previously or currently injecting, who received a hepatitis C test",
    "percentage",
    "Eligible clients with a hepatitis C test recorded, dated on or before the period end, on any of their adult episodes in the 12 months.",
    "Adults in treatment in the 12 months with an episode in that time recorded as previously or currently injecting.",
    [...EPISODE, "injecting_status", "hepc_tested_on"],
  ),
  smDefinition(
    "SM09",
    "Proportion of criminal justice clients successfully completing treatment from all criminal justice clients in treatment",
    "percentage",
    `Criminal justice clients where ${SUCCESSFUL_EXIT}.`,
    "Adults in treatment (drugs or alcohol) in the 12 months with at least one episode in that time referred by criminal justice.",
    [...EXIT, "referral_source"],
  ),
  smDefinition(
    "SM10",
    "Proportion of criminal justice clients who successfully completed treatment in the first 6 months of the latest 12 month period and re-presented within 6 months",
    "percentage",
    "Those who started another treatment episode, anywhere, within six months after that completion.",
    "Adult criminal justice clients whose last discharge in the 12 months was a successful completion (as in SM09) " +
      "dated in the first six months of the 12.",
    [...EXIT, "referral_source"],
  ),
  smDefinition(
    "SM11",
    "Number of young people accessing specialist substance misuse community services",
    "count",
    "People under 18 when their episode started, with such an episode open at any time in the 12 months. Each person counts once.",
    null,
    EPISODE,
  ),
  smDefinition(
    "SM12",
    "Percentage of young people leaving in an agreed and planned way",
    "percentage",
    "Young people whose last discharge in the 12 months was a completion, a transfer not into custody, or a transfer to adult services.",
    "Young people discharged in the 12 months (their last discharge), except those who died.",
    EXIT,
  ),
  smDefinition(
    "SM13",
    "Number of adult drug users that complete treatment successfully and do not re-present within six months",
    "count",
    `Adult drug users in treatment where ${SUCCESSFUL_EXIT}, ${NO_REPRESENTATION}. Provisional until six months of data after the period end have arrived.`,
    null,
    [...EXIT, "substances"],
    true,
  ),
  smDefinition(
    "SM13R",
    "Adult drug users that complete treatment successfully and do not re-present within six months, as a proportion of adult drug users in treatment",
    "percentage",
    "Adult drug users completing successfully without re-presenting within six months (SM13).",
    "Adult drug users in treatment (SM01).",
    [...EXIT, "substances"],
    true,
  ),
  smDefinition(
    "SM14",
    "Number of adult alcohol users that complete treatment successfully and do not re-present within six months",
    "count",
    `Adult alcohol users in treatment where ${SUCCESSFUL_EXIT}, ${NO_REPRESENTATION}. Provisional until six months of data after the period end have arrived.`,
    null,
    [...EXIT, "substances"],
    true,
  ),
  smDefinition(
    "SM14R",
    "Adult alcohol users that complete treatment successfully and do not re-present within six months, as a proportion of adult alcohol users in treatment",
    "percentage",
    "Adult alcohol users completing successfully without re-presenting within six months (SM14).",
    "Adult alcohol users in treatment (SM04).",
    [...EXIT, "substances"],
    true,
  ),
];

const STAY = ["provider_code", "service_type", "start_date", "end_date"];

const APPENDIX_B: readonly IndicatorDefinition[] = [
  {
    code: "KPI1",
    framework: "B",
    name: "(KPI1) % of service users who are supported to establish and maintain independent living",
    kind: "percentage",
    numerator:
      "Those stays where the person lives independently: owner-occupier, private or social rented, sheltered, a long-stay service, or with family or friends.",
    denominator: "Stays in long-term services that were going on at any time in the quarter.",
    source: "sp-outcomes",
    fields: [...STAY, "accommodation"],
    periodDefault: "quarter",
  },
  {
    code: "KPI2",
    framework: "B",
    name: "(KPI2) % of service users who have moved on in a planned way from temporary living arrangements",
    kind: "percentage",
    numerator: "Those stays where the person left in a planned way.",
    denominator: "Stays in short-term services that ended in the quarter, except transfers and deaths.",
    source: "sp-outcomes",
    fields: [...STAY, "departure"],
    periodDefault: "quarter",
  },
  ...OUTCOMES.map((outcome): IndicatorDefinition => ({
    code: `OUT-${outcome.code}`,
    framework: "B",
    name: `% of service users who ${lowerFirst(outcome.name)} (${outcome.domain.toLowerCase()})`,
    kind: "percentage",
    numerator: "Those stays where the outcome was achieved.",
    denominator:
      "Stays in short-term services that ended in the quarter where the outcome was identified as a need.",
    source: "sp-outcomes",
    fields: [...STAY, "needs", "achieved"],
    periodDefault: "quarter",
  })),
];

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

const REFERRAL = ["provider_code", "service", "referral_date"];
const CONTACT_NUMERATOR =
  "Those referrals first contacted no later than two calendar days after the referral date.";
const CONTACT_DENOMINATOR = (service: string) =>
  `${service} referrals made in the 12 months, leaving out those whose two days had not yet passed by the period end.`;
const VISIT_NUMERATOR =
  "Those referrals first visited on or before the 10th working day after the referral date (weekends and England and Wales bank holidays do not count).";
const VISIT_DENOMINATOR = (service: string) =>
  `${service} referrals made in the 12 months, leaving out those whose 10 working days had not yet passed by the period end.`;

const HIA: readonly IndicatorDefinition[] = [
  {
    code: "G1",
    framework: "HIA",
    name: "Percentage of contacts made following referral within 2 days (G1)",
    kind: "percentage",
    numerator: CONTACT_NUMERATOR,
    denominator: CONTACT_DENOMINATOR("Home improvement agency"),
    source: "hia-activity",
    fields: [...REFERRAL, "contacted_on"],
    periodDefault: "12-months",
  },
  {
    code: "G2",
    framework: "HIA",
    name: "Percentage of visits to service user made following referral within 10 working days (G2)",
    kind: "percentage",
    numerator: VISIT_NUMERATOR,
    denominator: VISIT_DENOMINATOR("Home improvement agency"),
    source: "hia-activity",
    fields: [...REFERRAL, "visited_on"],
    periodDefault: "12-months",
  },
  {
    code: "H1",
    framework: "HIA",
    name: "Percentage of contacts made following referral within 2 days (H1, handyperson)",
    kind: "percentage",
    numerator: CONTACT_NUMERATOR,
    denominator: CONTACT_DENOMINATOR("Handyperson"),
    source: "hia-activity",
    fields: [...REFERRAL, "contacted_on"],
    periodDefault: "12-months",
  },
  {
    code: "H2",
    framework: "HIA",
    name: "Percentage of visits to service user made following referral within 10 working days (H2, handyperson)",
    kind: "percentage",
    numerator: VISIT_NUMERATOR,
    denominator: VISIT_DENOMINATOR("Handyperson"),
    source: "hia-activity",
    fields: [...REFERRAL, "visited_on"],
    periodDefault: "12-months",
  },
];

/** Every computed indicator, in the order results are reported. */
export const INDICATOR_DEFINITIONS: readonly IndicatorDefinition[] = [...APPENDIX_A, ...APPENDIX_B, ...HIA];

export const INDICATOR_CODES: readonly string[] = INDICATOR_DEFINITIONS.map((d) => d.code);

const BY_CODE = new Map(INDICATOR_DEFINITIONS.map((d) => [d.code, d]));

export function indicatorDefinition(code: string): IndicatorDefinition | undefined {
  return BY_CODE.get(code);
}

export function definitionsOf(framework: Framework): readonly IndicatorDefinition[] {
  return INDICATOR_DEFINITIONS.filter((d) => d.framework === framework);
}
