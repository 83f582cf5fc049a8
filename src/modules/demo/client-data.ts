import { Readable } from "node:stream";
import { addMonthsClamped, type IsoDate } from "../../domain/dates.js";
import type { Actor } from "../../domain/policy.js";
import type { Services } from "../../services.js";
import type { DatasetKind } from "../datasets/service.js";
import {
  HIA_COLUMNS,
  SP_COLUMNS,
  TREATMENT_COLUMNS,
  generateHiaReferrals,
  generateSpStays,
  generateTreatmentEpisodes,
  hiaCsvRecord,
  spCsvRecord,
  treatmentCsvRecord,
} from "./generator.js";

/**
 * The demo providers' client-level data (docs/indicators.md): eighteen months up to today, so every
 * indicator has a year of figures for its period, made by the seeded generator and imported through
 * the same use case as a provider's upload (checked, pseudonymised, audited). Who delivers what follows
 * DEMO_ORGANISATIONS: treatment by the drug and alcohol services, housing-related support and home
 * improvement by the housing providers. Nothing is dated after today.
 */

const TREATMENT_PROVIDERS = ["P001", "P003", "P004"];
const SUPPORT_PROVIDERS = ["P002", "P005", "P006"];
const HIA_PROVIDERS = ["P002", "P005"];

/** Rows per file: enough for figures above the suppression of small counts, quick to load at first start. */
const DEMO_ROWS = { treatment: 1200, support: 600, hia: 400 } as const;

const notAfter = (date: IsoDate | null, today: IsoDate) => (date !== null && date > today ? null : date);

function treatmentCsv(from: IsoDate, today: IsoDate): string[] {
  const episodes = generateTreatmentEpisodes({
    seed: 2013,
    rows: DEMO_ROWS.treatment,
    providerCodes: TREATMENT_PROVIDERS,
    from,
    to: today,
  });
  const lines: string[] = [];
  for (const e of episodes) {
    if (e.triageDate > today) continue;
    const dischargeDate = notAfter(e.dischargeDate, today);
    const record = treatmentCsvRecord({
      ...e,
      dischargeDate,
      dischargeReason: dischargeDate === null ? null : e.dischargeReason,
      hepcTestedOn: notAfter(e.hepcTestedOn, today),
    });
    lines.push(TREATMENT_COLUMNS.map((c) => record[c]).join(","));
  }
  return [TREATMENT_COLUMNS.join(","), ...lines];
}

function supportCsv(from: IsoDate, today: IsoDate): string[] {
  const stays = generateSpStays({
    seed: 2014,
    rows: DEMO_ROWS.support,
    providerCodes: SUPPORT_PROVIDERS,
    from,
    to: today,
  });
  const lines: string[] = [];
  for (const s of stays) {
    const endDate = notAfter(s.endDate, today);
    const record = spCsvRecord({ ...s, endDate, departure: endDate === null ? null : s.departure });
    lines.push(SP_COLUMNS.map((c) => record[c]).join(","));
  }
  return [SP_COLUMNS.join(","), ...lines];
}

function hiaCsv(from: IsoDate, today: IsoDate): string[] {
  const referrals = generateHiaReferrals({
    seed: 2015,
    rows: DEMO_ROWS.hia,
    providerCodes: HIA_PROVIDERS,
    from,
    to: today,
  });
  const lines: string[] = [];
  for (const r of referrals) {
    const record = hiaCsvRecord({
      ...r,
      contactedOn: notAfter(r.contactedOn, today),
      visitedOn: notAfter(r.visitedOn, today),
    });
    lines.push(HIA_COLUMNS.map((c) => record[c]).join(","));
  }
  return [HIA_COLUMNS.join(","), ...lines];
}

async function importCsv(services: Services, actor: Actor, kind: DatasetKind, lines: string[]) {
  await services.datasets.importFile(actor, {
    kind,
    fileName: `demo-${kind}.csv`,
    input: Readable.from([`${lines.join("\n")}\n`]),
    replace: false,
  });
}

/** Imports the three files as `actor` would upload them. */
export async function loadDemoClientData(services: Services, actor: Actor): Promise<void> {
  const today = services.clock.today();
  const from = addMonthsClamped(today, -18);
  await importCsv(services, actor, "treatment-journeys", treatmentCsv(from, today));
  await importCsv(services, actor, "sp-outcomes", supportCsv(from, today));
  await importCsv(services, actor, "hia-activity", hiaCsv(from, today));
}
