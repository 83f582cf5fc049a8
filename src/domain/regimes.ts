import { compareDates, type BankHolidayArea, type IsoDate } from "./dates.js";
import { isOneOf } from "./codes.js";

/**
 * The procurement regimes as dated data (docs/rules.md, "Regimes"). The framework was written under the
 * Public Contracts Regulations 2006; the same cycle runs today under the Procurement Act 2023, and for
 * health care services possibly under the Provider Selection Regime. A regime is chosen per
 * procurement: by default the one in force on the day it starts (`regimeInForceOn`); the Provider
 * Selection Regime only when asked for.
 *
 * Every value carries the words of docs/rules.md it comes from (`rulesText`), the paragraph or legislation
 * cited (`source`), and, where docs/rules.md marks it "(check)" or we had to choose a reading, `check` or
 * `note` saying what. Money is integer pence; dates are ISO `YYYY-MM-DD`, inclusive.
 */

export const REGIME_CODES = ["PCR2006", "PCR2015", "PA2023", "PSR"] as const;
export type RegimeCode = (typeof REGIME_CODES)[number];

export interface Sourced {
  /** The words of docs/rules.md this value comes from. */
  rulesText: string;
  /** The framework paragraph (§) or legislation cited. */
  source: string;
  /** Set when docs/rules.md marks the item "(check)", or the value needs confirming: what to confirm. */
  check?: string;
  /** A reading we chose or a discrepancy worth knowing. */
  note?: string;
}

export type ThresholdKind = "part-b-services" | "light-touch" | "goods-and-services";

export interface Threshold extends Sourced {
  kind: ThresholdKind;
  label: string;
  valuePence: number;
  vat: "net" | "incl-vat";
  from: IsoDate;
  /** Last day it applies; without it, it applies until a later value of the same kind replaces it. */
  to?: IsoDate;
  /** The threshold the framework's services (health and social, housing-related support) are held to. */
  forTheseServices: boolean;
}

export interface StandstillRule extends Sourced {
  dayKind: "calendar" | "working";
  days: number;
  /** PCR: 15 calendar days when the notices are sent by other than electronic means. */
  otherMeansDays?: number;
  /**
   * How the count starts: `after-day-sent` (day 1 is the day after the notices are sent),
   * `beginning-with-day-published` (the day the notice is published is day 1 if it is a working day),
   * `from-day-after-published` (day 1 is the first working day after the day of publication).
   */
  counting: "after-day-sent" | "beginning-with-day-published" | "from-day-after-published";
  /** What starts it, in words. */
  startsWith: string;
  /** How it ends, in words. */
  endsWith: string;
  /** PCR: a last day that is not a working day moves to the end of the next working day. */
  lastDayMovesToNextWorkingDay: boolean;
  /** Whether the standstill binds a contract for these (light touch, Part B) services. */
  mandatoryForTheseServices: "yes" | "no" | "unclear";
  mandatoryNote: string;
}

export interface WorkingDayRule extends Sourced {
  area: BankHolidayArea;
  /** Which bank holidays count, in words. */
  areaLabel: string;
  text: string;
}

export interface Duty extends Sourced {
  code: string;
  text: string;
}

export interface Regime {
  code: RegimeCode;
  name: string;
  shortName: string;
  /** The first day a procurement may start under it. */
  appliesFrom: IsoDate;
  /** The last day a procurement may start under it. */
  appliesTo?: IsoDate;
  applies: Sourced;
  /** Never picked by date: a procurement uses it only when someone chooses it (PSR). */
  chosenOnly: boolean;
  /** One or two sentences for the rules page. */
  summary: string;
  services: Sourced & { text: string };
  thresholds: Threshold[];
  /** The kind of threshold a contract that is not light touch (or Part B) is held to. */
  otherServicesThreshold?: ThresholdKind;
  /** Why there is no threshold, for a regime that has none. */
  noThreshold?: Sourced & { text: string };
  standstill: StandstillRule;
  workingDay: WorkingDayRule;
  awardPublication: Duty[];
  otherDuties: Duty[];
}

const WORKING_DAY_E_AND_W =
  "not Saturday, Sunday, Christmas Day, Good Friday or an England and Wales bank holiday";

const PCR_STANDSTILL_TEXT =
  "10 calendar days after the notices are sent electronically (15 by other means), ending at midnight at the end of the last day; a last day that is not a working day moves to the end of the next working day; App C 7: at least 10 calendar days";

/**
 * PCR 2006: Part B services followed the services threshold for sub-central authorities, revised every
 * two years on 1 January (docs/rules.md, regimes). Each figure applies from its date to the day before
 * the next, the last to the regime's end (25 February 2015); every in-force day has one.
 */
type DatedFigure = Pick<Threshold, "from" | "valuePence" | "rulesText"> & Partial<Threshold>;

const PCR2006_THRESHOLDS: Threshold[] = (
  [
    {
      from: "2006-01-31",
      to: "2007-12-31",
      valuePence: 14_437_100,
      rulesText: "£144,371 from 31 Jan 2006 (check)",
      check: "The services threshold for sub-central authorities from 31 January 2006, £144,371.",
    },
    {
      from: "2008-01-01",
      to: "2009-12-31",
      valuePence: 13_989_300,
      rulesText: "£139,893 from 1 Jan 2008 (check)",
      check: "The services threshold for sub-central authorities from 1 January 2008, £139,893.",
    },
    { from: "2010-01-01", to: "2011-12-31", valuePence: 15_644_200, rulesText: "£156,442 from 1 Jan 2010" },
    {
      from: "2012-01-01",
      to: "2013-12-31",
      valuePence: 17_393_400,
      rulesText: "£173,934 from 1 Jan 2012 (the framework quotes £173,935)",
      source: "§3.13; PCR 2006 reg 8",
      note: "The framework (§3.13) quotes £173,935; the regulations' figure, £173,934, is the one held.",
    },
    { from: "2014-01-01", to: "2015-02-25", valuePence: 17_251_400, rulesText: "£172,514 from 1 Jan 2014" },
  ] satisfies DatedFigure[]
).map((t): Threshold => ({
  kind: "part-b-services",
  label: "Services threshold for sub-central authorities",
  vat: "net",
  forTheseServices: true,
  source: "PCR 2006 reg 8",
  ...t,
}));

/**
 * PCR 2015: the light touch threshold (docs/rules.md, regimes), revised every two years on 1 January;
 * from 1 January 2022 it includes VAT. The last figure applies to the regime's end (23 February 2025).
 */
const PCR2015_THRESHOLDS: Threshold[] = (
  [
    { from: "2015-02-26", to: "2015-12-31", valuePence: 62_505_000, rulesText: "£625,050 from 26 Feb 2015" },
    { from: "2016-01-01", to: "2017-12-31", valuePence: 58_914_800, rulesText: "£589,148 from 1 Jan 2016" },
    { from: "2018-01-01", to: "2019-12-31", valuePence: 61_527_800, rulesText: "£615,278 from 1 Jan 2018" },
    { from: "2020-01-01", to: "2021-12-31", valuePence: 66_354_000, rulesText: "£663,540 from 1 Jan 2020" },
    {
      from: "2022-01-01",
      to: "2025-02-23",
      valuePence: 66_354_000,
      vat: "incl-vat",
      rulesText: "£663,540 incl. VAT from 1 Jan 2022",
    },
  ] satisfies DatedFigure[]
).map((t): Threshold => ({
  kind: "light-touch",
  label: "Light touch threshold",
  vat: "net",
  forTheseServices: true,
  source: "PCR 2015 reg 5",
  ...t,
}));

export const REGIMES: readonly Regime[] = [
  {
    code: "PCR2006",
    name: "Public Contracts Regulations 2006",
    shortName: "PCR 2006",
    appliesFrom: "2006-01-31",
    appliesTo: "2015-02-25",
    applies: {
      rulesText: "31 Jan 2006 – 25 Feb 2015",
      source: "PCR 2006 (commencement); PCR 2015 (revocation)",
    },
    chosenOnly: false,
    summary:
      "The regulations the framework was written under (§3.12). Health and social services were Part B services: no full OJEU procedure, but a 10 calendar day standstill after the letters to bidders.",
    services: {
      text: "Part B (health and social services): no full OJEU procedure",
      rulesText: "Part B (health and social services): no full OJEU procedure (§3.13)",
      source: "§3.13",
    },
    thresholds: PCR2006_THRESHOLDS,
    otherServicesThreshold: "part-b-services",
    standstill: {
      dayKind: "calendar",
      days: 10,
      otherMeansDays: 15,
      counting: "after-day-sent",
      startsWith: "the day the letters to bidders are sent",
      endsWith:
        "midnight at the end of the 10th calendar day after they are sent electronically (15th by other means); a last day that is not a working day moves to the end of the next working day",
      lastDayMovesToNextWorkingDay: true,
      mandatoryForTheseServices: "yes",
      mandatoryNote: "App C 7: no further action on the procurement for at least 10 calendar days (§3.16).",
      rulesText: PCR_STANDSTILL_TEXT,
      source: "PCR 2006 reg 32A; §3.16; App C 7",
    },
    workingDay: {
      area: "england-and-wales",
      areaLabel: "England and Wales",
      text: WORKING_DAY_E_AND_W,
      rulesText: WORKING_DAY_E_AND_W,
      source: "PCR 2006 reg 2",
    },
    awardPublication: [
      {
        code: "CONTRACT_AWARD_NOTICE",
        text: "Contract award notice within 48 days of award where required",
        rulesText: "contract award notice within 48 days of award where required (App C 8)",
        source: "App C 8",
      },
    ],
    otherDuties: [],
  },
  {
    code: "PCR2015",
    name: "Public Contracts Regulations 2015",
    shortName: "PCR 2015",
    appliesFrom: "2015-02-26",
    appliesTo: "2025-02-23",
    applies: {
      rulesText: "26 Feb 2015 – 23 Feb 2025",
      source: "PCR 2015 (commencement); PA 2023 (commencement)",
    },
    chosenOnly: false,
    summary:
      "Replaced PCR 2006. Health and social services come under the light touch regime above its threshold; the 10 calendar day standstill is the same as in PCR 2006.",
    services: {
      text: "Light touch regime",
      rulesText: "light touch regime",
      source: "PCR 2015 regs 74–77",
    },
    thresholds: PCR2015_THRESHOLDS,
    otherServicesThreshold: "goods-and-services",
    standstill: {
      dayKind: "calendar",
      days: 10,
      otherMeansDays: 15,
      counting: "after-day-sent",
      startsWith: "the day the letters to bidders are sent",
      endsWith:
        "midnight at the end of the 10th calendar day after they are sent electronically (15th by other means); a last day that is not a working day moves to the end of the next working day",
      lastDayMovesToNextWorkingDay: true,
      mandatoryForTheseServices: "unclear",
      mandatoryNote:
        "Whether the standstill is mandatory for light touch contracts is unclear (check); App C 7 keeps at least 10 calendar days.",
      rulesText:
        "same as PCR 2006 (reg 87); whether it is mandatory for light touch contracts is unclear (check)",
      source: "PCR 2015 reg 87; App C 7",
      check: "Whether the standstill is mandatory for light touch contracts.",
    },
    workingDay: {
      area: "england-and-wales",
      areaLabel: "England and Wales",
      text: WORKING_DAY_E_AND_W,
      rulesText: "same (as PCR 2006)",
      source: "PCR 2015 reg 2",
    },
    awardPublication: [
      {
        code: "CONTRACT_AWARD_NOTICE",
        text: "Contract award notice within 30 days of award",
        rulesText: "contract award notice within 30 days",
        source: "PCR 2015 regs 50, 75",
      },
      {
        code: "CONTRACTS_FINDER",
        text: "Contracts Finder above £25,000 net (to 31 Dec 2021), £30,000 incl. VAT from 2022",
        rulesText: "Contracts Finder above £25,000 net (to 31 Dec 2021), £30,000 incl. VAT from 2022",
        source: "PCR 2015 Part 4",
        note: "Read as 'at or above' the figure, as thresholds are; see CONTRACTS_FINDER_FROM.",
      },
    ],
    otherDuties: [],
  },
  {
    code: "PA2023",
    name: "Procurement Act 2023",
    shortName: "PA 2023",
    appliesFrom: "2025-02-24",
    applies: { rulesText: "from 24 Feb 2025", source: "PA 2023 (commencement)" },
    chosenOnly: false,
    summary:
      "In force for procurements started from 24 February 2025. These services are light touch contracts; the standstill counts 8 working days, and more is published: a contract award notice before signing, a contract details notice after.",
    services: {
      text: "Light touch contracts",
      rulesText: "light touch contracts",
      source: "PA 2023 s.9",
    },
    thresholds: [
      {
        kind: "light-touch",
        label: "Light touch threshold",
        valuePence: 66_354_000,
        vat: "incl-vat",
        from: "2025-02-24",
        forTheseServices: true,
        rulesText: "light touch £663,540 incl. VAT",
        source: "PA 2023 Sch 1",
      },
      {
        kind: "goods-and-services",
        label: "Goods and services threshold for sub-central authorities",
        valuePence: 21_490_400,
        vat: "incl-vat",
        from: "2025-02-24",
        to: "2025-12-31",
        forTheseServices: false,
        rulesText: "goods and services for sub-central authorities £214,904",
        source: "PA 2023 Sch 1",
      },
      {
        kind: "goods-and-services",
        label: "Goods and services threshold for sub-central authorities",
        valuePence: 20_772_000,
        vat: "incl-vat",
        from: "2026-01-01",
        forTheseServices: false,
        rulesText: "then £207,720 incl. VAT for procurements from 1 Jan 2026",
        source: "PA 2023 Sch 1",
      },
    ],
    otherServicesThreshold: "goods-and-services",
    standstill: {
      dayKind: "working",
      days: 8,
      counting: "beginning-with-day-published",
      startsWith: "the day the contract award notice is published",
      endsWith:
        "midnight at the end of the 8th working day, counting the day of publication if it is a working day",
      lastDayMovesToNextWorkingDay: false,
      mandatoryForTheseServices: "no",
      mandatoryNote:
        "Not mandatory for light touch contracts, which may use a voluntary standstill; the dates shown are those of an 8 working day standstill.",
      rulesText:
        "8 working days beginning with the day the contract award notice is published (s.51); not mandatory for light touch contracts, which may use a voluntary one",
      source: "PA 2023 s.51",
      note: "'Beginning with' the day of publication: that day is the first of the 8 when it is a working day, whatever the time of publication; published on a day that is not a working day, the count begins with the next working day.",
    },
    workingDay: {
      area: "any-part-of-uk",
      areaLabel: "any part of the UK",
      text: "not Saturday, Sunday, Christmas Day, Good Friday or a bank holiday in any part of the UK",
      rulesText:
        "not Saturday, Sunday, Christmas Day, Good Friday or a bank holiday in any part of the UK (s.123, check)",
      source: "PA 2023 s.123",
      check: "The definition of a working day in s.123.",
    },
    awardPublication: [
      {
        code: "CONTRACT_AWARD_NOTICE",
        text: "Contract award notice before signing (it starts the standstill)",
        rulesText: "contract award notice before signing (starts standstill)",
        source: "PA 2023 s.50",
      },
      {
        code: "CONTRACT_DETAILS_NOTICE",
        text: "Contract details notice after signing (within 30 days)",
        rulesText: "contract details notice after signing (within 30 days, check)",
        source: "PA 2023 s.53",
        check: "The 30 day period for the contract details notice.",
      },
      {
        code: "BELOW_THRESHOLD_CONTRACT_DETAILS_NOTICE",
        text: "Below-threshold contract details notice above £30,000 incl. VAT",
        rulesText: "below-threshold contract details notice above £30,000 incl. VAT",
        source: "PA 2023 s.87",
        note: "Read as 'at or above' £30,000, as thresholds are.",
      },
    ],
    otherDuties: [
      {
        code: "CONFLICTS_ASSESSMENT",
        text: "Conflicts assessment before the tender notice",
        rulesText: "conflicts assessment before the tender notice (s.83)",
        source: "PA 2023 s.83",
      },
      {
        code: "KPIS_PUBLISHED",
        text: "At least 3 KPIs published for contracts over £5m, not light touch",
        rulesText: "at least 3 KPIs published for contracts over £5m, not light touch (s.52)",
        source: "PA 2023 s.52",
      },
      {
        code: "CONTRACT_PERFORMANCE_NOTICE",
        text: "Contract performance notice at least every 12 months",
        rulesText: "contract performance notice at least every 12 months (s.71)",
        source: "PA 2023 s.71",
        note: "Read as going with the KPIs of s.52: the notice reports performance against them, so it is flagged only where KPIs are required.",
      },
      {
        code: "TERMINATION_NOTICE",
        text: "Termination notice within 30 days",
        rulesText: "termination notice within 30 days (s.80)",
        source: "PA 2023 s.80",
      },
    ],
  },
  {
    code: "PSR",
    name: "Provider Selection Regime 2023",
    shortName: "PSR",
    appliesFrom: "2024-01-01",
    applies: {
      rulesText:
        "health care services in England from 1 Jan 2024, including drug and alcohol treatment (check scope by service)",
      source: "Health Care Services (Provider Selection Regime) Regulations 2023",
      check: "Whether the service is in scope, by service.",
    },
    chosenOnly: true,
    summary:
      "For health care services in England from 1 January 2024, possibly including drug and alcohol treatment: its own routes instead of a tender, no threshold, and an 8 working day standstill from the day after the notice.",
    services: {
      text: "Its own routes: direct award A/B/C, most suitable provider, competitive",
      rulesText: "its own routes: direct award A/B/C, most suitable provider, competitive",
      source: "PSR",
    },
    thresholds: [],
    noThreshold: {
      text: "The Provider Selection Regime has no threshold.",
      rulesText: "none",
      source: "Provider Selection Regime",
    },
    standstill: {
      dayKind: "working",
      days: 8,
      counting: "from-day-after-published",
      startsWith: "the day after the notice is published",
      endsWith: "midnight at the end of the 8th working day after the day the notice is published",
      lastDayMovesToNextWorkingDay: false,
      mandatoryForTheseServices: "yes",
      mandatoryNote: "The standstill follows the notice of intention to award.",
      rulesText: "8 working days from the day after the notice is published",
      source: "PSR",
    },
    workingDay: {
      area: "england-and-wales",
      areaLabel: "England",
      text: "not Saturday, Sunday or an England bank holiday",
      rulesText: "England bank holidays",
      source: "PSR",
    },
    awardPublication: [
      {
        code: "PSR_NOTICES",
        text: "Notice of intention and award",
        rulesText: "notice of intention and award",
        source: "PSR",
      },
    ],
    otherDuties: [],
  },
];

/** SSP engagement is essential where the value exceeds or comes close to the threshold; close is 80%. */
export const SSP_CLOSE = {
  percent: 80,
  rulesText:
    'essential where the value exceeds or comes close to the regime threshold; "close" is 80% or more of it (our choice, held as data)',
  source: "§3.13",
} as const;

/** Contracts Finder publication under PCR 2015 (docs/rules.md, award publication), dated. */
export const CONTRACTS_FINDER_FROM: readonly {
  valuePence: number;
  vat: "net" | "incl-vat";
  from: IsoDate;
  to?: IsoDate;
}[] = [
  { valuePence: 2_500_000, vat: "net", from: "2015-02-26", to: "2021-12-31" },
  { valuePence: 3_000_000, vat: "incl-vat", from: "2022-01-01" },
];

/** PA 2023 below-threshold contract details notice (s.87): £30,000 including VAT. */
export const BELOW_THRESHOLD_NOTICE_FROM_PENCE = 3_000_000;

/** PA 2023 s.52: KPIs for contracts over £5,000,000, not light touch. */
export const KPIS_ABOVE_PENCE = 500_000_000;

export function isRegimeCode(value: string): value is RegimeCode {
  return isOneOf(REGIME_CODES, value);
}

export function getRegime(code: RegimeCode): Regime {
  const regime = REGIMES.find((r) => r.code === code);
  if (!regime) throw new RangeError(`no regime ${code}`);
  return regime;
}

/** True when a procurement starting on `date` may run under the regime (its dates, inclusive). */
export function appliesOn(code: RegimeCode, date: IsoDate): boolean {
  const regime = getRegime(code);
  if (compareDates(date, regime.appliesFrom) < 0) return false;
  return !regime.appliesTo || compareDates(date, regime.appliesTo) <= 0;
}

/**
 * The regime a procurement starting on `date` runs under by default: PCR 2006 from 31 January 2006,
 * PCR 2015 from 26 February 2015, the Procurement Act 2023 from 24 February 2025. The Provider
 * Selection Regime is never the default; it is chosen. Null before 31 January 2006.
 */
export function regimeInForceOn(date: IsoDate): RegimeCode | null {
  const found = REGIMES.find((r) => !r.chosenOnly && appliesOn(r.code, date));
  return found?.code ?? null;
}

/**
 * The value of a threshold on `date`: the latest of that kind that started on or before it and has
 * not ended. Null when no value is held for that date (docs/rules.md holds only the values it states).
 */
export function thresholdOn(
  code: RegimeCode,
  date: IsoDate,
  kind: ThresholdKind | "for-these-services" = "for-these-services",
): Threshold | null {
  const candidates = getRegime(code)
    .thresholds.filter((t) => (kind === "for-these-services" ? t.forTheseServices : t.kind === kind))
    .filter((t) => compareDates(t.from, date) <= 0)
    .sort((a, b) => compareDates(b.from, a.from));
  const latest = candidates[0];
  if (!latest) return null;
  if (latest.to && compareDates(date, latest.to) > 0) return null;
  return latest;
}

/** The Contracts Finder figure on `date` (PCR 2015), or null before PCR 2015. */
export function contractsFinderOn(date: IsoDate) {
  return (
    CONTRACTS_FINDER_FROM.find(
      (c) => compareDates(c.from, date) <= 0 && (!c.to || compareDates(date, c.to) <= 0),
    ) ?? null
  );
}
