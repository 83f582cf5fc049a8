import { addDays, addMonthsClamped, addWorkingDays, type IsoDate } from "../../domain/dates.js";
import {
  ACCOMMODATIONS,
  DEPARTURES,
  DISCHARGE_REASONS,
  HEPB_STATUSES,
  HIA_SERVICES,
  INJECTING_STATUSES,
  OUTCOME_CODES,
  REFERRAL_SOURCES,
  SUBSTANCES,
  ageInWholeYears,
  type HiaReferral,
  type SpStay,
  type Substance,
  type TreatmentEpisode,
} from "../../domain/indicators/terms.js";

/**
 * Client-level data made up from a seed (docs/indicators.md formats): any number of valid rows of the
 * three kinds of indicator file, with the CSV record of each. The demo loads a year of it for its
 * providers (client-data.ts); the benchmarks and the import and indicator tests use it too. The same
 * seed always gives the same rows. Generated rows satisfy every import rule: unique ids, discharge not
 * before triage, a reason exactly when discharged, achieved ⊆ needs, date of birth not after triage.
 */

function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** mulberry32: a small, fast, seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new RangeError("pick from an empty list");
  return item;
}

function int(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export interface SeededOptions {
  readonly seed: number;
  /** Rows to produce in all. */
  readonly rows: number;
  /** Distinct people (treatment: rows are spread evenly over them, e.g. 1,000,000 over 400,000). */
  readonly clients?: number;
  /** Providers `P01`, `P02`, … */
  readonly providers?: number;
  /** Or these providers' codes (the demo's). */
  readonly providerCodes?: readonly string[];
  /** First and last possible start date. */
  readonly from?: IsoDate;
  readonly to?: IsoDate;
}

export function providerCodes(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `P${String(i + 1).padStart(2, "0")}`);
}

function providersOf(options: SeededOptions): readonly string[] {
  return options.providerCodes ?? providerCodes(options.providers ?? 5);
}

/** A parsed episode with what the CSV had instead of the stored fields. */
export interface GeneratedEpisode extends TreatmentEpisode {
  readonly clientRef: string;
  readonly dateOfBirth: IsoDate;
}

/**
 * Treatment episodes, one client after another (each client's episodes follow each other, sometimes
 * overlapping, sometimes at another provider). `clientHash` is set to `clientRef`: grouping is what
 * matters, and the importer's HMAC keeps it.
 */
export function* generateTreatmentEpisodes(options: SeededOptions): Generator<GeneratedEpisode> {
  const random = seededRandom(options.seed);
  const providers = providersOf(options);
  const from = options.from ?? "2022-04-01";
  const span = daysBetween(from, options.to ?? "2025-03-31");
  const clients = Math.max(1, Math.min(options.clients ?? Math.ceil(options.rows / 2.5), options.rows));
  let id = 0;
  for (let c = 0; c < clients; c++) {
    const count = Math.floor(((c + 1) * options.rows) / clients) - Math.floor((c * options.rows) / clients);
    const clientRef = `C${String(c).padStart(7, "0")}`;
    const youngRoll = random();
    const dateOfBirth = addDays(from, -int(random, youngRoll < 0.1 ? 12 * 365 : 18 * 365 - 400, 65 * 365));
    let provider = pick(random, providers);
    let triage = addDays(from, int(random, 0, span));
    const mainSubstances = randomSubstances(random);
    for (let k = 0; k < count; k++) {
      if (random() < 0.2) provider = pick(random, providers);
      const open = random() < 0.25;
      const discharge = open ? null : addDays(triage, int(random, 0, 400));
      const episode: GeneratedEpisode = {
        episodeId: `E${String(id++).padStart(8, "0")}`,
        clientRef,
        clientHash: clientRef,
        dateOfBirth,
        providerCode: provider,
        ageAtTriage: ageInWholeYears(dateOfBirth, triage),
        triageDate: triage,
        dischargeDate: discharge,
        dischargeReason: discharge === null ? null : pick(random, DISCHARGE_REASONS),
        substances: random() < 0.8 ? mainSubstances : randomSubstances(random),
        referralSource: pick(random, REFERRAL_SOURCES),
        injectingStatus: random() < 0.3 ? null : pick(random, INJECTING_STATUSES),
        hepbStatus: random() < 0.3 ? null : pick(random, HEPB_STATUSES),
        hepcTestedOn: random() < 0.6 ? null : addDays(triage, int(random, 0, 200)),
      };
      yield episode;
      const after = discharge ?? triage;
      const gap = pick(random, [0, 1, 30, 90, 183, 184, 365, 366, int(random, -60, 600)]);
      triage = addDays(after, gap);
    }
  }
}

function randomSubstances(random: () => number): Substance[] {
  const roll = random();
  if (roll < 0.3) return ["alcohol"];
  if (roll < 0.55) return ["opiate"];
  if (roll < 0.7) return ["opiate", "crack"];
  if (roll < 0.8) return ["cannabis"];
  if (roll < 0.9) return ["cocaine", "alcohol"];
  return SUBSTANCES.filter((s) => s !== "other-drug" && random() < 0.2).concat(["other-drug"]);
}

/** Stays, one per row. */
export function* generateSpStays(options: SeededOptions): Generator<SpStay & { readonly clientRef: string }> {
  const random = seededRandom(options.seed);
  const providers = providersOf(options);
  const from = options.from ?? "2022-04-01";
  const span = daysBetween(from, options.to ?? "2025-03-31");
  const clients = options.clients ?? Math.ceil(options.rows / 1.5);
  for (let i = 0; i < options.rows; i++) {
    const startDate = addDays(from, int(random, 0, span));
    const endDate = random() < 0.3 ? null : addDays(startDate, int(random, 0, 700));
    const needs = OUTCOME_CODES.filter(() => random() < 0.25);
    const clientRef = `C${String(int(random, 0, clients - 1)).padStart(7, "0")}`;
    yield {
      stayId: `S${String(i).padStart(8, "0")}`,
      clientRef,
      clientHash: clientRef,
      providerCode: pick(random, providers),
      serviceType: random() < 0.6 ? "short-term" : "long-term",
      startDate,
      endDate,
      departure: endDate === null ? null : pick(random, DEPARTURES),
      accommodation: pick(random, ACCOMMODATIONS),
      needs,
      achieved: needs.filter(() => random() < 0.6),
    };
  }
}

/** Referrals, one per row. */
export function* generateHiaReferrals(
  options: SeededOptions,
): Generator<HiaReferral & { readonly clientRef: string }> {
  const random = seededRandom(options.seed);
  const providers = providersOf(options);
  const from = options.from ?? "2022-04-01";
  const span = daysBetween(from, options.to ?? "2025-03-31");
  const clients = options.clients ?? options.rows;
  for (let i = 0; i < options.rows; i++) {
    const referralDate = addDays(from, int(random, 0, span));
    const clientRef = `C${String(int(random, 0, clients - 1)).padStart(7, "0")}`;
    yield {
      referralId: `R${String(i).padStart(8, "0")}`,
      clientRef,
      clientHash: clientRef,
      providerCode: pick(random, providers),
      service: pick(random, HIA_SERVICES),
      referralDate,
      contactedOn: random() < 0.1 ? null : addDays(referralDate, int(random, 0, 5)),
      visitedOn: random() < 0.2 ? null : addWorkingDays(referralDate, int(random, 1, 15)),
    };
  }
}

// ---------------------------------------------------------------------------------------------------
// CSV records (docs/indicators.md column names; empty cell = no value)
// ---------------------------------------------------------------------------------------------------

export const TREATMENT_COLUMNS = [
  "episode_id",
  "client_ref",
  "provider_code",
  "date_of_birth",
  "triage_date",
  "discharge_date",
  "discharge_reason",
  "substances",
  "referral_source",
  "injecting_status",
  "hepb_status",
  "hepc_tested_on",
] as const;

/**
 * A date of birth giving exactly `age` whole years at `triageDate` (the birthday falls on the triage
 * date), for parsed rows that kept only the age.
 */
export function dateOfBirthFor(age: number, triageDate: IsoDate): IsoDate {
  return addMonthsClamped(triageDate, -12 * age);
}

/**
 * The CSV record of an episode. Rows from the fast-check arbitraries carry only the stored fields:
 * `client_ref` is then their `clientHash`, and the date of birth one that gives their `ageAtTriage`.
 */
export function treatmentCsvRecord(
  e: TreatmentEpisode & { readonly clientRef?: string; readonly dateOfBirth?: IsoDate },
): Record<(typeof TREATMENT_COLUMNS)[number], string> {
  return {
    episode_id: e.episodeId,
    client_ref: e.clientRef ?? e.clientHash,
    provider_code: e.providerCode,
    date_of_birth: e.dateOfBirth ?? dateOfBirthFor(e.ageAtTriage, e.triageDate),
    triage_date: e.triageDate,
    discharge_date: e.dischargeDate ?? "",
    discharge_reason: e.dischargeReason ?? "",
    substances: e.substances.join(";"),
    referral_source: e.referralSource,
    injecting_status: e.injectingStatus ?? "",
    hepb_status: e.hepbStatus ?? "",
    hepc_tested_on: e.hepcTestedOn ?? "",
  };
}

export const SP_COLUMNS = [
  "stay_id",
  "client_ref",
  "provider_code",
  "service_type",
  "start_date",
  "end_date",
  "departure",
  "accommodation",
  "needs",
  "achieved",
] as const;

export function spCsvRecord(
  s: SpStay & { readonly clientRef?: string },
): Record<(typeof SP_COLUMNS)[number], string> {
  return {
    stay_id: s.stayId,
    client_ref: s.clientRef ?? s.clientHash,
    provider_code: s.providerCode,
    service_type: s.serviceType,
    start_date: s.startDate,
    end_date: s.endDate ?? "",
    departure: s.departure ?? "",
    accommodation: s.accommodation,
    needs: s.needs.join(";"),
    achieved: s.achieved.join(";"),
  };
}

export const HIA_COLUMNS = [
  "referral_id",
  "client_ref",
  "provider_code",
  "service",
  "referral_date",
  "contacted_on",
  "visited_on",
] as const;

export function hiaCsvRecord(
  r: HiaReferral & { readonly clientRef?: string },
): Record<(typeof HIA_COLUMNS)[number], string> {
  return {
    referral_id: r.referralId,
    client_ref: r.clientRef ?? r.clientHash,
    provider_code: r.providerCode,
    service: r.service,
    referral_date: r.referralDate,
    contacted_on: r.contactedOn ?? "",
    visited_on: r.visitedOn ?? "",
  };
}
