import { describe, expect, it } from "vitest";
import { approvalsFor, type ApprovalsQuery, procurementPlanApprover } from "./approvals.js";
import { getRegime, type RegimeCode } from "./regimes.js";
import { addDays } from "./dates.js";

describe("procurement plan approver (§3.10)", () => {
  it.each([
    [0, null],
    [5_000_000, null], // £50,000 exactly: not over £50,000
    [5_000_001, "PROCUREMENT_MANAGER"], // £50,000.01
    [100_000_000, "PROCUREMENT_MANAGER"], // £1,000,000 exactly: up to £1m
    [100_000_001, "PROCUREMENT_BOARD"], // £1,000,000.01
    [2_500_000_000, "PROCUREMENT_BOARD"],
  ])("%i pence → %s", (value, expected) => {
    expect(procurementPlanApprover(value)).toBe(expected);
  });
});

const base: ApprovalsQuery = { regime: "PA2023", valuePence: 0, programmeCode: "KDAAT", on: "2025-06-02" };
const codes = (q: Partial<ApprovalsQuery>) => {
  const answer = approvalsFor({ ...base, ...q });
  return {
    bodies: answer.approvals.map((a) => a.bodyCode),
    flags: answer.flags.map((f) => f.code),
    notRequired: answer.notRequired.map((f) => f.code),
  };
};

describe("approvals by value at the boundaries (§3.10, App C 1, App C 7)", () => {
  it.each([
    // value, procurement plan by, Procurement Board flag and seal
    [5_000_000, null, false], // £50,000
    [5_000_001, "PROCUREMENT_MANAGER", false], // £50,000.01
    [100_000_000, "PROCUREMENT_MANAGER", false], // £1,000,000
    [100_000_001, "PROCUREMENT_BOARD", true], // £1,000,000.01
  ] as const)(
    "%i pence: plan approved by %s; Procurement Board and seal: %s",
    (valuePence, planBy, overMillion) => {
      const { bodies, flags, notRequired } = codes({ valuePence });
      expect(bodies.includes("PROCUREMENT_MANAGER")).toBe(planBy === "PROCUREMENT_MANAGER");
      expect(bodies.includes("PROCUREMENT_BOARD")).toBe(planBy === "PROCUREMENT_BOARD");
      expect(notRequired.includes("PROCUREMENT_PLAN_APPROVAL")).toBe(planBy === null);
      expect(flags.includes("PROCUREMENT_BOARD_REQUIRED")).toBe(overMillion);
      expect(flags.includes("SEAL_REQUIRED")).toBe(overMillion);
      expect(flags.includes("COST_AVOIDANCE_PAPER_IF_REJECTED")).toBe(overMillion);
      expect(notRequired.includes("SEAL_REQUIRED")).toBe(!overMillion);
    },
  );

  it("says why, with the paragraph, for £1,000,000.01", () => {
    const answer = approvalsFor({ ...base, valuePence: 100_000_001 });
    expect(answer.approvals.filter((a) => a.bodyCode === "PROCUREMENT_BOARD")).toEqual([
      expect.objectContaining({
        what: "Procurement plan, before the procurement begins",
        paragraph: "§3.10",
      }),
      expect.objectContaining({ what: "Proposed contract", paragraph: "App C 1" }),
    ]);
    expect(answer.flags.find((f) => f.code === "PROCUREMENT_BOARD_REQUIRED")?.reason).toContain(
      "£1,000,000.01 is over £1,000,000",
    );
    expect(answer.flags.find((f) => f.code === "SEAL_REQUIRED")).toMatchObject({ paragraph: "App C 7" });
  });
});

describe("the programme's governance (§3.4, §3.6, §3.15)", () => {
  it.each([
    ["KDAAT", "JCG", "KDAAT_BOARD"],
    ["SP", "CSG", "SP_COMMISSIONING_BODY"],
    ["KSE", "CSG", "SP_COMMISSIONING_BODY"],
    ["KSAS", "CSG", "SP_COMMISSIONING_BODY"],
  ] as const)("%s: %s and %s", (programmeCode, group, board) => {
    const { approvals } = approvalsFor({ ...base, programmeCode, valuePence: 7_500_000 });
    const rows = approvals.map((a) => [a.bodyCode, a.what, a.paragraph]);
    expect(rows).toEqual([
      [group, "Needs assessment", "§3.4"],
      [board, "Needs assessment", "§3.4"],
      [group, "Business case, procurement proposal and equality impact assessment", "§3.5–3.6, App C 1"],
      [board, "Business case, procurement proposal and equality impact assessment", "§3.5–3.6, App C 1"],
      ["EQUALITIES_TEAM", "Equality impact assessment, updated after consultation", "App C 3"],
      [
        group,
        "Final service specification, procurement strategy and tender evaluation plan",
        "§3.9, App C 3–4",
      ],
      [
        board,
        "Final service specification, procurement strategy and tender evaluation plan",
        "§3.9, App C 3–4",
      ],
      ["PROCUREMENT_MANAGER", "Procurement plan", "§3.10"],
      ["DIRECTOR", "Evaluation recommendation", "§3.14"],
      [board, "Final decision to award: accept or reject the recommendation", "§3.15"],
    ]);
    for (const a of approvals) expect(a.reason.length).toBeGreaterThan(20);
  });
});

// Each regime's threshold for these services on a date it holds one, and 80% of it (§3.13).
const thresholds: [RegimeCode, string, number, number, boolean][] = [
  ["PCR2006", "2013-06-03", 17_393_400, 13_914_720, true],
  ["PCR2015", "2015-06-01", 62_505_000, 50_004_000, true],
  ["PCR2015", "2023-06-01", 66_354_000, 53_083_200, true],
  ["PA2023", "2025-06-02", 66_354_000, 53_083_200, true],
  // Not light touch under PA 2023: the goods and services threshold for sub-central authorities.
  ["PA2023", "2025-06-02", 21_490_400, 17_192_320, false],
  ["PA2023", "2026-01-05", 20_772_000, 16_617_600, false],
];

describe("thresholds and SSP engagement at 80% (§3.13; docs/rules.md, regimes)", () => {
  it.each(thresholds)(
    "%s on %s, threshold %i: 80%% is %i (light touch %s)",
    (regime, on, threshold, eighty, lightTouch) => {
      const at = (valuePence: number) => codes({ regime, on, valuePence, lightTouch }).flags;
      expect(at(eighty - 1)).not.toContain("SSP_ENGAGEMENT_ESSENTIAL");
      expect(at(eighty)).toContain("SSP_ENGAGEMENT_ESSENTIAL");
      expect(at(eighty)).not.toContain("ABOVE_THRESHOLD");
      expect(at(threshold - 1)).toContain("SSP_ENGAGEMENT_ESSENTIAL");
      expect(at(threshold - 1)).not.toContain("ABOVE_THRESHOLD");
      expect(at(threshold)).toContain("ABOVE_THRESHOLD");
      expect(at(threshold)).toContain("SSP_ENGAGEMENT_ESSENTIAL");
      expect(
        approvalsFor({ ...base, regime, on, valuePence: eighty - 1, lightTouch }).notRequired.map(
          (f) => f.code,
        ),
      ).toContain("SSP_ENGAGEMENT_ESSENTIAL");
    },
  );

  it("explains the SSP flag with the threshold, its date and its 80%", () => {
    const answer = approvalsFor({ ...base, regime: "PCR2006", on: "2013-06-03", valuePence: 15_000_000 });
    expect(answer.threshold?.valuePence).toBe(17_393_400);
    expect(answer.sspEngagementFromPence).toBe(13_914_720);
    const flag = answer.flags.find((f) => f.code === "SSP_ENGAGEMENT_ESSENTIAL");
    expect(flag).toMatchObject({ paragraph: "§3.13" });
    expect(flag?.reason).toContain(
      "£150,000 comes close to the services threshold for sub-central authorities of £173,934",
    );
    expect(flag?.reason).toContain("£139,147.20");
  });

  it("holds a threshold on the regime's days, and says none is held only outside them (asking SSP)", () => {
    const held = approvalsFor({ ...base, regime: "PCR2015", on: "2018-05-01", valuePence: 60_000_000 });
    expect(held.threshold?.valuePence).toBe(61_527_800);
    expect(held.flags.map((f) => f.code)).not.toContain("THRESHOLD_NOT_HELD");
    const answer = approvalsFor({ ...base, regime: "PCR2015", on: "2010-05-01", valuePence: 60_000_000 });
    expect(answer.threshold).toBeNull();
    const flag = answer.flags.find((f) => f.code === "THRESHOLD_NOT_HELD");
    expect(flag?.reason).toContain("No PCR 2015 threshold for these services is held for 1 May 2010");
    expect(flag?.check).toBeTruthy();
    expect(answer.flags.map((f) => f.code)).toEqual(expect.arrayContaining(["REGIME_NOT_IN_FORCE"]));
    expect(answer.flags.map((f) => f.code)).not.toContain("ABOVE_THRESHOLD");
  });

  it("never says THRESHOLD_NOT_HELD on a day the regime is in force (each day, PCR 2006 to 2030)", () => {
    for (const regime of ["PCR2006", "PCR2015", "PA2023"] as const) {
      const { appliesFrom, appliesTo } = getRegime(regime);
      for (let on = appliesFrom; on <= (appliesTo ?? "2030-12-31"); on = addDays(on, 1)) {
        const flags = approvalsFor({ ...base, regime, on, valuePence: 20_000_000 }).flags;
        if (flags.some((f) => f.code === "THRESHOLD_NOT_HELD")) throw new Error(`${regime} on ${on}`);
      }
    }
  });

  it("flags a regime that was not in force on the date", () => {
    expect(codes({ regime: "PCR2006", on: "2025-06-02", valuePence: 1 }).flags).toContain(
      "REGIME_NOT_IN_FORCE",
    );
    expect(codes({ regime: "PA2023", on: "2025-06-02", valuePence: 1 }).flags).not.toContain(
      "REGIME_NOT_IN_FORCE",
    );
  });

  it("marks (check) thresholds as such", () => {
    const answer = approvalsFor({ ...base, regime: "PCR2006", on: "2007-06-01", valuePence: 20_000_000 });
    expect(answer.flags.find((f) => f.code === "ABOVE_THRESHOLD")?.check).toContain("£144,371");
    const confirmed = approvalsFor({ ...base, regime: "PCR2006", on: "2010-06-01", valuePence: 20_000_000 });
    expect(confirmed.flags.find((f) => f.code === "ABOVE_THRESHOLD")?.check).toBeUndefined();
  });
});

describe("regime duties as flags, with their source", () => {
  it.each([
    // regime, on, value, light touch, flags expected, flags not expected
    ["PCR2006", "2013-06-03", 20_000_000, true, ["CONTRACT_AWARD_NOTICE"], []],
    ["PCR2006", "2013-06-03", 10_000_000, true, [], ["CONTRACT_AWARD_NOTICE"]],
    ["PCR2015", "2021-06-01", 2_500_000, true, ["CONTRACTS_FINDER"], ["CONTRACT_AWARD_NOTICE"]], // £25,000 net to 2021
    ["PCR2015", "2021-06-01", 2_499_999, true, [], ["CONTRACTS_FINDER"]],
    ["PCR2015", "2022-06-01", 2_999_999, true, [], ["CONTRACTS_FINDER"]], // £30,000 incl. VAT from 2022
    ["PCR2015", "2022-06-01", 70_000_000, true, ["CONTRACTS_FINDER", "CONTRACT_AWARD_NOTICE"], []],
    [
      "PA2023",
      "2025-06-02",
      70_000_000,
      true,
      [
        "CONFLICTS_ASSESSMENT",
        "CONTRACT_AWARD_NOTICE",
        "CONTRACT_DETAILS_NOTICE",
        "TERMINATION_NOTICE",
        "STANDSTILL_VOLUNTARY",
      ],
      ["KPIS_PUBLISHED", "BELOW_THRESHOLD_CONTRACT_DETAILS_NOTICE"],
    ],
    [
      "PA2023",
      "2025-06-02",
      600_000_000,
      true,
      ["CONFLICTS_ASSESSMENT"],
      ["KPIS_PUBLISHED", "CONTRACT_PERFORMANCE_NOTICE"],
    ],
    [
      "PA2023",
      "2025-06-02",
      500_000_001,
      false,
      ["KPIS_PUBLISHED", "CONTRACT_PERFORMANCE_NOTICE", "CONFLICTS_ASSESSMENT"],
      ["STANDSTILL_VOLUNTARY"],
    ],
    ["PA2023", "2025-06-02", 500_000_000, false, [], ["KPIS_PUBLISHED"]], // not over £5m
    [
      "PA2023",
      "2025-06-02",
      3_000_000,
      true,
      ["BELOW_THRESHOLD_CONTRACT_DETAILS_NOTICE"],
      ["CONFLICTS_ASSESSMENT"],
    ],
    ["PA2023", "2025-06-02", 2_999_999, true, [], ["BELOW_THRESHOLD_CONTRACT_DETAILS_NOTICE"]],
    [
      "PSR",
      "2025-06-02",
      90_000_000,
      true,
      ["PSR_SCOPE", "PSR_ROUTES", "PSR_NOTICES", "NO_THRESHOLD"],
      ["ABOVE_THRESHOLD", "SSP_ENGAGEMENT_ESSENTIAL"],
    ],
  ] as const)(
    "%s on %s at %i pence (light touch %s)",
    (regime, on, valuePence, lightTouch, present, absent) => {
      const answer = approvalsFor({ ...base, regime, on, valuePence, lightTouch });
      const flagCodes = answer.flags.map((f) => f.code);
      for (const code of present) expect(flagCodes).toContain(code);
      for (const code of absent) expect(flagCodes).not.toContain(code);
      for (const flag of answer.flags) {
        expect(flag.reason.length).toBeGreaterThan(20);
        expect(flag.paragraph.length).toBeGreaterThan(0);
      }
    },
  );

  it("cites the Act's sections and flags the (check) ones", () => {
    const answer = approvalsFor({ ...base, valuePence: 70_000_000 });
    const byCode = new Map(answer.flags.map((f) => [f.code, f]));
    expect(byCode.get("CONFLICTS_ASSESSMENT")?.paragraph).toBe("PA 2023 s.83");
    expect(byCode.get("TERMINATION_NOTICE")?.paragraph).toBe("PA 2023 s.80");
    expect(byCode.get("CONTRACT_DETAILS_NOTICE")?.check).toBeTruthy();
    expect(byCode.get("PSR_SCOPE")).toBeUndefined();
  });

  it("refuses a value that is not whole pence", () => {
    expect(() => approvalsFor({ ...base, valuePence: 1.5 })).toThrow(RangeError);
    expect(() => approvalsFor({ ...base, valuePence: -1 })).toThrow(RangeError);
  });
});
