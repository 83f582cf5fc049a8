import fc from "fast-check";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PERIOD_ENDS,
  episode,
  hiaReferralsArb,
  indicatorDatasetArb,
  referral,
  spStaysArb,
  stay,
  treatmentEpisodesArb,
  type GeneratedDataset,
} from "../../../test/generators/indicators.js";
import { createTestDatabase } from "../../../test/helpers.js";
import { asFixture } from "../../../test/helpers.js";
import { loadIndicatorData } from "../../../test/indicator-data.js";
import type { Database } from "../../db/client.js";
import { datasets, hiaReferrals, spStays, treatmentEpisodes } from "../../db/schema/indicators.js";
import { indicatorDefinition, type Framework } from "../../domain/indicators/definitions.js";
import {
  computeReference,
  type IndicatorDataset,
  type IndicatorResult,
  type ReferenceOptions,
} from "../../domain/indicators/reference.js";
import { computeIndicators, FRAMEWORKS } from "./service.js";

/**
 * The acceptance test of the SQL: on random datasets whose dates sit on the
 * definitions' edges, every indicator from SQL, per provider and for all providers, equals the
 * reference implementation (domain/indicators/reference.ts), which is written separately, in plain
 * TypeScript over the parsed rows. One database for the file; the tables are emptied between runs.
 */

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.close());

async function clear(): Promise<void> {
  const db = database.db;
  await asFixture(db, async (tx) => {
    await tx.execute(sql`DELETE FROM ${treatmentEpisodes}`);
    await tx.execute(sql`DELETE FROM ${spStays}`);
    await tx.execute(sql`DELETE FROM ${hiaReferrals}`);
    await tx.execute(sql`DELETE FROM ${datasets}`);
  });
}

/** The rows straight into emptied tables. */
async function load(data: IndicatorDataset): Promise<void> {
  await clear();
  await loadIndicatorData(database.db, data);
}

const frameworkOf = (r: IndicatorResult): Framework => {
  const definition = indicatorDefinition(r.code);
  if (!definition) throw new Error(`unknown code ${r.code}`);
  return definition.framework;
};

/**
 * Loads the data, then for each framework: all results (all providers and every provider), and each
 * provider on its own, must equal the reference's.
 */
async function expectSqlEqualsReference(
  data: IndicatorDataset,
  periodEnd: string,
  options: ReferenceOptions = {},
): Promise<void> {
  await load(data);
  const expected = computeReference(data, periodEnd, options);
  for (const framework of FRAMEWORKS) {
    const want = expected.filter((r) => frameworkOf(r) === framework);
    const got = await computeIndicators(database.db, {
      framework,
      periodEnd,
      ...(options.period ? { period: options.period } : {}),
    });
    expect(got, `framework ${framework}, period end ${periodEnd}`).toEqual(want);
    const providers = [...new Set(want.map((r) => r.providerCode))].filter((p): p is string => p !== null);
    for (const providerCode of providers) {
      const one = await computeIndicators(database.db, {
        framework,
        periodEnd,
        providerCode,
        ...(options.period ? { period: options.period } : {}),
      });
      expect(one, `framework ${framework}, provider ${providerCode}`).toEqual(
        want.filter((r) => r.providerCode === providerCode),
      );
    }
  }
}

const periodOptionsArb: fc.Arbitrary<ReferenceOptions> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.record({
      period: fc.record({
        B: fc.constantFrom("quarter" as const, "12-months" as const),
        HIA: fc.constantFrom("quarter" as const, "12-months" as const),
      }),
    }),
  },
);

describe("SQL = reference", () => {
  it("for every indicator, per provider and for all providers, on random datasets", async () => {
    await fc.assert(
      fc.asyncProperty(
        indicatorDatasetArb(),
        periodOptionsArb,
        async (generated: GeneratedDataset, options) => {
          await expectSqlEqualsReference(generated.data, generated.periodEnd, options);
        },
      ),
      { numRuns: 30 },
    );
  }, 240_000);

  it("with larger datasets: more clients, more episodes each", async () => {
    await fc.assert(
      fc.asyncProperty(
        indicatorDatasetArb({ maxRows: 60, maxEpisodes: 6, providers: ["P1", "P2", "P3", "P4"] }),
        async (generated) => {
          await expectSqlEqualsReference(generated.data, generated.periodEnd);
        },
      ),
      { numRuns: 6 },
    );
  }, 240_000);

  // The period ends whose edges matter most (financial year end, 30 June, 30 August → end of
  // February, leap years, Christmas, early April, Easter Monday), each from fixed seeds.
  it.each(PERIOD_ENDS.map((end, i) => [end, 20_250_331 + i] as const))(
    "on the edges of period end %s (seed %i)",
    async (periodEnd, seed) => {
      const arb = fc.record({
        treatmentEpisodes: treatmentEpisodesArb(periodEnd, { maxRows: 20 }),
        spStays: spStaysArb(periodEnd),
        hiaReferrals: hiaReferralsArb(periodEnd),
      });
      await fc.assert(
        fc.asyncProperty(arb, async (data) => {
          await expectSqlEqualsReference(data, periodEnd);
        }),
        { numRuns: 3, seed },
      );
    },
    120_000,
  );

  it("on an empty database: zeros and nulls for all providers, and no provider rows", async () => {
    await expectSqlEqualsReference({ treatmentEpisodes: [], spStays: [], hiaReferrals: [] }, "2025-03-31");
    const results = await computeIndicators(database.db, { framework: "A", periodEnd: "2025-03-31" });
    expect(results.map((r) => r.providerCode)).toEqual(results.map(() => null));
    expect(results.find((r) => r.code === "SM03")?.value).toBeNull();
  });

  it("on hand-written edges: 31 August + 6 months, re-presentation a day late, young exits, Easter working days", async () => {
    const periodEnd = "2025-08-30"; // S = 2024-08-31; S + 6 months = 2025-02-28
    const data: IndicatorDataset = {
      treatmentEpisodes: [
        // Completes on S; returns exactly 6 months later (re-presented) …
        episode({
          episodeId: "a1",
          clientHash: "c1",
          triageDate: "2024-03-01",
          dischargeDate: "2024-08-31",
          dischargeReason: "completed-drug-free",
          referralSource: "criminal-justice",
        }),
        episode({ episodeId: "a2", clientHash: "c1", triageDate: "2025-02-28", providerCode: "P2" }),
        // … and one who returns a day after that (not re-presented within 6 months).
        episode({
          episodeId: "b1",
          clientHash: "c2",
          triageDate: "2024-03-01",
          dischargeDate: "2024-08-31",
          dischargeReason: "completed-occasional-user",
          referralSource: "criminal-justice",
        }),
        episode({ episodeId: "b2", clientHash: "c2", triageDate: "2025-03-01" }),
        // Successful reason, but another episode open elsewhere on the day: not successful.
        episode({
          episodeId: "c1",
          clientHash: "c3",
          triageDate: "2024-10-01",
          dischargeDate: "2025-01-10",
          dischargeReason: "completed-alcohol-free",
          substances: ["alcohol"],
        }),
        episode({
          episodeId: "c2",
          clientHash: "c3",
          triageDate: "2025-01-10",
          providerCode: "P2",
          ageAtTriage: 17,
        }),
        // Turns 18 between episodes: a young person's exit and an adult episode.
        episode({
          episodeId: "d1",
          clientHash: "c4",
          triageDate: "2024-09-01",
          ageAtTriage: 17,
          dischargeDate: "2024-12-01",
          dischargeReason: "transferred-to-adult-services",
        }),
        episode({
          episodeId: "d2",
          clientHash: "c4",
          triageDate: "2024-12-02",
          ageAtTriage: 18,
          hepbStatus: "offered-accepted",
        }),
        // Young people's exits: one who died (left out of SM12), one transferred into custody (not
        // planned), one completed at one provider while still open at another (SM12 has no such check).
        episode({
          episodeId: "y1",
          clientHash: "c5",
          triageDate: "2024-10-01",
          ageAtTriage: 15,
          dischargeDate: "2025-01-15",
          dischargeReason: "died",
        }),
        episode({
          episodeId: "y2",
          clientHash: "c6",
          triageDate: "2024-10-01",
          ageAtTriage: 16,
          dischargeDate: "2025-02-15",
          dischargeReason: "transferred-in-custody",
          providerCode: "P2",
        }),
        episode({
          episodeId: "y3",
          clientHash: "c7",
          triageDate: "2024-10-01",
          ageAtTriage: 16,
          dischargeDate: "2025-02-15",
          dischargeReason: "completed-drug-free",
        }),
        episode({
          episodeId: "y4",
          clientHash: "c7",
          triageDate: "2024-11-01",
          ageAtTriage: 16,
          providerCode: "P2",
        }),
      ],
      spStays: [
        stay({
          stayId: "s1",
          startDate: "2025-05-01",
          endDate: "2025-06-01",
          departure: "planned",
          needs: ["paid-work"],
          achieved: ["paid-work"],
        }),
        stay({
          stayId: "s2",
          startDate: "2024-01-01",
          serviceType: "long-term",
          accommodation: "sheltered",
          providerCode: "P2",
        }),
      ],
      hiaReferrals: [
        // Easter 2025: Good Friday 18 April, Easter Monday 21 April.
        referral({
          referralId: "r1",
          referralDate: "2025-04-14",
          contactedOn: "2025-04-16",
          visitedOn: "2025-04-30",
        }),
        referral({
          referralId: "r2",
          referralDate: "2025-04-14",
          service: "handyperson",
          contactedOn: "2025-04-17",
          visitedOn: "2025-05-01",
        }),
        referral({ referralId: "r3", referralDate: "2025-08-15", visitedOn: "2025-08-29" }),
      ],
    };
    await expectSqlEqualsReference(data, periodEnd);
    await expectSqlEqualsReference(data, "2025-02-28");
    await expectSqlEqualsReference(data, "2025-04-30", { period: { B: "12-months", HIA: "quarter" } });
  });
});
