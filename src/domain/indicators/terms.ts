import { addDays, addMonthsClamped, addWorkingDays, type IsoDate } from "../dates.js";

/**
 * The derived terms of docs/indicators.md ("Derived terms", "Common rules"), as pure functions over parsed
 * rows. Parsed rows are what the importer stores: `client_ref` becomes `clientHash` (the HMAC), and
 * `date_of_birth` becomes `ageAtTriage` (whole years at the triage date). Every function here quotes
 * the sentence of docs/indicators.md it implements; the reference implementation (reference.ts) is built
 * only from these.
 */

export type { IsoDate };

// ---------------------------------------------------------------------------------------------------
// Codes (docs/indicators.md, the three file formats). Lists are in the order docs/indicators.md gives them.
// ---------------------------------------------------------------------------------------------------

export const DATASET_KINDS = ["treatment-journeys", "sp-outcomes", "hia-activity"] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

export const DRUGS = [
  "opiate",
  "crack",
  "cocaine",
  "cannabis",
  "amphetamine",
  "benzodiazepine",
  "novel-psychoactive",
  "other-drug",
] as const;
export const SUBSTANCES = [...DRUGS, "alcohol"] as const;
export type Substance = (typeof SUBSTANCES)[number];

export const SUCCESSFUL_REASONS = [
  "completed-drug-free",
  "completed-alcohol-free",
  "completed-occasional-user",
] as const;
export const TRANSFER_REASONS = [
  "transferred-not-in-custody",
  "transferred-in-custody",
  "transferred-to-adult-services",
] as const;
export const UNSUCCESSFUL_REASONS = [
  "dropped-out",
  "withdrawn-by-provider",
  "retained-in-custody",
  "declined",
  "died",
] as const;
/**
 * "the reason that comes first in the order the `discharge_reason` row above lists them wins:
 * `completed-drug-free` first, `died` last": this array is that order.
 */
export const DISCHARGE_REASONS = [
  ...SUCCESSFUL_REASONS,
  ...TRANSFER_REASONS,
  ...UNSUCCESSFUL_REASONS,
] as const;
export type DischargeReason = (typeof DISCHARGE_REASONS)[number];

export const REFERRAL_SOURCES = [
  "self",
  "gp",
  "hospital",
  "social-care",
  "criminal-justice",
  "other",
] as const;
export type ReferralSource = (typeof REFERRAL_SOURCES)[number];

export const INJECTING_STATUSES = ["never", "previously", "currently", "declined"] as const;
export type InjectingStatus = (typeof INJECTING_STATUSES)[number];

export const HEPB_STATUSES = [
  "offered-accepted",
  "offered-refused",
  "not-offered",
  "already-immunised",
  "acquired-immunity",
] as const;
export type HepbStatus = (typeof HEPB_STATUSES)[number];

export const SERVICE_TYPES = ["short-term", "long-term"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export const DEPARTURES = ["planned", "unplanned", "transferred", "died"] as const;
export type Departure = (typeof DEPARTURES)[number];

/** "these six are **independent living**" */
export const INDEPENDENT_LIVING = [
  "owner-occupier",
  "private-rented",
  "social-rented",
  "sheltered",
  "long-stay-service",
  "with-family-or-friends",
] as const;
export const ACCOMMODATIONS = [
  ...INDEPENDENT_LIVING,
  "short-stay-service",
  "direct-access",
  "temporary",
  "residential-care",
  "nursing-home",
  "hospital",
  "custody",
] as const;
export type Accommodation = (typeof ACCOMMODATIONS)[number];

/** Appendix B outcomes by domain, with the framework's wording (seed, Appendix B). */
export const OUTCOMES = [
  {
    code: "maximised-income",
    domain: "Achieve economic wellbeing",
    name: "Maximised their income, including benefits",
  },
  { code: "reduced-debts", domain: "Achieve economic wellbeing", name: "Reduced overall debts" },
  { code: "paid-work", domain: "Achieve economic wellbeing", name: "Obtained paid work" },
  {
    code: "training-education",
    domain: "Enjoy and achieve",
    name: "Participated in desired training and/or education",
  },
  { code: "qualifications", domain: "Enjoy and achieve", name: "Achieved applicable qualifications" },
  {
    code: "leisure-culture-faith",
    domain: "Enjoy and achieve",
    name: "Participated in chosen leisure/cultural/faith and/or informal learning activities",
  },
  {
    code: "work-like-activities",
    domain: "Enjoy and achieve",
    name: "Participated in chosen work-like activities",
  },
  {
    code: "external-services-contact",
    domain: "Enjoy and achieve",
    name: "Established contacts with external services or groups",
  },
  {
    code: "family-friends-contact",
    domain: "Enjoy and achieve",
    name: "Established contacts with friends or family",
  },
  { code: "physical-health", domain: "Be healthy", name: "Better management of physical health" },
  { code: "mental-health", domain: "Be healthy", name: "Better management of mental health" },
  { code: "substance-misuse", domain: "Be healthy", name: "Better management of substance misuse issues" },
  {
    code: "assistive-technology",
    domain: "Be healthy",
    name: "Better management of independent living as a result of assistive technology and/or aids and adaptations",
  },
  { code: "maintained-accommodation", domain: "Stay safe", name: "Maintained their accommodation" },
  { code: "settled-accommodation", domain: "Stay safe", name: "Secured/obtained settled accommodation" },
  { code: "statutory-orders", domain: "Stay safe", name: "Complied with statutory orders/related processes" },
  { code: "self-harm", domain: "Stay safe", name: "Better management of self harm" },
  { code: "harm-to-others", domain: "Stay safe", name: "Avoided harm to others" },
  { code: "harm-from-others", domain: "Stay safe", name: "Minimised harm or risk of harm from others" },
  {
    code: "choice-involvement-control",
    domain: "Make a positive contribution",
    name: "More choice and/or involvement and/or control",
  },
] as const;
export type OutcomeCode = (typeof OUTCOMES)[number]["code"];
export const OUTCOME_CODES: readonly OutcomeCode[] = OUTCOMES.map((o) => o.code);

export const HIA_SERVICES = ["hia", "handyperson"] as const;
export type HiaService = (typeof HIA_SERVICES)[number];

// ---------------------------------------------------------------------------------------------------
// Parsed rows: the stored fields of each kind of file.
// ---------------------------------------------------------------------------------------------------

/** One treatment episode (treatment-journeys), as stored. */
export interface TreatmentEpisode {
  readonly episodeId: string;
  /** HMAC-SHA-256(installation secret, `client_ref`): equal for the same person, whatever the provider. */
  readonly clientHash: string;
  readonly providerCode: string;
  /** Age in whole years at `triage_date` ("the importer keeps only age in whole years at triage"). */
  readonly ageAtTriage: number;
  readonly triageDate: IsoDate;
  /** null while still in treatment. */
  readonly dischargeDate: IsoDate | null;
  /** null exactly when `dischargeDate` is null. */
  readonly dischargeReason: DischargeReason | null;
  /** One or more, no repeats. */
  readonly substances: readonly Substance[];
  readonly referralSource: ReferralSource;
  readonly injectingStatus: InjectingStatus | null;
  readonly hepbStatus: HepbStatus | null;
  readonly hepcTestedOn: IsoDate | null;
}

/** One service user's stay (sp-outcomes), as stored. */
export interface SpStay {
  readonly stayId: string;
  readonly clientHash: string;
  readonly providerCode: string;
  readonly serviceType: ServiceType;
  readonly startDate: IsoDate;
  readonly endDate: IsoDate | null;
  /** null exactly when `endDate` is null. */
  readonly departure: Departure | null;
  readonly accommodation: Accommodation;
  readonly needs: readonly OutcomeCode[];
  /** Each also in `needs`. */
  readonly achieved: readonly OutcomeCode[];
}

/** One referral (hia-activity), as stored. */
export interface HiaReferral {
  readonly referralId: string;
  readonly clientHash: string;
  readonly providerCode: string;
  readonly service: HiaService;
  readonly referralDate: IsoDate;
  readonly contactedOn: IsoDate | null;
  readonly visitedOn: IsoDate | null;
}

// ---------------------------------------------------------------------------------------------------
// Age
// ---------------------------------------------------------------------------------------------------

/**
 * Age in whole years on a date: "the importer keeps only age in whole years at triage". A person is a
 * year older on their birthday; someone born on 29 February turns a year older on 1 March in a
 * year without one.
 */
export function ageInWholeYears(dateOfBirth: IsoDate, on: IsoDate): number {
  const years = Number(on.slice(0, 4)) - Number(dateOfBirth.slice(0, 4));
  return on.slice(5) < dateOfBirth.slice(5) ? years - 1 : years;
}

/** "**Adult**: aged 18 or over at the episode's triage date" (age is stored in whole years at triage). */
export function isAdult(episode: Pick<TreatmentEpisode, "ageAtTriage">): boolean {
  return episode.ageAtTriage >= 18;
}

/** "**young person**: under 18" at the episode's triage date. */
export function isYoungPerson(episode: Pick<TreatmentEpisode, "ageAtTriage">): boolean {
  return !isAdult(episode);
}

// ---------------------------------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------------------------------

/** "Period: `[S, E]`, both days included." */
export interface Period {
  readonly start: IsoDate;
  readonly end: IsoDate;
}

export type PeriodKind = "12-months" | "quarter";

/** `S ≤ date ≤ E`. ISO dates compare as strings. */
export function inPeriod(date: IsoDate, period: Period): boolean {
  return period.start <= date && date <= period.end;
}

/** "the 12 months ending on E (S = E − 12 months + 1 day)", taken literally: (E − 12 months) + 1 day. */
export function twelveMonthsEnding(end: IsoDate): Period {
  return { start: addDays(addMonthsClamped(end, -12), 1), end };
}

/**
 * "the period is a quarter": the three months ending on E, S = (E + 1 day) − 3 months. docs/indicators.md
 * gives no formula; this one makes every quarter ending on a month end start on the 1st (30 June →
 * 1 April, where E − 3 months + 1 day would give 31 March).
 */
export function quarterEnding(end: IsoDate): Period {
  return { start: addMonthsClamped(addDays(end, 1), -3), end };
}

export function periodEnding(kind: PeriodKind, end: IsoDate): Period {
  return kind === "quarter" ? quarterEnding(end) : twelveMonthsEnding(end);
}

/** "the start of the financial year containing E (1 April)". */
export function financialYearStart(end: IsoDate): IsoDate {
  const year = Number(end.slice(0, 4));
  const month = Number(end.slice(5, 7));
  return `${String(month >= 4 ? year : year - 1).padStart(4, "0")}-04-01`;
}

/** "\"6 months after d\" is d plus six calendar months, clamped to the month's last day". */
export function sixMonthsAfter(date: IsoDate): IsoDate {
  return addMonthsClamped(date, 6);
}

/**
 * SM10's first half-year: "`[S, S + 6 months − 1 day]`".
 */
export function firstSixMonths(period: Period): Period {
  return { start: period.start, end: addDays(sixMonthsAfter(period.start), -1) };
}

// ---------------------------------------------------------------------------------------------------
// Treatment journeys
// ---------------------------------------------------------------------------------------------------

/** "An episode is **in the period** if `triage_date ≤ E` and (`discharge_date` empty or `≥ S`)." */
export function episodeInPeriod(episode: TreatmentEpisode, period: Period): boolean {
  return (
    episode.triageDate <= period.end &&
    (episode.dischargeDate === null || episode.dischargeDate >= period.start)
  );
}

export type SubstanceGroup = "opiate" | "non-opiate-and-alcohol" | "non-opiate-only" | "alcohol-only";

const DRUG_SET: ReadonlySet<Substance> = new Set(DRUGS);

/**
 * "**Substance group** of a client in a period, from the union of `substances` over the client's adult
 * episodes in the period: `opiate` if it contains opiate; else `non-opiate-and-alcohol` if it contains
 * alcohol and any drug; else `non-opiate-only` if it contains any drug; else `alcohol-only`."
 * The caller passes the episodes to unite (adult, in the period, in scope); null when there are none.
 */
export function substanceGroup(episodes: readonly TreatmentEpisode[]): SubstanceGroup | null {
  if (episodes.length === 0) return null;
  const union = new Set(episodes.flatMap((e) => e.substances));
  const anyDrug = [...union].some((s) => DRUG_SET.has(s));
  if (union.has("opiate")) return "opiate";
  if (union.has("alcohol") && anyDrug) return "non-opiate-and-alcohol";
  if (anyDrug) return "non-opiate-only";
  return "alcohol-only";
}

/** "**Drug users** = opiate, non-opiate-only and non-opiate-and-alcohol". */
export function isDrugUser(group: SubstanceGroup | null): boolean {
  return group === "opiate" || group === "non-opiate-only" || group === "non-opiate-and-alcohol";
}

/** "**alcohol users** = alcohol-only". */
export function isAlcoholUser(group: SubstanceGroup | null): boolean {
  return group === "alcohol-only";
}

/** Position of a reason in the tie-break order (0 = `completed-drug-free`, last = `died`). */
export function dischargeReasonRank(reason: DischargeReason): number {
  return DISCHARGE_REASONS.indexOf(reason);
}

const SUCCESSFUL: ReadonlySet<DischargeReason> = new Set(SUCCESSFUL_REASONS);

/** `completed-drug-free`, `completed-alcohol-free`, `completed-occasional-user` "(successful)". */
export function isSuccessfulReason(reason: DischargeReason): boolean {
  return SUCCESSFUL.has(reason);
}

/** A client's exit: the episode, its discharge date and its reason. */
export interface Exit {
  readonly episode: TreatmentEpisode;
  readonly date: IsoDate;
  readonly reason: DischargeReason;
}

/**
 * "A client's **exit** in the period is their latest `discharge_date` within `[S, E]`, with that
 * episode's reason (if several episodes end on that date, the reason that comes first in the order the
 * `discharge_reason` row above lists them wins: `completed-drug-free` first, `died` last)."
 * The caller passes the episodes that decide the exit (adult or young-person, in scope). Between
 * episodes with the same date and reason, the lowest `episode_id` is taken (the choice changes nothing:
 * neither is "open" on that date).
 */
export function exitInPeriod(episodes: readonly TreatmentEpisode[], period: Period): Exit | null {
  let best: Exit | null = null;
  for (const episode of episodes) {
    const date = episode.dischargeDate;
    if (date === null || !inPeriod(date, period)) continue;
    const reason = episode.dischargeReason;
    if (reason === null) throw new RangeError(`episode ${episode.episodeId} is discharged without a reason`);
    const candidate: Exit = { episode, date, reason };
    if (best === null || exitComesFirst(candidate, best)) best = candidate;
  }
  return best;
}

function exitComesFirst(a: Exit, b: Exit): boolean {
  if (a.date !== b.date) return a.date > b.date;
  const rank = dischargeReasonRank(a.reason) - dischargeReasonRank(b.reason);
  if (rank !== 0) return rank < 0;
  return a.episode.episodeId < b.episode.episodeId;
}

/**
 * "the client has no other episode open on that date (another episode with `triage_date ≤ d` and
 * `discharge_date` empty or `> d`)". `clientEpisodes` are all of the client's episodes, at every
 * provider and of any age ("The checks that look outside an exit use all of the client's episodes").
 */
export function otherEpisodeOpenOn(
  exitEpisode: TreatmentEpisode,
  date: IsoDate,
  clientEpisodes: readonly TreatmentEpisode[],
): boolean {
  return clientEpisodes.some(
    (e) =>
      e.episodeId !== exitEpisode.episodeId &&
      e.triageDate <= date &&
      (e.dischargeDate === null || e.dischargeDate > date),
  );
}

/**
 * "The exit is **successful** if its reason is successful and the client has no other episode open on
 * that date".
 */
export function isSuccessfulExit(exit: Exit, clientEpisodes: readonly TreatmentEpisode[]): boolean {
  return isSuccessfulReason(exit.reason) && !otherEpisodeOpenOn(exit.episode, exit.date, clientEpisodes);
}

/**
 * "A successful exit on d is **followed by re-presentation** if the client has an episode with
 * `d < triage_date ≤ d + 6 months`." `clientEpisodes`: all of the client's episodes, every provider,
 * any age.
 */
export function followedByRepresentation(
  date: IsoDate,
  clientEpisodes: readonly TreatmentEpisode[],
): boolean {
  const limit = sixMonthsAfter(date);
  return clientEpisodes.some((e) => date < e.triageDate && e.triageDate <= limit);
}

/** "**Criminal-justice client**: any of their episodes in the period has `referral_source = criminal-justice`." */
export function isCriminalJusticeClient(episodesInPeriod: readonly TreatmentEpisode[]): boolean {
  return episodesInPeriod.some((e) => e.referralSource === "criminal-justice");
}

/**
 * "**New presentation**: an episode whose client had no episode in the 12 months before its triage
 * date (no other episode, at any provider, with `triage_date` before it and `discharge_date` empty or
 * `≥ triage_date − 12 months`)." `clientEpisodes`: all of the client's episodes, every provider, any
 * age. "Before it" is strictly earlier: an episode triaged the same day is not before it.
 */
export function isNewPresentation(
  episode: TreatmentEpisode,
  clientEpisodes: readonly TreatmentEpisode[],
): boolean {
  const lookBack = addMonthsClamped(episode.triageDate, -12);
  return !clientEpisodes.some(
    (e) =>
      e.episodeId !== episode.episodeId &&
      e.triageDate < episode.triageDate &&
      (e.dischargeDate === null || e.dischargeDate >= lookBack),
  );
}

/** "A client's \"first\" episode in a window is the earliest by `triage_date`, then by `episode_id`." */
export function firstEpisode(episodes: readonly TreatmentEpisode[]): TreatmentEpisode | null {
  let first: TreatmentEpisode | null = null;
  for (const e of episodes) {
    if (
      first === null ||
      e.triageDate < first.triageDate ||
      (e.triageDate === first.triageDate && e.episodeId < first.episodeId)
    ) {
      first = e;
    }
  }
  return first;
}

/**
 * SM13/SM14(R): "their results carry `complete: false` until the latest `triage_date` in the data is at
 * least E + 6 months".
 */
export function followUpComplete(latestTriageDate: IsoDate | null, end: IsoDate): boolean {
  return latestTriageDate !== null && latestTriageDate >= sixMonthsAfter(end);
}

// ---------------------------------------------------------------------------------------------------
// Housing-related support
// ---------------------------------------------------------------------------------------------------

/** KPI1: "stays in the period (start ≤ E, end empty or ≥ S)". */
export function stayInPeriod(stay: SpStay, period: Period): boolean {
  return stay.startDate <= period.end && (stay.endDate === null || stay.endDate >= period.start);
}

/** KPI2 and outcomes: "stays that ended in `[S, E]`". */
export function stayEndedIn(stay: SpStay, period: Period): boolean {
  return stay.endDate !== null && inPeriod(stay.endDate, period);
}

const INDEPENDENT: ReadonlySet<Accommodation> = new Set(INDEPENDENT_LIVING);

/** "(these six are **independent living**)". */
export function isIndependentLiving(accommodation: Accommodation): boolean {
  return INDEPENDENT.has(accommodation);
}

// ---------------------------------------------------------------------------------------------------
// Home improvement agencies
// ---------------------------------------------------------------------------------------------------

/** G1/H1: "referral date + 2 calendar days". */
export function contactDeadline(referralDate: IsoDate): IsoDate {
  return addDays(referralDate, 2);
}

/**
 * G2/H2: "the 10th working day after the referral date". "Working days: not Saturday, Sunday, or an
 * England and Wales bank holiday"; the referral date itself never counts.
 */
export function visitDeadline(referralDate: IsoDate): IsoDate {
  return addWorkingDays(referralDate, 10, "england-and-wales");
}

// ---------------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------------

function assertCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a whole number ≥ 0, not ${n}`);
}

/**
 * `numerator / denominator × 100` in tenths of a per cent, rounded half-up: floor((1000·n + d/2) / d),
 * computed as floor((2000·n + d) / 2d) on BigInt integers, so .x5 always rounds up (1/16 → 63).
 */
export function percentageTenths(numerator: number, denominator: number): number | null {
  assertCount("numerator", numerator);
  assertCount("denominator", denominator);
  if (denominator === 0) return null;
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  return Number((2000n * n + d) / (2n * d));
}

/**
 * "Percentages are numerator / denominator × 100, rounded half-up to 1 decimal place; a zero
 * denominator gives no value (null), never 0 or an error." 2/3 → 66.7, 1/8 → 12.5, 1/16 → 6.3.
 */
export function percentage(numerator: number, denominator: number): number | null {
  const tenths = percentageTenths(numerator, denominator);
  return tenths === null ? null : tenths / 10;
}

/** A percentage as text with exactly one decimal place (66.7, 100.0, 0.0). */
export function formatPercentage(value: number): string {
  return value.toFixed(1);
}

// ---------------------------------------------------------------------------------------------------
// Public suppression
// ---------------------------------------------------------------------------------------------------

export const SUPPRESSED = "*";
export type Suppressed = typeof SUPPRESSED;

/** "Public outputs suppress any count from 1 to 4 (shown as `*`)". 0 is shown. */
export function isSuppressedCount(count: number): boolean {
  return count >= 1 && count <= 4;
}

export function suppressCount(count: number): number | Suppressed {
  return isSuppressedCount(count) ? SUPPRESSED : count;
}

export interface IndicatorFigures {
  readonly numerator: number;
  readonly denominator: number | null;
  readonly value: number | null;
}

export interface PublicFigures {
  readonly numerator: number | Suppressed;
  readonly denominator: number | Suppressed | null;
  readonly value: number | Suppressed | null;
}

/**
 * "Public outputs suppress any count from 1 to 4 (shown as `*`) and any percentage built on one": a
 * count is hidden when it is 1–4; a percentage is hidden when its numerator or its denominator is, and
 * so is that part. A percentage with no value (zero denominator) stays null.
 */
export function suppressForPublic(figures: IndicatorFigures): PublicFigures {
  if (figures.denominator === null) {
    const shown = suppressCount(figures.numerator);
    return { numerator: shown, denominator: null, value: shown === SUPPRESSED ? SUPPRESSED : figures.value };
  }
  const builtOnSmall = isSuppressedCount(figures.numerator) || isSuppressedCount(figures.denominator);
  return {
    numerator: suppressCount(figures.numerator),
    denominator: suppressCount(figures.denominator),
    value: figures.value === null ? null : builtOnSmall ? SUPPRESSED : figures.value,
  };
}

/**
 * Secondary suppression: "public outputs suppress any count from 1 to 4" must hold for what can be
 * worked out, not only for what is shown. A provider's users see their own figures as computed and
 * the all-providers figure beside them; the all-providers figure minus their own is the other
 * providers' figure, and when that is 1–4 it is a small number given away by subtraction. So a part
 * (numerator or denominator) of the all-providers figure is hidden when it, less the provider's own
 * figure (each of them, and all of them together when the organisation has several codes), is 1–4;
 * a percentage whose numerator or denominator is hidden is hidden too. Primary suppression
 * (`suppressForPublic`) applies first. A difference of 0 is shown, as a count of 0 is.
 */
export function suppressAgainstDifferencing(
  total: IndicatorFigures,
  own: readonly IndicatorFigures[],
): PublicFigures {
  const shown = suppressForPublic(total);
  const revealsSmall = (part: (f: IndicatorFigures) => number | null): boolean => {
    const whole = part(total);
    if (whole === null) return false;
    const parts = own.map(part).filter((p): p is number => p !== null);
    const sums = parts.length > 1 ? [...parts, parts.reduce((a, b) => a + b, 0)] : parts;
    return sums.some((p) => isSuppressedCount(whole - p));
  };
  const numeratorHidden = shown.numerator === SUPPRESSED || revealsSmall((f) => f.numerator);
  if (total.denominator === null)
    return numeratorHidden ? { numerator: SUPPRESSED, denominator: null, value: SUPPRESSED } : shown;
  const denominatorHidden = shown.denominator === SUPPRESSED || revealsSmall((f) => f.denominator);
  return {
    numerator: numeratorHidden ? SUPPRESSED : shown.numerator,
    denominator: denominatorHidden ? SUPPRESSED : shown.denominator,
    value: total.value === null ? null : numeratorHidden || denominatorHidden ? SUPPRESSED : shown.value,
  };
}
