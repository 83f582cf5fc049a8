import type { Db } from "../src/db/client.js";
import { datasets, hiaReferrals, spStays, treatmentEpisodes } from "../src/db/schema/indicators.js";
import type { IndicatorDataset } from "../src/domain/indicators/reference.js";
import { markUnaudited } from "../src/modules/audit/service.js";

const BATCH = 500;

function batches<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += BATCH) out.push(rows.slice(i, i + BATCH));
  return out;
}

/**
 * The rows of a dataset straight into the tables, under one dataset row per kind, as the importer
 * stores them (for tests of the indicator SQL, which need no file).
 */
export async function loadIndicatorData(db: Db, data: IndicatorDataset): Promise<void> {
  const dataset = async (kind: "treatment-journeys" | "sp-outcomes" | "hia-activity", rows: number) => {
    const [row] = await db.transaction(async (tx) => {
      await markUnaudited(tx, "test fixture");
      return tx
        .insert(datasets)
        .values({
          kind,
          fileName: `${kind}.csv`,
          sha256: "0".repeat(64),
          bytes: 0,
          rows,
          activeRows: rows,
          periodStart: "2020-01-01",
          periodEnd: "2030-01-01",
          keyId: "test",
          uploadedByLabel: "test",
        })
        .returning({ id: datasets.id });
    });
    if (!row) throw new Error("no dataset row");
    return row.id;
  };
  if (data.treatmentEpisodes.length) {
    const datasetId = await dataset("treatment-journeys", data.treatmentEpisodes.length);
    for (const part of batches(data.treatmentEpisodes.map((e, i) => ({ e, line: i + 2 }))))
      await db.insert(treatmentEpisodes).values(
        part.map(({ e, line }) => ({
          datasetId,
          line,
          clientHash: e.clientHash,
          providerCode: e.providerCode,
          episodeId: e.episodeId,
          ageAtTriage: e.ageAtTriage,
          triageDate: e.triageDate,
          dischargeDate: e.dischargeDate,
          dischargeReason: e.dischargeReason,
          substances: [...e.substances],
          referralSource: e.referralSource,
          injectingStatus: e.injectingStatus,
          hepbStatus: e.hepbStatus,
          hepcTestedOn: e.hepcTestedOn,
        })),
      );
  }
  if (data.spStays.length) {
    const datasetId = await dataset("sp-outcomes", data.spStays.length);
    for (const part of batches(data.spStays.map((s, i) => ({ s, line: i + 2 }))))
      await db.insert(spStays).values(
        part.map(({ s, line }) => ({
          datasetId,
          line,
          clientHash: s.clientHash,
          providerCode: s.providerCode,
          stayId: s.stayId,
          serviceType: s.serviceType,
          startDate: s.startDate,
          endDate: s.endDate,
          departure: s.departure,
          accommodation: s.accommodation,
          needs: [...s.needs],
          achieved: [...s.achieved],
        })),
      );
  }
  if (data.hiaReferrals.length) {
    const datasetId = await dataset("hia-activity", data.hiaReferrals.length);
    for (const part of batches(data.hiaReferrals.map((r, i) => ({ r, line: i + 2 }))))
      await db.insert(hiaReferrals).values(
        part.map(({ r, line }) => ({
          datasetId,
          line,
          clientHash: r.clientHash,
          providerCode: r.providerCode,
          referralId: r.referralId,
          service: r.service,
          referralDate: r.referralDate,
          contactedOn: r.contactedOn,
          visitedOn: r.visitedOn,
        })),
      );
  }
}
