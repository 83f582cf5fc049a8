import { clientFacts, type ClientFacts } from "./client-facts.js";
import { INDICATOR_DEFINITIONS, type IndicatorDefinition } from "./definitions.js";
import {
  OUTCOME_CODES,
  financialYearStart,
  firstSixMonths,
  followUpComplete,
  inPeriod,
  isIndependentLiving,
  isSuccessfulReason,
  contactDeadline,
  percentage,
  periodEnding,
  stayEndedIn,
  stayInPeriod,
  twelveMonthsEnding,
  visitDeadline,
  type DischargeReason,
  type HiaReferral,
  type HiaService,
  type IsoDate,
  type Period,
  type PeriodKind,
  type SpStay,
  type TreatmentEpisode,
} from "./terms.js";

/**
 * The reference implementation of docs/indicators.md: plain TypeScript over arrays of parsed rows, written
 * to be read beside the specification, not to be fast. It is the oracle the SQL is property-tested
 * against, so it follows the text literally; each rule quotes the sentence it implements.
 */

export interface IndicatorDataset {
  readonly treatmentEpisodes: readonly TreatmentEpisode[];
  readonly spStays: readonly SpStay[];
  readonly hiaReferrals: readonly HiaReferral[];
}

/**
 * "Each result is `{code, providerCode, periodStart, periodEnd, numerator, denominator, value,
 * complete}`; `providerCode` is null for all providers together."
 */
export interface IndicatorResult {
  readonly code: string;
  readonly providerCode: string | null;
  readonly periodStart: IsoDate;
  readonly periodEnd: IsoDate;
  readonly numerator: number;
  readonly denominator: number | null;
  readonly value: number | null;
  readonly complete: boolean;
}

export interface ReferenceOptions {
  /**
   * "For KPI1, KPI2 and outcomes the period is a quarter unless asked for another." Appendix B and the
   * HIA list may be asked for another period; Appendix A is defined on "the last 12 months" only.
   */
  readonly period?: { readonly B?: PeriodKind; readonly HIA?: PeriodKind };
}

/**
 * Every indicator in INDICATOR_DEFINITIONS for the period ending on `periodEnd`: for each definition in
 * catalogue order, first all providers together (`providerCode: null`), then each provider in code
 * order. The providers of a file are every `provider_code` that occurs in that file's rows, whatever
 * their dates, so a provider with no activity in the period still gets its zeros and nulls.
 */
export function computeReference(
  data: IndicatorDataset,
  periodEnd: IsoDate,
  options: ReferenceOptions = {},
): IndicatorResult[] {
  const figures = new Map<string, Map<string | null, Figures>>();
  const put = (code: string, provider: string | null, f: Figures) => {
    let byProvider = figures.get(code);
    if (!byProvider) figures.set(code, (byProvider = new Map<string | null, Figures>()));
    byProvider.set(provider, f);
  };

  const treatmentProviders = providersOf(data.treatmentEpisodes);
  const smPeriod = twelveMonthsEnding(periodEnd);
  const sm07Period: Period = { start: financialYearStart(periodEnd), end: periodEnd };
  const clients = groupByClient(data.treatmentEpisodes);
  // "SM13, SM13R, SM14 and SM14R need six months of data after E; their results carry `complete:
  // false` until the latest `triage_date` in the data is at least E + 6 months" — the whole file, all
  // providers, so every result of those codes for one E has the same flag.
  const latestTriage = data.treatmentEpisodes.reduce<IsoDate | null>(
    (latest, e) => (latest === null || e.triageDate > latest ? e.triageDate : latest),
    null,
  );
  const followUp = followUpComplete(latestTriage, periodEnd);
  for (const provider of [null, ...treatmentProviders]) {
    for (const [code, f] of substanceMisuse(clients, provider, smPeriod)) put(code, provider, f);
  }

  const spPeriod = periodEnding(options.period?.B ?? "quarter", periodEnd);
  for (const provider of [null, ...providersOf(data.spStays)]) {
    const stays = data.spStays.filter((s) => provider === null || s.providerCode === provider);
    for (const [code, f] of housingSupport(stays, spPeriod)) put(code, provider, f);
  }

  const hiaPeriod = periodEnding(options.period?.HIA ?? "12-months", periodEnd);
  for (const provider of [null, ...providersOf(data.hiaReferrals)]) {
    const referrals = data.hiaReferrals.filter((r) => provider === null || r.providerCode === provider);
    for (const [code, f] of homeImprovement(referrals, hiaPeriod)) put(code, provider, f);
  }

  const results: IndicatorResult[] = [];
  for (const definition of INDICATOR_DEFINITIONS) {
    const period =
      definition.code === "SM07"
        ? sm07Period
        : definition.framework === "A"
          ? smPeriod
          : definition.framework === "B"
            ? spPeriod
            : hiaPeriod;
    for (const [providerCode, f] of figures.get(definition.code) ?? new Map<string | null, Figures>()) {
      results.push(result(definition, providerCode, period, f, definition.needsFollowUp ? followUp : true));
    }
  }
  return results;
}

/** Numerator and denominator before the shape of the result is decided. */
interface Figures {
  readonly numerator: number;
  readonly denominator: number | null;
}

const count = (n: number): Figures => ({ numerator: n, denominator: null });
const ratio = (numerator: number, denominator: number): Figures => ({ numerator, denominator });

function result(
  definition: IndicatorDefinition,
  providerCode: string | null,
  period: Period,
  f: Figures,
  complete: boolean,
): IndicatorResult {
  // "A count has `numerator` = `value` = the count and `denominator` null; a percentage has both parts
  // and `value` as above" (numerator / denominator × 100, half-up to 1 dp, null for a zero denominator).
  const value = definition.kind === "count" ? f.numerator : percentage(f.numerator, f.denominator ?? 0);
  return {
    code: definition.code,
    providerCode,
    periodStart: period.start,
    periodEnd: period.end,
    numerator: f.numerator,
    denominator: definition.kind === "count" ? null : (f.denominator ?? 0),
    value,
    complete,
  };
}

function providersOf(rows: readonly { readonly providerCode: string }[]): string[] {
  return [...new Set(rows.map((r) => r.providerCode))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function groupByClient(episodes: readonly TreatmentEpisode[]): Map<string, TreatmentEpisode[]> {
  const clients = new Map<string, TreatmentEpisode[]>();
  for (const e of episodes) {
    const list = clients.get(e.clientHash);
    if (list) list.push(e);
    else clients.set(e.clientHash, [e]);
  }
  return clients;
}

// ---------------------------------------------------------------------------------------------------
// Appendix A: treatment journeys
// ---------------------------------------------------------------------------------------------------

/** SM12 numerator: "a reason that is successful or `transferred-not-in-custody` or `transferred-to-adult-services`". */
function isPlannedYoungPersonExit(reason: DischargeReason): boolean {
  return (
    isSuccessfulReason(reason) ||
    reason === "transferred-not-in-custody" ||
    reason === "transferred-to-adult-services"
  );
}

/** How many of the clients pass a test. */
type HowMany = (test: (c: ClientFacts) => boolean) => number;

function substanceMisuse(
  clients: ReadonlyMap<string, readonly TreatmentEpisode[]>,
  provider: string | null,
  period: Period,
): [string, Figures][] {
  const sm07Window: Period = { start: financialYearStart(period.end), end: period.end };
  const facts = [...clients.values()].map((episodes) => clientFacts(episodes, provider, period, sm07Window));
  const howMany: HowMany = (test) => facts.filter(test).length;
  const { sm01, sm02, sm04, sm05, sm13, sm14 } = drugAndAlcoholCounts(howMany);

  return [
    ["SM01", count(sm01)],
    ["SM02", count(sm02)],
    ["SM03", ratio(sm02, sm01)], // "SM02" / "SM01"
    ["SM04", count(sm04)],
    ["SM05", count(sm05)],
    ["SM06", ratio(sm05, sm04)], // "SM05" / "SM04"
    ...healthFigures(howMany),
    ...criminalJusticeFigures(howMany, firstSixMonths(period)),
    ...youngPeopleFigures(howMany),
    ["SM13", count(sm13)],
    ["SM13R", ratio(sm13, sm01)], // "SM13" / "SM01"
    ["SM14", count(sm14)],
    ["SM14R", ratio(sm14, sm04)], // "SM14" / "SM04"
  ];
}

/** The adult drug and alcohol users, their successful exits and those not followed by re-presentation. */
function drugAndAlcoholCounts(howMany: HowMany) {
  return {
    // SM01: "adult drug users with an episode in the period".
    sm01: howMany((c) => c.adultMember && c.drugUser),
    // SM02: "SM01 clients with a successful exit".
    sm02: howMany((c) => c.adultMember && c.drugUser && c.adultSuccessfulExit !== null),
    // SM04: "adult alcohol users with an episode in the period".
    sm04: howMany((c) => c.adultMember && c.alcoholUser),
    // SM05: "SM04 clients with a successful exit".
    sm05: howMany((c) => c.adultMember && c.alcoholUser && c.adultSuccessfulExit !== null),
    // SM13: "SM02 clients whose successful exit is not followed by re-presentation".
    sm13: howMany(
      (c) =>
        c.adultMember &&
        c.drugUser &&
        c.adultSuccessfulExit !== null &&
        !c.adultSuccessfulExit.representation,
    ),
    // SM14: "SM05 clients whose successful exit is not followed by re-presentation".
    sm14: howMany(
      (c) =>
        c.adultMember &&
        c.alcoholUser &&
        c.adultSuccessfulExit !== null &&
        !c.adultSuccessfulExit.representation,
    ),
  };
}

/** SM07 (hepatitis B vaccination) and SM08 (hepatitis C testing). */
function healthFigures(howMany: HowMany): [string, Figures][] {
  // SM07: "eligible with `hepb_status = offered-accepted`" / the eligible adult new presentations.
  const sm07Den = howMany((c) => c.sm07?.eligible === true);
  const sm07Num = howMany((c) => c.sm07?.eligible === true && c.sm07.accepted);
  // SM08: tested / "adult clients with an adult episode in the period whose `injecting_status` is
  // `previously` or `currently`".
  const sm08Den = howMany((c) => c.sm08.eligible);
  const sm08Num = howMany((c) => c.sm08.eligible && c.sm08.tested);
  return [
    ["SM07", ratio(sm07Num, sm07Den)],
    ["SM08", ratio(sm08Num, sm08Den)],
  ];
}

/** SM09 and SM10: criminal-justice clients' successful exits, and re-presentation after them. */
function criminalJusticeFigures(howMany: HowMany, sm10Window: Period): [string, Figures][] {
  // SM09: "adult CJ clients with a successful exit" / "adult CJ clients in the period".
  const sm09Den = howMany((c) => c.adultMember && c.criminalJustice);
  const sm09Num = howMany((c) => c.adultMember && c.criminalJustice && c.adultSuccessfulExit !== null);
  // SM10: "those followed by re-presentation" / "adult CJ clients with a successful exit dated in
  // `[S, S + 6 months − 1 day]`".
  const sm10Cohort = (c: ClientFacts) =>
    c.adultMember &&
    c.criminalJustice &&
    c.adultSuccessfulExit !== null &&
    inPeriod(c.adultSuccessfulExit.date, sm10Window);
  const sm10Den = howMany(sm10Cohort);
  const sm10Num = howMany((c) => sm10Cohort(c) && c.adultSuccessfulExit?.representation === true);
  return [
    ["SM09", ratio(sm09Num, sm09Den)],
    ["SM10", ratio(sm10Num, sm10Den)],
  ];
}

/** SM11 and SM12: young people in treatment and their planned exits. */
function youngPeopleFigures(howMany: HowMany): [string, Figures][] {
  // SM11: "young people with an episode in the period".
  const sm11 = howMany((c) => c.youngMember);
  // SM12: "young people's exits with a reason that is successful or `transferred-not-in-custody` or
  // `transferred-to-adult-services`" / "young people's exits in the period, excluding `died`".
  const sm12Den = howMany((c) => c.youngExitReason !== null && c.youngExitReason !== "died");
  const sm12Num = howMany((c) => c.youngExitReason !== null && isPlannedYoungPersonExit(c.youngExitReason));
  return [
    ["SM11", count(sm11)],
    ["SM12", ratio(sm12Num, sm12Den)],
  ];
}

// ---------------------------------------------------------------------------------------------------
// Appendix B: housing-related support (counted in stays, not people)
// ---------------------------------------------------------------------------------------------------

function housingSupport(stays: readonly SpStay[], period: Period): [string, Figures][] {
  // KPI1: "long-term stays in the period whose `accommodation` is independent living" / "long-term
  // stays in the period (start ≤ E, end empty or ≥ S)".
  const longTerm = stays.filter((s) => s.serviceType === "long-term" && stayInPeriod(s, period));
  const kpi1 = ratio(longTerm.filter((s) => isIndependentLiving(s.accommodation)).length, longTerm.length);

  // KPI2: "short-term stays that ended in `[S, E]` with `departure = planned`" / "short-term stays that
  // ended in `[S, E]`, excluding `transferred` and `died`".
  const ended = stays.filter((s) => s.serviceType === "short-term" && stayEndedIn(s, period));
  const kpi2Base = ended.filter((s) => s.departure !== "transferred" && s.departure !== "died");
  const kpi2 = ratio(kpi2Base.filter((s) => s.departure === "planned").length, kpi2Base.length);

  // OUT-<outcome>: "short-term stays ended in `[S, E]` with the outcome in `achieved`" / "those with it
  // in `needs`" (the importer refuses an achieved outcome that is not in needs).
  const outcomes = OUTCOME_CODES.map((outcome): [string, Figures] => [
    `OUT-${outcome}`,
    ratio(
      ended.filter((s) => s.achieved.includes(outcome)).length,
      ended.filter((s) => s.needs.includes(outcome)).length,
    ),
  ]);
  return [["KPI1", kpi1], ["KPI2", kpi2], ...outcomes];
}

// ---------------------------------------------------------------------------------------------------
// Home improvement agencies (counted in referrals)
// ---------------------------------------------------------------------------------------------------

function homeImprovement(referrals: readonly HiaReferral[], period: Period): [string, Figures][] {
  const responses = (service: HiaService): [Figures, Figures] => {
    const inPeriodReferrals = referrals.filter(
      (r) => r.service === service && inPeriod(r.referralDate, period),
    );
    // G1/H1 denominator: "referrals in the period whose referral date + 2 days ≤ E"; numerator: those
    // "with `contacted_on` ≤ referral date + 2 calendar days" (among the denominator, so that a
    // referral whose two days run past E counts in neither).
    const contactDue = inPeriodReferrals.filter((r) => contactDeadline(r.referralDate) <= period.end);
    const contacted = contactDue.filter(
      (r) => r.contactedOn !== null && r.contactedOn <= contactDeadline(r.referralDate),
    );
    // G2/H2 denominator: "referrals in the period whose 10th working day after referral ≤ E";
    // numerator: those "with `visited_on` on or before the 10th working day after the referral date".
    const visitDue = inPeriodReferrals.filter((r) => visitDeadline(r.referralDate) <= period.end);
    const visited = visitDue.filter(
      (r) => r.visitedOn !== null && r.visitedOn <= visitDeadline(r.referralDate),
    );
    return [ratio(contacted.length, contactDue.length), ratio(visited.length, visitDue.length)];
  };
  const [g1, g2] = responses("hia");
  const [h1, h2] = responses("handyperson");
  return [
    ["G1", g1],
    ["G2", g2],
    ["H1", h1],
    ["H2", h2],
  ];
}
