import { describe, expect, it } from "vitest";
import { emptyDataset, episode, referral, stay } from "../../../test/generators/indicators.js";
import { INDICATOR_CODES } from "./definitions.js";
import { computeReference, type IndicatorDataset, type IndicatorResult } from "./reference.js";
import type { DischargeReason, IsoDate, Substance, TreatmentEpisode } from "./terms.js";

/**
 * Small datasets worked out by hand from docs/indicators.md. Each expected row was written from the
 * definitions (the comments give the working), not from the code.
 */

type Row = [
  code: string,
  provider: string | null,
  numerator: number,
  denominator: number | null,
  value: number | null,
];

function pick(results: readonly IndicatorResult[], code: string, provider: string | null): IndicatorResult {
  const found = results.find((r) => r.code === code && r.providerCode === provider);
  if (!found) throw new Error(`no result for ${code} / ${String(provider)}`);
  return found;
}

function expectRows(results: readonly IndicatorResult[], rows: readonly Row[]): void {
  for (const [code, provider, numerator, denominator, value] of rows) {
    const r = pick(results, code, provider);
    expect({ code, provider, numerator: r.numerator, denominator: r.denominator, value: r.value }).toEqual({
      code,
      provider,
      numerator,
      denominator,
      value,
    });
  }
}

function ep(
  id: string,
  client: string,
  provider: string,
  triageDate: IsoDate,
  discharge: [IsoDate, DischargeReason] | null,
  more: Partial<TreatmentEpisode> & { substances?: Substance[] } = {},
): TreatmentEpisode {
  return episode({
    episodeId: id,
    clientHash: client,
    providerCode: provider,
    triageDate,
    dischargeDate: discharge?.[0] ?? null,
    dischargeReason: discharge?.[1] ?? null,
    ...more,
  });
}

const treatment = (treatmentEpisodes: TreatmentEpisode[]): IndicatorDataset => ({
  ...emptyDataset(),
  treatmentEpisodes,
});

describe("SM01–SM06, SM11–SM14R: drug and alcohol users, completions, re-presentation (E = 31 March 2025)", () => {
  // S = 1 April 2024, E = 31 March 2025, E + 6 months = 30 September 2025.
  const opiate: Substance[] = ["opiate"];
  const alcohol: Substance[] = ["alcohol"];
  const data = treatment([
    // a: opiate at P1, completed 15 Nov 2024, nothing after → SM01, SM02, SM13 (all, P1).
    ep("a1", "a", "P1", "2024-05-01", ["2024-11-15", "completed-drug-free"], { substances: opiate }),
    // b: alcohol at P1, completed 20 Jun 2024, back on 20 Dec 2024 = exactly d + 6 months → re-presented.
    ep("b1", "b", "P1", "2024-01-10", ["2024-06-20", "completed-alcohol-free"], { substances: alcohol }),
    ep("b2", "b", "P1", "2024-12-20", null, { substances: alcohol }),
    // c: cannabis + alcohol at P2 completed 1 Feb 2025 while an opiate episode at P1 is open → not successful.
    ep("c1", "c", "P2", "2024-09-01", ["2025-02-01", "completed-drug-free"], {
      substances: ["cannabis", "alcohol"],
    }),
    ep("c2", "c", "P1", "2025-01-15", null, { substances: opiate }),
    // d: alcohol at P2, discharged 31 Mar 2024, the day before S → not in the period.
    ep("d1", "d", "P2", "2023-01-01", ["2024-03-31", "completed-alcohol-free"], { substances: alcohol }),
    // e: alcohol at P2, triaged on E → in the period, no exit.
    ep("e1", "e", "P2", "2025-03-31", null, { substances: alcohol }),
    // f: 17 at triage → young person (SM11), completed → planned exit (SM12).
    ep("f1", "f", "P1", "2024-07-01", ["2024-10-01", "completed-drug-free"], {
      substances: opiate,
      ageAtTriage: 17,
    }),
    // g: opiate at P1 completed 31 Aug 2024; back at P2 (cannabis) on 1 Mar 2025, a day after
    // d + 6 months (28 Feb 2025) → not a re-presentation.
    ep("g1", "g", "P1", "2024-04-01", ["2024-08-31", "completed-occasional-user"], { substances: opiate }),
    ep("g2", "g", "P2", "2025-03-01", null, { substances: ["cannabis"] }),
    // h: alcohol at P1 and P2, both discharged 10 Oct 2024: dropped-out at P1, completed at P2 → the
    // completion wins the tie for all providers.
    ep("h1", "h", "P1", "2024-05-01", ["2024-10-10", "dropped-out"], { substances: alcohol }),
    ep("h2", "h", "P2", "2024-06-01", ["2024-10-10", "completed-alcohol-free"], { substances: alcohol }),
  ]);
  const results = computeReference(data, "2025-03-31");

  it.each<Row>([
    // All providers. Drug users: a, c (opiate over c1 + c2), g → 3; completed: a, g → 2.
    ["SM01", null, 3, null, 3],
    ["SM02", null, 2, null, 2],
    ["SM03", null, 2, 3, 66.7],
    // Alcohol users: b, e, h (d not in the period) → 3; completed: b, h → 2.
    ["SM04", null, 3, null, 3],
    ["SM05", null, 2, null, 2],
    ["SM06", null, 2, 3, 66.7],
    ["SM11", null, 1, null, 1],
    ["SM12", null, 1, 1, 100],
    // Not re-presented: a, g (drug); h (alcohol; b re-presented).
    ["SM13", null, 2, null, 2],
    ["SM13R", null, 2, 3, 66.7],
    ["SM14", null, 1, null, 1],
    ["SM14R", null, 1, 3, 33.3],
  ])("%s, all providers", (...row) => {
    expectRows(results, [row]);
  });

  it.each<Row>([
    // P1: drug users a, c (c2 opiate), g; completed a, g (c has no exit at P1).
    ["SM01", "P1", 3, null, 3],
    ["SM02", "P1", 2, null, 2],
    ["SM03", "P1", 2, 3, 66.7],
    // P1 alcohol users b, h; completed b only (h's exit at P1 is dropped-out).
    ["SM04", "P1", 2, null, 2],
    ["SM05", "P1", 1, null, 1],
    ["SM06", "P1", 1, 2, 50],
    ["SM11", "P1", 1, null, 1],
    ["SM12", "P1", 1, 1, 100],
    ["SM13", "P1", 2, null, 2],
    ["SM13R", "P1", 2, 3, 66.7],
    ["SM14", "P1", 0, null, 0],
    ["SM14R", "P1", 0, 2, 0],
    // P2: drug users c (non-opiate-and-alcohol), g (cannabis); c's exit is not successful because c2
    // at P1 is open ("look at the client's episodes at every provider"); g has no exit at P2.
    ["SM01", "P2", 2, null, 2],
    ["SM02", "P2", 0, null, 0],
    ["SM03", "P2", 0, 2, 0],
    // P2 alcohol users e, h; completed h.
    ["SM04", "P2", 2, null, 2],
    ["SM05", "P2", 1, null, 1],
    ["SM06", "P2", 1, 2, 50],
    ["SM11", "P2", 0, null, 0],
    ["SM12", "P2", 0, 0, null],
    ["SM13", "P2", 0, null, 0],
    ["SM13R", "P2", 0, 2, 0],
    ["SM14", "P2", 1, null, 1],
    ["SM14R", "P2", 1, 2, 50],
  ])("%s at %s", (...row) => {
    expectRows(results, [row]);
  });

  it("marks SM13, SM13R, SM14 and SM14R incomplete until the data reach E + 6 months", () => {
    const followUp = new Set(["SM13", "SM13R", "SM14", "SM14R"]);
    for (const r of results) expect(r.complete).toBe(!followUp.has(r.code));

    // A triage on 29 September 2025 is not enough; on 30 September 2025 (E + 6 months) it is.
    const almost = computeReference(
      treatment([...data.treatmentEpisodes, ep("z1", "z", "P3", "2025-09-29", null)]),
      "2025-03-31",
    );
    expect(almost.filter((r) => followUp.has(r.code)).every((r) => !r.complete)).toBe(true);
    const enough = computeReference(
      treatment([...data.treatmentEpisodes, ep("z1", "z", "P3", "2025-09-30", null)]),
      "2025-03-31",
    );
    expect(enough.every((r) => r.complete)).toBe(true);
  });

  it("reports the 12 months ending on E", () => {
    expect(pick(results, "SM01", null)).toMatchObject({ periodStart: "2024-04-01", periodEnd: "2025-03-31" });
  });
});

describe("SM07: hepatitis B, new presentations from 1 April (E = 30 June 2025)", () => {
  // Financial year from 1 April 2025; new = no other episode triaged before with discharge empty or
  // on/after triage − 12 months.
  const data = treatment([
    // p: new, accepted → numerator and denominator.
    ep("p1", "p", "P1", "2025-04-01", null, { hepbStatus: "offered-accepted" }),
    // q: new but already immunised → not eligible.
    ep("q1", "q", "P1", "2025-05-01", null, { hepbStatus: "already-immunised" }),
    // r: an episode at P2 discharged 10 May 2024, exactly 12 months before → not new.
    ep("r0", "r", "P2", "2024-01-01", ["2024-05-10", "dropped-out"]),
    ep("r1", "r", "P1", "2025-05-10", null, { hepbStatus: "offered-accepted" }),
    // s: earlier episode discharged 9 May 2024, 12 months and a day before → new; refused.
    ep("s0", "s", "P1", "2024-01-01", ["2024-05-09", "dropped-out"]),
    ep("s1", "s", "P1", "2025-05-10", null, { hepbStatus: "offered-refused" }),
    // t: two new episodes on the same day; the first by episode_id is t-a (P2, not offered).
    ep("t-b", "t", "P1", "2025-06-01", null, { hepbStatus: "offered-accepted" }),
    ep("t-a", "t", "P2", "2025-06-01", null, { hepbStatus: "not-offered" }),
    // u: 16 at triage → not an adult.
    ep("u1", "u", "P1", "2025-04-10", null, { hepbStatus: "offered-accepted", ageAtTriage: 16 }),
    // v: new on 31 March 2025, before the financial year; its next episode is not new.
    ep("v1", "v", "P1", "2025-03-31", ["2025-04-02", "dropped-out"]),
    ep("v2", "v", "P1", "2025-04-15", null, { hepbStatus: "offered-accepted" }),
    // w: new at P2, no status recorded → eligible, not accepted.
    ep("w1", "w", "P2", "2025-04-20", null),
    // x: new with acquired immunity → not eligible (judged on that first episode).
    ep("x1", "x", "P1", "2025-04-05", ["2025-04-06", "dropped-out"], { hepbStatus: "acquired-immunity" }),
  ]);
  const results = computeReference(data, "2025-06-30");

  it.each<Row>([
    // All: eligible p, s, t (t-a), w → 4; accepted p → 1.
    ["SM07", null, 1, 4, 25],
    // P1: eligible p, s, t (t-b, P1's own first) → 3; accepted p, t → 2.
    ["SM07", "P1", 2, 3, 66.7],
    // P2: eligible t (t-a), w → 2; accepted none.
    ["SM07", "P2", 0, 2, 0],
  ])("%s at %s", (...row) => {
    expectRows(results, [row]);
  });

  it("reports the financial year to date", () => {
    expect(pick(results, "SM07", null)).toMatchObject({ periodStart: "2025-04-01", periodEnd: "2025-06-30" });
  });
});

describe("SM08: hepatitis C tests of injecting clients (E = 31 March 2025)", () => {
  const data = treatment([
    // i1: currently injecting, tested in the period.
    ep("i1", "i1", "P1", "2024-06-01", null, { injectingStatus: "currently", hepcTestedOn: "2024-12-01" }),
    // i2: previously injecting; the test is on another adult episode in the period.
    ep("i2a", "i2", "P1", "2024-06-01", ["2024-08-01", "dropped-out"], { injectingStatus: "previously" }),
    ep("i2b", "i2", "P1", "2024-09-01", null, { hepcTestedOn: "2025-01-01" }),
    // i3: tested after E → not counted as tested.
    ep("i3", "i3", "P1", "2024-06-01", null, { injectingStatus: "currently", hepcTestedOn: "2025-04-01" }),
    // i4: never injected → not eligible.
    ep("i4", "i4", "P1", "2024-06-01", null, { injectingStatus: "never", hepcTestedOn: "2024-07-01" }),
    // i5: young person → not eligible.
    ep("i5", "i5", "P1", "2024-06-01", null, {
      injectingStatus: "currently",
      hepcTestedOn: "2024-07-01",
      ageAtTriage: 16,
    }),
    // i6: not in the period.
    ep("i6", "i6", "P1", "2023-06-01", ["2024-03-31", "dropped-out"], {
      injectingStatus: "previously",
      hepcTestedOn: "2023-07-01",
    }),
    // i7: injecting recorded at P2, the test at P1.
    ep("i7a", "i7", "P2", "2024-06-01", null, { injectingStatus: "currently" }),
    ep("i7b", "i7", "P1", "2024-06-01", null, { hepcTestedOn: "2024-06-02" }),
  ]);
  const results = computeReference(data, "2025-03-31");

  it.each<Row>([
    // All: eligible i1, i2, i3, i7 → 4; tested i1, i2, i7 → 3.
    ["SM08", null, 3, 4, 75],
    // P1: eligible i1, i2, i3 (i7's P1 episode records no injecting) → 3; tested i1, i2 → 2.
    ["SM08", "P1", 2, 3, 66.7],
    // P2: eligible i7; its P2 episode has no test → 0.
    ["SM08", "P2", 0, 1, 0],
  ])("%s at %s", (...row) => {
    expectRows(results, [row]);
  });
});

describe("SM09 and SM10: criminal-justice clients (E = 30 August 2025, S = 31 August 2024)", () => {
  // SM10's half-year is [31 August 2024, 27 February 2025] (S + 6 months = 28 February 2025).
  const cj = { referralSource: "criminal-justice" as const };
  const data = treatment([
    // j1: completed on 27 Feb 2025 (last day of the half-year); back on 27 Aug 2025 = d + 6 months.
    ep("j1a", "j1", "P1", "2024-06-01", ["2025-02-27", "completed-alcohol-free"], {
      ...cj,
      substances: ["alcohol"],
    }),
    ep("j1b", "j1", "P1", "2025-08-27", null, { substances: ["alcohol"] }),
    // j2: completed on 28 Feb 2025, the day after the half-year.
    ep("j2", "j2", "P1", "2024-09-01", ["2025-02-28", "completed-drug-free"], cj),
    // j3: completed 1 Dec 2024, back on 2 Jun 2025, a day after d + 6 months (1 Jun 2025).
    ep("j3a", "j3", "P1", "2024-10-01", ["2024-12-01", "completed-drug-free"], cj),
    ep("j3b", "j3", "P1", "2025-06-02", null),
    // j4: dropped out.
    ep("j4", "j4", "P2", "2024-10-01", ["2024-11-01", "dropped-out"], cj),
    // j5: not a CJ referral.
    ep("j5", "j5", "P1", "2024-10-01", ["2024-11-01", "completed-drug-free"]),
    // j6: a young person.
    ep("j6", "j6", "P1", "2024-10-01", ["2024-11-01", "completed-drug-free"], { ...cj, ageAtTriage: 17 }),
    // j7: CJ at P2 (open), self-referred at P1 and completed there while the P2 episode was open.
    ep("j7a", "j7", "P2", "2024-12-01", null, { ...cj, substances: ["cannabis"] }),
    ep("j7b", "j7", "P1", "2024-09-15", ["2025-01-15", "completed-drug-free"]),
  ]);
  const results = computeReference(data, "2025-08-30");

  it.each<Row>([
    // All: CJ clients j1, j2, j3, j4, j7 → 5; successful j1, j2, j3 → 3.
    ["SM09", null, 3, 5, 60],
    // Completed in the half-year: j1, j3 → 2; re-presented: j1 → 1.
    ["SM10", null, 1, 2, 50],
    // P1: CJ clients j1, j2, j3 (j7's P1 episode is not CJ) → 3, all successful.
    ["SM09", "P1", 3, 3, 100],
    ["SM10", "P1", 1, 2, 50],
    // P2: j4, j7 → 2; neither successful.
    ["SM09", "P2", 0, 2, 0],
    ["SM10", "P2", 0, 0, null],
  ])("%s at %s", (...row) => {
    expectRows(results, [row]);
  });
});

describe("SM11 and SM12: young people (E = 31 March 2025)", () => {
  const young = { ageAtTriage: 16 };
  const data = treatment([
    ep("y1", "y1", "P1", "2024-05-01", ["2024-09-01", "transferred-not-in-custody"], young),
    ep("y2", "y2", "P1", "2024-05-01", ["2024-09-01", "transferred-in-custody"], young),
    ep("y3", "y3", "P1", "2024-05-01", ["2024-09-01", "died"], young),
    // y4: two exits the same day; transferred-to-adult-services comes before dropped-out.
    ep("y4a", "y4", "P1", "2024-05-01", ["2024-09-01", "dropped-out"], young),
    ep("y4b", "y4", "P1", "2024-06-01", ["2024-09-01", "transferred-to-adult-services"], young),
    ep("y5", "y5", "P1", "2024-05-01", null, young),
    // y6: the latest exit (dropped out) decides, not the earlier completion.
    ep("y6a", "y6", "P2", "2024-04-01", ["2024-05-01", "completed-drug-free"], young),
    ep("y6b", "y6", "P2", "2024-04-15", ["2024-06-01", "dropped-out"], young),
    // y7: not in the period.
    ep("y7", "y7", "P1", "2023-05-01", ["2024-03-31", "completed-drug-free"], young),
    // y8: 18 → an adult.
    ep("y8", "y8", "P1", "2024-05-01", ["2024-09-01", "completed-drug-free"], { ageAtTriage: 18 }),
  ]);
  const results = computeReference(data, "2025-03-31");

  it.each<Row>([
    // All: young people y1–y6 → 6; exits except died: y1, y2, y4, y6 → 4; planned: y1, y4 → 2.
    ["SM11", null, 6, null, 6],
    ["SM12", null, 2, 4, 50],
    ["SM11", "P1", 5, null, 5],
    ["SM12", "P1", 2, 3, 66.7],
    ["SM11", "P2", 1, null, 1],
    ["SM12", "P2", 0, 1, 0],
    // y8 is the only adult: an opiate user who completed.
    ["SM01", null, 1, null, 1],
    ["SM02", null, 1, null, 1],
  ])("%s at %s", (...row) => {
    expectRows(results, [row]);
  });
});

describe("all providers together is not the sum of the providers", () => {
  it("counts a client once, and can count a completion no single provider has", () => {
    // The client is alcohol-only at P1 (where they complete) and an opiate user at P2 (where they
    // drop out earlier). All providers: an opiate user whose exit (P1's) is successful → SM02 = 1.
    // P1: an alcohol user (SM05 = 1). P2: a drug user with an unsuccessful exit (SM02 = 0).
    const data = treatment([
      ep("k1", "k", "P1", "2024-05-01", ["2024-12-01", "completed-alcohol-free"], {
        substances: ["alcohol"],
      }),
      ep("k2", "k", "P2", "2024-05-01", ["2024-07-01", "dropped-out"], { substances: ["opiate"] }),
    ]);
    const results = computeReference(data, "2025-03-31");
    expectRows(results, [
      ["SM01", null, 1, null, 1],
      ["SM02", null, 1, null, 1],
      ["SM04", null, 0, null, 0],
      ["SM01", "P1", 0, null, 0],
      ["SM04", "P1", 1, null, 1],
      ["SM05", "P1", 1, null, 1],
      ["SM01", "P2", 1, null, 1],
      ["SM02", "P2", 0, null, 0],
    ]);
  });
});

describe("KPI1, KPI2 and outcomes (quarter ending 30 June 2025)", () => {
  const data: IndicatorDataset = {
    ...emptyDataset(),
    spStays: [
      // Long-term stays: in the quarter L1 (independent), L2 (temporary), L5 (with family, P2).
      stay({
        stayId: "L1",
        serviceType: "long-term",
        startDate: "2024-01-01",
        accommodation: "owner-occupier",
      }),
      stay({ stayId: "L2", serviceType: "long-term", startDate: "2025-06-30", accommodation: "temporary" }),
      stay({
        stayId: "L3",
        serviceType: "long-term",
        startDate: "2023-01-01",
        endDate: "2025-03-31",
        departure: "planned",
        accommodation: "social-rented",
      }),
      stay({ stayId: "L4", serviceType: "long-term", startDate: "2025-07-01", accommodation: "sheltered" }),
      stay({
        stayId: "L5",
        providerCode: "P2",
        serviceType: "long-term",
        startDate: "2025-01-01",
        endDate: "2025-04-01",
        departure: "unplanned",
        accommodation: "with-family-or-friends",
      }),
      // Short-term stays ending in the quarter: S1, S2, S3 (transferred), S4 (died), S8 (P2).
      stay({
        stayId: "S1",
        startDate: "2025-01-01",
        endDate: "2025-04-01",
        departure: "planned",
        needs: ["paid-work", "reduced-debts"],
        achieved: ["paid-work"],
      }),
      stay({
        stayId: "S2",
        startDate: "2025-01-01",
        endDate: "2025-06-30",
        departure: "unplanned",
        needs: ["paid-work"],
      }),
      stay({
        stayId: "S3",
        startDate: "2025-01-01",
        endDate: "2025-05-05",
        departure: "transferred",
        needs: ["paid-work"],
        achieved: ["paid-work"],
      }),
      stay({ stayId: "S4", startDate: "2025-01-01", endDate: "2025-05-06", departure: "died" }),
      stay({
        stayId: "S5",
        startDate: "2025-01-01",
        endDate: "2025-07-01",
        departure: "planned",
        needs: ["paid-work"],
      }),
      stay({
        stayId: "S6",
        startDate: "2024-10-01",
        endDate: "2025-03-31",
        departure: "planned",
        needs: ["paid-work"],
        achieved: ["paid-work"],
      }),
      stay({ stayId: "S7", startDate: "2025-01-01", needs: ["paid-work"] }),
      stay({
        stayId: "S8",
        providerCode: "P2",
        startDate: "2025-01-01",
        endDate: "2025-06-01",
        departure: "planned",
        needs: ["reduced-debts"],
        achieved: ["reduced-debts"],
      }),
    ],
  };

  it.each<Row>([
    ["KPI1", null, 2, 3, 66.7],
    ["KPI1", "P1", 1, 2, 50],
    ["KPI1", "P2", 1, 1, 100],
    // Ended, not transferred or died: S1, S2, S8; planned S1, S8.
    ["KPI2", null, 2, 3, 66.7],
    ["KPI2", "P1", 1, 2, 50],
    ["KPI2", "P2", 1, 1, 100],
    // paid-work needed by S1, S2, S3 (transfers count for outcomes), achieved by S1, S3.
    ["OUT-paid-work", null, 2, 3, 66.7],
    ["OUT-paid-work", "P1", 2, 3, 66.7],
    ["OUT-paid-work", "P2", 0, 0, null],
    // reduced-debts needed by S1, S8, achieved by S8.
    ["OUT-reduced-debts", null, 1, 2, 50],
    ["OUT-reduced-debts", "P1", 0, 1, 0],
    ["OUT-reduced-debts", "P2", 1, 1, 100],
    ["OUT-mental-health", null, 0, 0, null],
  ])("%s at %s", (...row) => {
    expectRows(computeReference(data, "2025-06-30"), [row]);
  });

  it("covers the quarter by default", () => {
    expect(pick(computeReference(data, "2025-06-30"), "KPI1", null)).toMatchObject({
      periodStart: "2025-04-01",
      periodEnd: "2025-06-30",
    });
  });

  it.each<Row>([
    // 12 months from 1 July 2024: L3 (social rented) and S6 come in.
    ["KPI1", null, 3, 4, 75],
    ["KPI2", null, 3, 4, 75],
    ["OUT-paid-work", null, 3, 4, 75],
  ])("%s over 12 months when asked", (...row) => {
    const results = computeReference(data, "2025-06-30", { period: { B: "12-months" } });
    expectRows(results, [row]);
    expect(pick(results, "KPI1", null).periodStart).toBe("2024-07-01");
  });
});

describe("G1, G2, H1, H2: response times (12 months ending 31 December 2025)", () => {
  const data: IndicatorDataset = {
    ...emptyDataset(),
    hiaReferrals: [
      // r1: + 2 days = E → counted for contact, contacted on E → within. 10th working day 13 Jan 2026 > E.
      referral({ referralId: "r1", referralDate: "2025-12-29", contactedOn: "2025-12-31" }),
      // r2: + 2 days = 1 January 2026 > E → not counted.
      referral({ referralId: "r2", referralDate: "2025-12-30", contactedOn: "2025-12-30" }),
      // r3: contacted after 3 days → late; 10th working day 15 Dec, visited then → on time.
      referral({
        referralId: "r3",
        referralDate: "2025-12-01",
        contactedOn: "2025-12-04",
        visitedOn: "2025-12-15",
      }),
      // r4: never contacted; 10th working day over Christmas = 30 Dec, visited 31 Dec → late.
      referral({ referralId: "r4", referralDate: "2025-12-12", visitedOn: "2025-12-31" }),
      // r5: contacted the same day; 10th working day 2 Jan 2026 > E → not counted for visits.
      referral({
        referralId: "r5",
        referralDate: "2025-12-16",
        contactedOn: "2025-12-16",
        visitedOn: "2025-12-31",
      }),
      // r6: referred before S → not counted.
      referral({
        referralId: "r6",
        referralDate: "2024-12-31",
        contactedOn: "2024-12-31",
        visitedOn: "2025-01-02",
      }),
      // r7: over Easter 2025: contacted Saturday 19 April (+ 2) → within; 10th working day 6 May.
      referral({
        referralId: "r7",
        referralDate: "2025-04-17",
        contactedOn: "2025-04-19",
        visitedOn: "2025-05-06",
      }),
      // r8: handyperson at P2; contacted after 3 days → late; visited on the 10th working day.
      referral({
        referralId: "r8",
        providerCode: "P2",
        service: "handyperson",
        referralDate: "2025-06-02",
        contactedOn: "2025-06-05",
        visitedOn: "2025-06-16",
      }),
    ],
  };
  const results = computeReference(data, "2025-12-31");

  it.each<Row>([
    // Contact: r1, r3, r4, r5, r7 counted; within r1, r5, r7.
    ["G1", null, 3, 5, 60],
    // Visits: r3, r4, r7 counted; within r3, r7.
    ["G2", null, 2, 3, 66.7],
    ["H1", null, 0, 1, 0],
    ["H2", null, 1, 1, 100],
    ["G1", "P1", 3, 5, 60],
    ["G2", "P1", 2, 3, 66.7],
    ["H1", "P1", 0, 0, null],
    ["H2", "P1", 0, 0, null],
    ["G1", "P2", 0, 0, null],
    ["H1", "P2", 0, 1, 0],
    ["H2", "P2", 1, 1, 100],
  ])("%s at %s", (...row) => {
    expectRows(results, [row]);
  });
});

describe("shape of the results", () => {
  it("gives every indicator for all providers, even with no data, with zero denominators as null", () => {
    const results = computeReference(emptyDataset(), "2025-03-31");
    expect(results.map((r) => r.code)).toEqual(INDICATOR_CODES);
    for (const r of results) {
      expect(r.providerCode).toBeNull();
      expect(r.numerator).toBe(0);
      if (r.denominator === null) expect(r.value).toBe(0);
      else expect([r.denominator, r.value]).toEqual([0, null]);
    }
  });

  it("gives a provider with rows but no activity in the period its zeros", () => {
    const data = treatment([ep("old", "o", "P9", "2010-01-01", ["2010-02-01", "dropped-out"])]);
    const results = computeReference(data, "2025-03-31");
    expectRows(results, [
      ["SM01", "P9", 0, null, 0],
      ["SM03", "P9", 0, 0, null],
    ]);
    expect(results.filter((r) => r.providerCode === "P9").map((r) => r.code)).toEqual(
      INDICATOR_CODES.filter((c) => c.startsWith("SM")),
    );
  });
});
