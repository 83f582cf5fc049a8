import fc from "fast-check";
import {
  addDays,
  addMonthsClamped,
  addWorkingDays,
  bankHolidays,
  type IsoDate,
} from "../../src/domain/dates.js";
import type { IndicatorDataset } from "../../src/domain/indicators/reference.js";
import {
  ACCOMMODATIONS,
  DEPARTURES,
  DISCHARGE_REASONS,
  HEPB_STATUSES,
  HIA_SERVICES,
  INJECTING_STATUSES,
  OUTCOME_CODES,
  REFERRAL_SOURCES,
  SERVICE_TYPES,
  SUCCESSFUL_REASONS,
  SUBSTANCES,
  ageInWholeYears,
  financialYearStart,
  quarterEnding,
  twelveMonthsEnding,
  type Accommodation,
  type Departure,
  type DischargeReason,
  type HepbStatus,
  type HiaReferral,
  type HiaService,
  type InjectingStatus,
  type OutcomeCode,
  type ReferralSource,
  type ServiceType,
  type SpStay,
  type Substance,
  type TreatmentEpisode,
} from "../../src/domain/indicators/terms.js";

/**
 * Valid parsed rows for the three kinds of indicator file (docs/indicators.md), for tests:
 * - builders (`episode`, `stay`, `referral`) for hand-written cases;
 * - fast-check arbitraries (`indicatorDatasetArb` and the per-kind ones) whose dates cluster on the
 *   edges the definitions care about (period start and end, S + 6 months, E + 6 months, 1 April,
 *   exactly 6 and 12 months after another episode, bank holidays), with a few providers and clients
 *   who have several episodes across providers and ages;
 * - the seeded plain generator that streams any number of rows with their CSV records lives in
 *   src/modules/demo/generator.ts (the demo loads its client-level data from it); it is passed on
 *   here for the tests of src/domain/, which import nothing of src/ outside it.
 * Generated rows satisfy every import rule: unique ids, discharge not before triage, a reason exactly
 * when discharged, achieved ⊆ needs, date of birth not after triage (ages are derived from one date of
 * birth per client, so they agree between a client's episodes).
 */

// ---------------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------------

type With<T, K extends keyof T> = Partial<T> & Pick<T, K>;

/** An adult opiate episode, self-referred, still open, unless told otherwise. */
export function episode(
  fields: With<TreatmentEpisode, "episodeId" | "clientHash" | "triageDate">,
): TreatmentEpisode {
  return {
    providerCode: "P1",
    ageAtTriage: 30,
    dischargeDate: null,
    dischargeReason: null,
    substances: ["opiate"],
    referralSource: "self",
    injectingStatus: null,
    hepbStatus: null,
    hepcTestedOn: null,
    ...fields,
  };
}

/** A short-term stay still going on, in temporary accommodation, with no needs, unless told otherwise. */
export function stay(fields: With<SpStay, "stayId" | "startDate">): SpStay {
  return {
    clientHash: `client-${fields.stayId}`,
    providerCode: "P1",
    serviceType: "short-term",
    endDate: null,
    departure: null,
    accommodation: "temporary",
    needs: [],
    achieved: [],
    ...fields,
  };
}

/** An HIA referral with no contact or visit yet, unless told otherwise. */
export function referral(fields: With<HiaReferral, "referralId" | "referralDate">): HiaReferral {
  return {
    clientHash: `client-${fields.referralId}`,
    providerCode: "P1",
    service: "hia",
    contactedOn: null,
    visitedOn: null,
    ...fields,
  };
}

export function emptyDataset(): IndicatorDataset {
  return { treatmentEpisodes: [], spStays: [], hiaReferrals: [] };
}

// ---------------------------------------------------------------------------------------------------
// Period ends and dates near the edges
// ---------------------------------------------------------------------------------------------------

/**
 * Period ends worth testing: a financial year end; a quarter end whose E − 3 months + 1 day would not
 * be the 1st (30 June); 30 August (S = 31 August, so S + 6 months is the end of February); leap and
 * non-leap ends of February; 31 December (Christmas bank holidays); a few days into a financial year;
 * Easter Monday 2026.
 */
export const PERIOD_ENDS: readonly IsoDate[] = [
  "2025-03-31",
  "2025-06-30",
  "2025-08-30",
  "2024-02-29",
  "2025-02-28",
  "2025-12-31",
  "2025-04-03",
  "2026-04-06",
];

export const PROVIDERS: readonly string[] = ["P1", "P2", "P3"];

function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** A period end: one of PERIOD_ENDS, or any day of 2024–2026. */
export const periodEndArb: fc.Arbitrary<IsoDate> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PERIOD_ENDS) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 0, max: daysBetween("2024-01-01", "2026-12-31") })
      .map((n) => addDays("2024-01-01", n)),
  },
);

/**
 * The dates the definitions turn on, for a period end E. The first 19 are always in this order
 * (`EDGE` names the ones other generators aim at); bank holidays of the 400 days before E follow.
 */
export function edgeDates(end: IsoDate): IsoDate[] {
  const twelve = twelveMonthsEnding(end);
  const quarter = quarterEnding(end);
  const sixAfterStart = addMonthsClamped(twelve.start, 6);
  const sixAfterEnd = addMonthsClamped(end, 6);
  const year = Number(end.slice(0, 4));
  const holidays = [...bankHolidays(year - 1), ...bankHolidays(year)].filter(
    (d) => d <= end && d >= addDays(end, -400),
  );
  return [
    twelve.start,
    addDays(twelve.start, -1),
    addDays(twelve.start, 1),
    addDays(sixAfterStart, -1),
    sixAfterStart,
    quarter.start,
    addDays(quarter.start, -1),
    financialYearStart(end),
    addDays(financialYearStart(end), -1),
    addDays(end, -10),
    addDays(end, -2),
    addDays(end, -1),
    end,
    addDays(end, 1),
    addDays(sixAfterEnd, -1),
    sixAfterEnd,
    addDays(sixAfterEnd, 1),
    addMonthsClamped(end, -12),
    addMonthsClamped(twelve.start, -12),
    ...holidays,
  ];
}

export const EDGE = {
  periodStart: 0,
  sixMonthsAfterStart: 4,
  periodEnd: 12,
  dayAfterEnd: 13,
  sixMonthsAfterEnd: 15,
};

/** Where a date falls, independently of E: on an edge (shifted a little), or anywhere near E. */
type DateSpec = { readonly edge: number; readonly shift: number } | { readonly offset: number };

const dateSpecArb: fc.Arbitrary<DateSpec> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ edge: fc.nat(40), shift: fc.constantFrom(0, 0, 0, -1, 1) }),
  },
  { weight: 2, arbitrary: fc.record({ offset: fc.integer({ min: -800, max: 250 }) }) },
);

/** Closer to E, for quarters. */
const nearDateSpecArb: fc.Arbitrary<DateSpec> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ edge: fc.nat(40), shift: fc.constantFrom(0, 0, 0, -1, 1) }),
  },
  { weight: 2, arbitrary: fc.record({ offset: fc.integer({ min: -300, max: 60 }) }) },
);

function placeDate(spec: DateSpec, end: IsoDate, edges: readonly IsoDate[]): IsoDate {
  if ("offset" in spec) return addDays(end, spec.offset);
  const edge = edges[spec.edge % edges.length] ?? end;
  return addDays(edge, spec.shift);
}

// ---------------------------------------------------------------------------------------------------
// Treatment journeys
// ---------------------------------------------------------------------------------------------------

/** How an episode's triage date is chosen: like any date, or relative to the end of the one before. */
type StartSpec = { readonly date: DateSpec } | { readonly afterPrevious: Gap };
type Gap =
  "same-day" | "next-day" | "6-months" | "6-months-and-a-day" | "12-months" | "12-months-and-a-day" | number;

/** How it ends: still open, after a number of days, or on one of the edges (if not before triage). */
type EndSpec = { readonly open: true } | { readonly days: number } | { readonly edge: number };

interface EpisodeSpec {
  readonly provider: string;
  readonly idPrefix: string;
  readonly start: StartSpec;
  readonly end: EndSpec;
  readonly reason: DischargeReason;
  /** null: the client's usual substances. */
  readonly substances: readonly Substance[] | null;
  /** null: the client's usual referral source. */
  readonly referralSource: ReferralSource | null;
  readonly injectingStatus: InjectingStatus | null;
  readonly hepbStatus: HepbStatus | null;
  readonly hepcTestedOn: DateSpec | null;
}

/** Date of birth: around the 18th birthday at the first triage, or any age from 10 to 70. */
type BirthSpec = { readonly around18: number } | { readonly age: number; readonly days: number };

interface ClientSpec {
  readonly birth: BirthSpec;
  readonly substances: readonly Substance[];
  readonly referralSource: ReferralSource;
  readonly episodes: readonly EpisodeSpec[];
}

const substancesArb: fc.Arbitrary<readonly Substance[]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<readonly Substance[]>(["alcohol"]) },
  {
    weight: 4,
    arbitrary: fc.constantFrom<readonly Substance[]>(
      ["opiate"],
      ["cannabis"],
      ["crack", "alcohol"],
      ["opiate", "alcohol"],
    ),
  },
  { weight: 2, arbitrary: fc.subarray([...SUBSTANCES], { minLength: 1 }) },
);

function episodeSpecArb(providers: readonly string[]): fc.Arbitrary<EpisodeSpec> {
  return fc.record({
    provider: fc.constantFrom(...providers),
    idPrefix: fc.constantFrom("a", "b", "c"),
    start: fc.oneof(
      { weight: 2, arbitrary: fc.record({ date: dateSpecArb }) },
      {
        weight: 3,
        arbitrary: fc.record({
          afterPrevious: fc.oneof(
            fc.constantFrom<Gap>(
              "same-day",
              "next-day",
              "6-months",
              "6-months-and-a-day",
              "12-months",
              "12-months-and-a-day",
            ),
            fc.integer({ min: -60, max: 500 }),
          ),
        }),
      },
    ),
    end: fc.oneof(
      { weight: 2, arbitrary: fc.constant({ open: true as const }) },
      {
        weight: 3,
        arbitrary: fc.record({ days: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500 })) }),
      },
      { weight: 2, arbitrary: fc.record({ edge: fc.nat(40) }) },
    ),
    reason: fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...SUCCESSFUL_REASONS) },
      { weight: 1, arbitrary: fc.constantFrom(...DISCHARGE_REASONS) },
    ),
    substances: fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: substancesArb },
    ),
    referralSource: fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom(...REFERRAL_SOURCES) },
    ),
    injectingStatus: fc.option(fc.constantFrom(...INJECTING_STATUSES), { freq: 3 }),
    hepbStatus: fc.option(fc.constantFrom(...HEPB_STATUSES), { freq: 3 }),
    hepcTestedOn: fc.option(dateSpecArb, { freq: 2 }),
  });
}

function clientSpecArb(providers: readonly string[], maxEpisodes: number): fc.Arbitrary<ClientSpec> {
  return fc.record({
    birth: fc.oneof(
      fc.record({ around18: fc.integer({ min: -400, max: 400 }) }),
      fc.record({ age: fc.integer({ min: 10, max: 70 }), days: fc.nat(364) }),
    ),
    substances: substancesArb,
    referralSource: fc.constantFrom<ReferralSource>(
      ...REFERRAL_SOURCES,
      "criminal-justice",
      "criminal-justice",
    ),
    episodes: fc.oneof(
      { weight: 4, arbitrary: fc.array(episodeSpecArb(providers), { minLength: 1, maxLength: maxEpisodes }) },
      { weight: 1, arbitrary: completedThenReturnedArb(providers) },
    ),
  });
}

/**
 * SM10's story: an episode from before S discharged near the first half-year's edges (S, S + 6 months
 * − 1 day, S + 6 months), then another starting the same day, the next day, exactly 6 months later or
 * 6 months and a day later, still open or ending after E. Indices are into `edgeDates`.
 */
function completedThenReturnedArb(providers: readonly string[]): fc.Arbitrary<EpisodeSpec[]> {
  return fc
    .record({
      first: episodeSpecArb(providers),
      second: episodeSpecArb(providers),
      offset: fc.integer({ min: -520, max: -250 }),
      firstEnd: fc.constantFrom(
        EDGE.periodStart,
        EDGE.periodStart + 2,
        EDGE.sixMonthsAfterStart - 1,
        EDGE.sixMonthsAfterStart,
      ),
      gap: fc.constantFrom<Gap>("same-day", "next-day", "6-months", "6-months-and-a-day", 40),
      secondEnd: fc.oneof(
        fc.constant<EndSpec>({ open: true }),
        fc.constantFrom<EndSpec>({ edge: EDGE.dayAfterEnd }, { edge: EDGE.sixMonthsAfterEnd }),
      ),
    })
    .map(({ first, second, offset, firstEnd, gap, secondEnd }) => [
      { ...first, start: { date: { offset } }, end: { edge: firstEnd } },
      { ...second, start: { afterPrevious: gap }, end: secondEnd },
    ]);
}

function gapDate(from: IsoDate, gap: Gap): IsoDate {
  switch (gap) {
    case "same-day":
      return from;
    case "next-day":
      return addDays(from, 1);
    case "6-months":
      return addMonthsClamped(from, 6);
    case "6-months-and-a-day":
      return addDays(addMonthsClamped(from, 6), 1);
    case "12-months":
      return addMonthsClamped(from, 12);
    case "12-months-and-a-day":
      return addDays(addMonthsClamped(from, 12), 1);
    default:
      return addDays(from, gap);
  }
}

function buildClient(
  spec: ClientSpec,
  clientIndex: number,
  end: IsoDate,
  edges: readonly IsoDate[],
): TreatmentEpisode[] {
  const clientHash = `client-${clientIndex}`;
  const dated: { spec: EpisodeSpec; triage: IsoDate; discharge: IsoDate | null }[] = [];
  let previous: { triage: IsoDate; discharge: IsoDate | null } | null = null;
  for (const e of spec.episodes) {
    const triage: IsoDate =
      "date" in e.start || previous === null
        ? placeDate("date" in e.start ? e.start.date : { offset: 0 }, end, edges)
        : gapDate(previous.discharge ?? previous.triage, e.start.afterPrevious);
    let discharge: IsoDate | null = null;
    if ("days" in e.end) discharge = addDays(triage, e.end.days);
    else if ("edge" in e.end) {
      const edge = edges[e.end.edge % edges.length] ?? triage;
      discharge = edge < triage ? triage : edge;
    }
    dated.push({ spec: e, triage, discharge });
    previous = { triage, discharge };
  }
  const firstTriage = dated.map((d) => d.triage).reduce((a, b) => (a < b ? a : b));
  const dateOfBirth =
    "around18" in spec.birth
      ? addDays(addMonthsClamped(firstTriage, -12 * 18), spec.birth.around18)
      : addDays(addMonthsClamped(firstTriage, -12 * spec.birth.age), -spec.birth.days);
  return dated.map(({ spec: e, triage, discharge }, k) => ({
    episodeId: `${e.idPrefix}-${clientIndex}-${k}`,
    clientHash,
    providerCode: e.provider,
    ageAtTriage: ageInWholeYears(dateOfBirth, triage),
    triageDate: triage,
    dischargeDate: discharge,
    dischargeReason: discharge === null ? null : e.reason,
    substances: e.substances ?? spec.substances,
    referralSource: e.referralSource ?? spec.referralSource,
    injectingStatus: e.injectingStatus,
    hepbStatus: e.hepbStatus,
    hepcTestedOn: e.hepcTestedOn === null ? null : placeDate(e.hepcTestedOn, end, edges),
  }));
}

export interface ArbitraryOptions {
  readonly providers?: readonly string[];
  /** Most clients (treatment) or rows (stays, referrals) in one dataset. */
  readonly maxRows?: number;
  /** Most episodes of one client. */
  readonly maxEpisodes?: number;
}

/** A client's treatment episodes for a period end E. */
export function treatmentEpisodesArb(
  end: IsoDate,
  options: ArbitraryOptions = {},
): fc.Arbitrary<TreatmentEpisode[]> {
  const providers = options.providers ?? PROVIDERS;
  const edges = edgeDates(end);
  return fc
    .array(clientSpecArb(providers, options.maxEpisodes ?? 4), { maxLength: options.maxRows ?? 12 })
    .map((clients) => clients.flatMap((client, i) => buildClient(client, i, end, edges)));
}

// ---------------------------------------------------------------------------------------------------
// Housing-related support
// ---------------------------------------------------------------------------------------------------

/** Needs drawn mostly from the first few outcomes, so that each outcome has several stays. */
const needsArb: fc.Arbitrary<{ needs: OutcomeCode[]; achieved: OutcomeCode[] }> = fc
  .oneof(
    { weight: 3, arbitrary: fc.subarray(OUTCOME_CODES.slice(0, 4)) },
    { weight: 1, arbitrary: fc.subarray([...OUTCOME_CODES]) },
  )
  .chain((needs) => fc.subarray(needs).map((achieved) => ({ needs, achieved })));

/** Stays for a period end E. */
export function spStaysArb(end: IsoDate, options: ArbitraryOptions = {}): fc.Arbitrary<SpStay[]> {
  const providers = options.providers ?? PROVIDERS;
  const edges = edgeDates(end);
  const stayArb = fc.record({
    provider: fc.constantFrom(...providers),
    serviceType: fc.constantFrom<ServiceType>(...SERVICE_TYPES),
    start: nearDateSpecArb,
    end: fc.oneof(
      { weight: 1, arbitrary: fc.constant({ open: true as const }) },
      { weight: 2, arbitrary: fc.record({ days: fc.integer({ min: 0, max: 200 }) }) },
      { weight: 2, arbitrary: fc.record({ edge: fc.nat(40) }) },
    ),
    departure: fc.constantFrom<Departure>(...DEPARTURES, "planned", "unplanned"),
    accommodation: fc.constantFrom<Accommodation>(...ACCOMMODATIONS),
    outcomes: needsArb,
  });
  return fc.array(stayArb, { maxLength: options.maxRows ?? 25 }).map((specs) =>
    specs.map((s, i): SpStay => {
      const startDate = placeDate(s.start, end, edges);
      let endDate: IsoDate | null = null;
      if ("days" in s.end) endDate = addDays(startDate, s.end.days);
      else if ("edge" in s.end) {
        const edge = edges[s.end.edge % edges.length] ?? startDate;
        endDate = edge < startDate ? startDate : edge;
      }
      return {
        stayId: `stay-${i}`,
        clientHash: `client-${i % 7}`,
        providerCode: s.provider,
        serviceType: s.serviceType,
        startDate,
        endDate,
        departure: endDate === null ? null : s.departure,
        accommodation: s.accommodation,
        needs: s.outcomes.needs,
        achieved: s.outcomes.achieved,
      };
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// Home improvement agencies
// ---------------------------------------------------------------------------------------------------

/** Referrals for a period end E: around E − 2 days, the 10th working day before E and bank holidays. */
export function hiaReferralsArb(end: IsoDate, options: ArbitraryOptions = {}): fc.Arbitrary<HiaReferral[]> {
  const providers = options.providers ?? PROVIDERS;
  const edges = edgeDates(end);
  // Referral dates whose 10th working day is E, the day before or the day after.
  const workingEdges = [-15, -14, -13, -12].map((n) => addDays(end, n));
  const allEdges = [...edges, ...workingEdges];
  const responseArb = fc.oneof(
    fc.constant(null),
    fc.record({ days: fc.integer({ min: -1, max: 20 }) }),
    fc.record({ workingDays: fc.integer({ min: 8, max: 12 }) }),
  );
  const referralArb = fc.record({
    provider: fc.constantFrom(...providers),
    service: fc.constantFrom<HiaService>(...HIA_SERVICES),
    date: fc.oneof(
      { weight: 3, arbitrary: fc.record({ edge: fc.nat(60), shift: fc.constantFrom(0, 0, -1, 1) }) },
      { weight: 2, arbitrary: fc.record({ offset: fc.integer({ min: -420, max: 30 }) }) },
    ),
    contacted: fc.oneof(fc.constant(null), fc.record({ days: fc.integer({ min: 0, max: 5 }) })),
    visited: responseArb,
  });
  return fc.array(referralArb, { maxLength: options.maxRows ?? 25 }).map((specs) =>
    specs.map((r, i): HiaReferral => {
      const referralDate = placeDate(r.date, end, allEdges);
      return {
        referralId: `ref-${i}`,
        clientHash: `client-${i % 9}`,
        providerCode: r.provider,
        service: r.service,
        referralDate,
        contactedOn: r.contacted === null ? null : addDays(referralDate, r.contacted.days),
        visitedOn:
          r.visited === null
            ? null
            : "days" in r.visited
              ? addDays(referralDate, Math.max(0, r.visited.days))
              : addWorkingDays(referralDate, r.visited.workingDays),
      };
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// Whole datasets
// ---------------------------------------------------------------------------------------------------

export interface GeneratedDataset {
  readonly periodEnd: IsoDate;
  readonly data: IndicatorDataset;
}

/** A period end and rows of all three kinds, placed around it. */
export function indicatorDatasetArb(options: ArbitraryOptions = {}): fc.Arbitrary<GeneratedDataset> {
  return periodEndArb.chain((periodEnd) =>
    fc
      .record({
        treatmentEpisodes: treatmentEpisodesArb(periodEnd, options),
        spStays: spStaysArb(periodEnd, options),
        hiaReferrals: hiaReferralsArb(periodEnd, options),
      })
      .map((data) => ({ periodEnd, data })),
  );
}

// ---------------------------------------------------------------------------------------------------
// The seeded plain generator, for src/domain/'s tests
// ---------------------------------------------------------------------------------------------------

export {
  TREATMENT_COLUMNS,
  generateHiaReferrals,
  generateSpStays,
  generateTreatmentEpisodes,
  treatmentCsvRecord,
} from "../../src/modules/demo/generator.js";
