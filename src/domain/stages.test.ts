import { describe, expect, it } from "vitest";
import { approvalsFor } from "./approvals.js";
import {
  evaluateGate,
  governanceFor,
  nextStage,
  parseStage,
  rejectRecommendation,
  type DecisionSnapshot,
  type DocumentKind,
  type ProjectSnapshot,
  STAGES_AWAITING_DECISIONS,
} from "./stages.js";

const PROJECT = "00000000-0000-4000-8000-000000000001";
const docId = (kind: DocumentKind) => `doc-${kind}`;

function project(overrides: Partial<ProjectSnapshot> = {}): ProjectSnapshot {
  return {
    id: PROJECT,
    stage: 1,
    outcome: "open",
    estimatedValuePence: 4_000_000,
    programmeCodes: ["KDAAT"],
    regime: "PA2023",
    documents: {},
    decisions: [],
    ...overrides,
  };
}

function docs(...kinds: DocumentKind[]): ProjectSnapshot["documents"] {
  return Object.fromEntries(kinds.map((k) => [k, { id: docId(k), version: 1 }]));
}

function approval(
  kind: DocumentKind,
  bodyCode: string,
  version = 1,
  decision: DecisionSnapshot["decision"] = "approved",
  decidedOn = "2025-04-01",
): DecisionSnapshot {
  return {
    subjectType: "document",
    subjectId: docId(kind),
    subjectVersion: version,
    bodyCode,
    decision,
    decidedOn,
  };
}

function onProject(bodyCode: string, decision: DecisionSnapshot["decision"] = "approved"): DecisionSnapshot {
  return {
    subjectType: "project",
    subjectId: PROJECT,
    subjectVersion: null,
    bodyCode,
    decision,
    decidedOn: "2025-05-01",
  };
}

const summary = (p: ProjectSnapshot) =>
  evaluateGate(p).missing.map((m) => `${m.output}${m.bodyCode ? `:${m.bodyCode}` : ""} ${m.paragraph}`);

describe("stages", () => {
  it.each([
    [1, 2],
    [4, 5],
    [5, "closed"],
    ["closed", null],
  ] as const)("after stage %s comes %s (§3.1)", (stage, next) => {
    expect(nextStage(stage)).toBe(next);
  });

  it.each([
    ["1", 1],
    ["5", 5],
    ["closed", "closed"],
    ["6", null],
    ["", null],
  ] as const)("reads the stored stage %j as %j", (stored, stage) => {
    expect(parseStage(stored)).toBe(stage);
  });

  it.each([
    [["KDAAT"], ["JCG"], ["KDAAT_BOARD"]],
    [["SP"], ["CSG"], ["SP_COMMISSIONING_BODY"]],
    [["KSE"], ["CSG"], ["SP_COMMISSIONING_BODY"]],
    [["KSAS"], ["CSG"], ["SP_COMMISSIONING_BODY"]],
    [
      ["KDAAT", "SP"],
      ["JCG", "CSG"],
      ["KDAAT_BOARD", "SP_COMMISSIONING_BODY"],
    ],
    [["SP", "KSE"], ["CSG"], ["SP_COMMISSIONING_BODY"]],
  ])("programmes %j answer to groups %j and boards %j (§2.1)", (programmes, groups, boards) => {
    expect(governanceFor(programmes)).toEqual({ groups, boards });
  });
});

describe("Stage 1 → 2: the needs assessment approved by the operational group and the board (§3.4)", () => {
  it.each<[string, Partial<ProjectSnapshot>, string[]]>([
    [
      "nothing yet (KDAAT)",
      {},
      ["needs-assessment §3.4", "needs-assessment:JCG §3.4", "needs-assessment:KDAAT_BOARD §3.4"],
    ],
    [
      "nothing yet (SP)",
      { programmeCodes: ["SP"] },
      ["needs-assessment §3.4", "needs-assessment:CSG §3.4", "needs-assessment:SP_COMMISSIONING_BODY §3.4"],
    ],
    [
      "uploaded, not approved",
      { documents: docs("needs-assessment") },
      ["needs-assessment:JCG §3.4", "needs-assessment:KDAAT_BOARD §3.4"],
    ],
    [
      "approved by JCG only",
      { documents: docs("needs-assessment"), decisions: [approval("needs-assessment", "JCG")] },
      ["needs-assessment:KDAAT_BOARD §3.4"],
    ],
    [
      "approved by the wrong programme's bodies",
      {
        documents: docs("needs-assessment"),
        decisions: [
          approval("needs-assessment", "CSG"),
          approval("needs-assessment", "SP_COMMISSIONING_BODY"),
        ],
      },
      ["needs-assessment:JCG §3.4", "needs-assessment:KDAAT_BOARD §3.4"],
    ],
    [
      "approved by both",
      {
        documents: docs("needs-assessment"),
        decisions: [approval("needs-assessment", "JCG"), approval("needs-assessment", "KDAAT_BOARD")],
      },
      [],
    ],
    [
      "approved with conditions by both",
      {
        documents: docs("needs-assessment"),
        decisions: [
          approval("needs-assessment", "JCG", 1, "approved-with-conditions"),
          approval("needs-assessment", "KDAAT_BOARD", 1, "approved-with-conditions"),
        ],
      },
      [],
    ],
    [
      "approvals of version 1, latest is version 2",
      {
        documents: { "needs-assessment": { id: docId("needs-assessment"), version: 2 } },
        decisions: [approval("needs-assessment", "JCG"), approval("needs-assessment", "KDAAT_BOARD")],
      },
      ["needs-assessment:JCG §3.4", "needs-assessment:KDAAT_BOARD §3.4"],
    ],
    [
      "the board rejected it after approving it",
      {
        documents: docs("needs-assessment"),
        decisions: [
          approval("needs-assessment", "JCG"),
          approval("needs-assessment", "KDAAT_BOARD", 1, "approved", "2025-04-01"),
          approval("needs-assessment", "KDAAT_BOARD", 1, "rejected", "2025-04-02"),
        ],
      },
      ["needs-assessment:KDAAT_BOARD §3.4"],
    ],
    [
      "joint commissioning (KDAAT with SP) needs both partnerships' bodies",
      {
        programmeCodes: ["KDAAT", "SP"],
        documents: docs("needs-assessment"),
        decisions: [approval("needs-assessment", "JCG"), approval("needs-assessment", "KDAAT_BOARD")],
      },
      ["needs-assessment:CSG §3.4", "needs-assessment:SP_COMMISSIONING_BODY §3.4"],
    ],
  ])("%s", (_name, overrides, expected) => {
    const p = project(overrides);
    expect(summary(p)).toEqual(expected);
    expect(evaluateGate(p).canAdvance).toBe(expected.length === 0);
  });

  it("says why an approval of an earlier version does not count", () => {
    const gate = evaluateGate(
      project({
        documents: { "needs-assessment": { id: docId("needs-assessment"), version: 2 } },
        decisions: [approval("needs-assessment", "JCG")],
      }),
    );
    expect(gate.missing[0]).toEqual({
      output: "needs-assessment",
      kind: "approval",
      bodyCode: "JCG",
      version: 2,
      reason:
        "Version 2 of the needs assessment has not been approved by the Joint Commissioning Groups (JCG) (its approval was of version 1)",
      paragraph: "§3.4",
    });
  });

  it("lists the missing document with its reason and paragraph", () => {
    expect(evaluateGate(project()).missing[0]).toEqual({
      output: "needs-assessment",
      kind: "document",
      reason: "Upload the needs assessment",
      paragraph: "§3.4",
    });
    expect(evaluateGate(project()).nextStage).toBe(2);
  });
});

const stage2Docs = docs(
  "business-case",
  "service-specification-draft",
  "outcomes-funding-framework",
  "market-capacity-report",
);

describe("Stage 2 → 3: business case, draft specification, outcomes and funding, market (§3.5–3.6, App C 1–2)", () => {
  it.each<[string, Partial<ProjectSnapshot>, string[]]>([
    [
      "nothing yet",
      {},
      [
        "business-case §3.6",
        "service-specification-draft §3.6",
        "outcomes-funding-framework §3.6",
        "market-capacity-report §3.5, App C 2",
        "business-case:JCG §3.5–3.6, App C 1",
        "business-case:KDAAT_BOARD §3.5–3.6, App C 1",
        "eqia-screening App C 1",
      ],
    ],
    [
      "all documents, business case approved by the group and the board, EqIA screening not done",
      {
        documents: stage2Docs,
        decisions: [approval("business-case", "JCG"), approval("business-case", "KDAAT_BOARD")],
      },
      ["eqia-screening App C 1"],
    ],
    [
      "business case approved only by the operational group",
      { documents: stage2Docs, decisions: [approval("business-case", "JCG")], eqiaScreeningDone: true },
      ["business-case:KDAAT_BOARD §3.5–3.6, App C 1"],
    ],
    [
      "business case approved only by the board (docs/rules.md: the group approves it too)",
      {
        documents: stage2Docs,
        decisions: [approval("business-case", "KDAAT_BOARD")],
        eqiaScreeningDone: true,
      },
      ["business-case:JCG §3.5–3.6, App C 1"],
    ],
    [
      "housing-related support: the Core Strategy Group and the SP Commissioning Body",
      { programmeCodes: ["SP"], documents: stage2Docs, eqiaScreeningDone: true },
      ["business-case:CSG §3.5–3.6, App C 1", "business-case:SP_COMMISSIONING_BODY §3.5–3.6, App C 1"],
    ],
    [
      "everything",
      {
        documents: stage2Docs,
        decisions: [approval("business-case", "JCG"), approval("business-case", "KDAAT_BOARD")],
        eqiaScreeningDone: true,
      },
      [],
    ],
  ])("%s", (_name, overrides, expected) => {
    expect(summary(project({ stage: 2, ...overrides }))).toEqual(expected);
  });
});

describe("Stage 3 → 4: the consultation report presented to commissioners (§3.7–3.8)", () => {
  it.each<[string, Partial<ProjectSnapshot>, string[]]>([
    ["no report", {}, ["consultation-report §3.8"]],
    ["an uploaded report counts", { documents: docs("consultation-report") }, []],
  ])("%s", (_name, overrides, expected) => {
    expect(summary(project({ stage: 3, ...overrides }))).toEqual(expected);
  });
});

const stage4Docs = docs(
  "business-case",
  "service-specification-final",
  "procurement-strategy",
  "tender-evaluation-plan",
  "evaluation-report",
);
const FINAL = ["service-specification-final", "procurement-strategy", "tender-evaluation-plan"] as const;
/** Everything stage 4 asks of the programme's governance whatever the value (approvalsFor, stage 4). */
const stage4Approvals = [
  ...FINAL.map((kind) => approval(kind, "JCG")),
  ...FINAL.map((kind) => approval(kind, "KDAAT_BOARD")),
  approval("evaluation-report", "DIRECTOR"),
  approval("evaluation-report", "KDAAT_BOARD"),
];
const stage4Ready = { documents: stage4Docs, decisions: stage4Approvals, eqiaSignedOffOn: "2025-03-01" };

describe("Stage 4 → 5: approvalsFor's stage 4 approvals, procurement plan by value, award (§3.9–3.10, §3.14–3.16)", () => {
  it.each<[string, Partial<ProjectSnapshot>, string[]]>([
    [
      "nothing yet, £40,000 (no procurement plan sign-off)",
      { estimatedValuePence: 4_000_000 },
      [
        "service-specification-final §3.9",
        "procurement-strategy §3.9",
        "tender-evaluation-plan §3.9",
        "eqia-sign-off:EQUALITIES_TEAM App C 3",
        "service-specification-final:JCG §3.9, App C 3–4",
        "procurement-strategy:JCG §3.9, App C 3–4",
        "tender-evaluation-plan:JCG §3.9, App C 3–4",
        "service-specification-final:KDAAT_BOARD §3.9, App C 3–4",
        "procurement-strategy:KDAAT_BOARD §3.9, App C 3–4",
        "tender-evaluation-plan:KDAAT_BOARD §3.9, App C 3–4",
        "evaluation-report:DIRECTOR §3.14",
        "evaluation-report:KDAAT_BOARD §3.15",
        "award §3.16",
      ],
    ],
    [
      "the board alone on the final documents: the group must sign them off too (§3.9)",
      {
        ...stage4Ready,
        decisions: stage4Approvals.filter((d) => d.bodyCode !== "JCG"),
      },
      [
        "service-specification-final:JCG §3.9, App C 3–4",
        "procurement-strategy:JCG §3.9, App C 3–4",
        "tender-evaluation-plan:JCG §3.9, App C 3–4",
        "award §3.16",
      ],
    ],
    [
      "approved, £50,000 exactly: no procurement plan sign-off; award missing",
      { estimatedValuePence: 5_000_000, ...stage4Ready },
      ["award §3.16"],
    ],
    [
      "approved, £50,000.01: the Procurement Manager signs the plan off",
      { estimatedValuePence: 5_000_001, ...stage4Ready },
      ["procurement-plan:PROCUREMENT_MANAGER §3.10", "award §3.16"],
    ],
    [
      "approved, £1,000,000 exactly: still the Procurement Manager",
      { estimatedValuePence: 100_000_000, ...stage4Ready },
      ["procurement-plan:PROCUREMENT_MANAGER §3.10", "award §3.16"],
    ],
    [
      "approved, £1,000,000.01: the Procurement Board signs the plan off and approves the proposed contract",
      { estimatedValuePence: 100_000_001, ...stage4Ready },
      ["procurement-plan:PROCUREMENT_BOARD §3.10", "business-case:PROCUREMENT_BOARD App C 1", "award §3.16"],
    ],
    [
      "£2m, signed off by the Procurement Manager only: the Board is still needed",
      {
        estimatedValuePence: 200_000_000,
        ...stage4Ready,
        decisions: [
          ...stage4Approvals,
          approval("business-case", "PROCUREMENT_BOARD"),
          onProject("PROCUREMENT_MANAGER"),
        ],
      },
      ["procurement-plan:PROCUREMENT_BOARD §3.10", "award §3.16"],
    ],
    [
      "£2m, signed off by the Procurement Board, awarded",
      {
        estimatedValuePence: 200_000_000,
        ...stage4Ready,
        decisions: [
          ...stage4Approvals,
          approval("business-case", "PROCUREMENT_BOARD"),
          onProject("PROCUREMENT_BOARD"),
        ],
        awarded: true,
      },
      [],
    ],
    [
      "£2m, the Procurement Board rejected the plan",
      {
        estimatedValuePence: 200_000_000,
        ...stage4Ready,
        decisions: [
          ...stage4Approvals,
          approval("business-case", "PROCUREMENT_BOARD"),
          onProject("PROCUREMENT_BOARD", "rejected"),
        ],
        awarded: true,
      },
      ["procurement-plan:PROCUREMENT_BOARD §3.10"],
    ],
  ])("%s", (_name, overrides, expected) => {
    expect(summary(project({ stage: 4, ...overrides }))).toEqual(expected);
  });

  // The gate and /rules/approvals read the same list (approvals.ts approvalsNeeded): they cannot disagree.
  it.each([
    ["KDAAT", 4_000_000],
    ["SP", 5_000_001],
    ["KDAAT", 100_000_000],
    ["SP", 100_000_001],
    ["KSE", 200_000_000],
  ] as const)(
    "%s at %i pence: the gate asks for approvalsFor's stage 4 approvals, no more and no fewer",
    (programmeCode, valuePence) => {
      const asked = evaluateGate(
        project({ stage: 4, estimatedValuePence: valuePence, programmeCodes: [programmeCode] }),
      )
        .missing.filter((m) => m.kind === "approval")
        .map((m) => `${m.bodyCode ?? ""} ${m.output}`);
      const listed = approvalsFor({ regime: "PA2023", on: "2025-06-02", valuePence, programmeCode })
        .approvals.filter((a) => a.stage === 4)
        .flatMap((a) =>
          a.subject.type === "documents"
            ? a.subject.kinds.map((k) => `${a.bodyCode} ${k}`)
            : [`${a.bodyCode} ${a.subject.type}`],
        );
      expect([...asked].sort()).toEqual([...listed].sort());
      // Each approval of approvalsFor's stages 1–5 is asked for by the gate out of its stage.
      for (const stage of [1, 2, 3, 5] as const) {
        const gate = evaluateGate(
          project({ stage, estimatedValuePence: valuePence, programmeCodes: [programmeCode] }),
        );
        const listedAt = approvalsFor({
          regime: "PA2023",
          on: "2025-06-02",
          valuePence,
          programmeCode,
        }).approvals.filter((a) => a.stage === stage);
        expect(gate.missing.filter((m) => m.kind === "approval").map((m) => m.bodyCode)).toEqual(
          listedAt.flatMap((a) =>
            a.subject.type === "documents" ? a.subject.kinds.map(() => a.bodyCode) : [a.bodyCode],
          ),
        );
      }
    },
  );

  it("says award waits for the tenders capability", () => {
    const award = evaluateGate(project({ stage: 4 })).missing.find((m) => m.output === "award");
    expect(award?.reason).toContain("tenders capability");
  });
});

describe("Stage 5 → closed: mobilisation complete, service fully operational (§3.18–3.19)", () => {
  it.each<[string, Partial<ProjectSnapshot>, string[]]>([
    ["not yet", {}, ["mobilisation §3.18–3.19"]],
    ["complete", { mobilisationComplete: true }, []],
  ])("%s", (_name, overrides, expected) => {
    const p = project({ stage: 5, ...overrides });
    expect(summary(p)).toEqual(expected);
    expect(evaluateGate(p).nextStage).toBe("closed");
  });
});

describe("ended projects do not advance", () => {
  it.each<[string, Partial<ProjectSnapshot>, string]>([
    ["closed", { stage: "closed", outcome: "completed" }, "§3.19"],
    ["rejected (§3.17)", { stage: "closed", outcome: "rejected" }, "§3.17"],
  ])("%s", (_name, overrides, paragraph) => {
    const gate = evaluateGate(project(overrides));
    expect(gate.canAdvance).toBe(false);
    expect(gate.nextStage).toBeNull();
    expect(gate.missing).toHaveLength(1);
    expect(gate.missing[0]?.paragraph).toBe(paragraph);
  });
});

describe("a rejected recommendation ends the procurement (§3.17)", () => {
  it.each<[string, Partial<ProjectSnapshot>, boolean]>([
    ["£500,000, no Procurement Board", { estimatedValuePence: 50_000_000 }, false],
    ["£1,000,000 exactly, no Procurement Board", { estimatedValuePence: 100_000_000 }, false],
    ["£1,000,000.01: the Procurement Board approved the plan", { estimatedValuePence: 100_000_001 }, true],
    [
      "£500,000 but the Procurement Board recorded a decision",
      { estimatedValuePence: 50_000_000, decisions: [onProject("PROCUREMENT_BOARD")] },
      true,
    ],
  ])("%s: cost avoidance paper required %s", (_name, overrides, required) => {
    const result = rejectRecommendation(project({ stage: 4, ...overrides }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.record.outcome).toBe("rejected");
    expect(result.record.stage).toBe("closed");
    expect(result.record.costAvoidancePaper.required).toBe(required);
    expect(result.record.costAvoidancePaper.paragraph).toBe("§3.17");
  });

  it.each<[string, Partial<ProjectSnapshot>]>([
    ["Stage 2 has no recommendation", { stage: 2 }],
    ["an ended project", { stage: "closed", outcome: "rejected" }],
  ])("refused: %s", (_name, overrides) => {
    expect(rejectRecommendation(project(overrides)).ok).toBe(false);
  });
});

describe("stages awaiting a governance decision (derived from the gates)", () => {
  it("are the needs assessment (§3.4), business case (§3.6) and tender stages (§3.9–3.10)", () => {
    expect(STAGES_AWAITING_DECISIONS).toEqual([1, 2, 4]);
  });
});
