import type { DocumentKind } from "../../domain/stages.js";
import type { DemoProject, DemoStep } from "./project-steps.js";

/**
 * The demo's commissioning projects, one at each stage the services can reach (§3.3): Stage 5 waits for
 * the tenders capability, which records the award after standstill (§3.16). Among them one is stuck for
 * an approval its gate needs, one has checklist tasks planned for days that have passed, and one's
 * recommendation was rejected (§3.17). Each stage's steps are those its gate asks for (stages.ts).
 */

/** The operational group and the executive board of a programme (§2.1, governance.ts). */
const GOVERNANCE: Record<string, { group: string; board: string }> = {
  KDAAT: { group: "JCG", board: "KDAAT_BOARD" },
  SP: { group: "CSG", board: "SP_COMMISSIONING_BODY" },
  KSE: { group: "CSG", board: "SP_COMMISSIONING_BODY" },
  KSAS: { group: "CSG", board: "SP_COMMISSIONING_BODY" },
};

function governanceOf(programmeCode: string) {
  const found = GOVERNANCE[programmeCode];
  if (!found) throw new Error(`no demo governance for ${programmeCode}`);
  return found;
}

function paper(kind: DocumentKind, title: string, service: string): DemoStep {
  return {
    upload: kind,
    title,
    lines: [
      service,
      "",
      "Demo document: made up for Commissioner's demonstration data.",
      "It stands for the paper a commissioner would upload at this point of the cycle.",
    ],
  };
}

/** Stage 1 (§3.4): the needs assessment, approved by the programme's group and board. */
function stageOne(programmeCode: string, service: string, daysAgo: number): DemoStep[] {
  const { group, board } = governanceOf(programmeCode);
  return [
    paper("needs-assessment", `Needs assessment: ${service}`, service),
    { decide: "needs-assessment", body: group, daysAgo },
    { decide: "needs-assessment", body: board, daysAgo: daysAgo - 14 },
    { advance: true },
  ];
}

/** Stage 2 (§3.5–3.6, App C 1): the redesign's papers, the EqIA screening, the business case approved. */
function stageTwoPapers(service: string): DemoStep[] {
  return [
    paper("business-case", "Business case", service),
    paper("service-specification-draft", "Draft service specification", service),
    paper("outcomes-funding-framework", "Outcomes and funding framework", service),
    paper("market-capacity-report", "Market capacity report", service),
    {
      risk: "Too few providers bid",
      likelihood: 2,
      impact: 4,
      owner: "Chris Commissioner",
      mitigation: "Market engagement event before the advert; lots sized for smaller providers.",
      reviewIn: 45,
    },
    { screening: "positive", signOff: true },
  ];
}

function stageTwo(programmeCode: string, service: string, daysAgo: number): DemoStep[] {
  const { group, board } = governanceOf(programmeCode);
  return [
    ...stageTwoPapers(service),
    { decide: "business-case", body: group, daysAgo },
    {
      decide: "business-case",
      body: board,
      daysAgo: daysAgo - 10,
      decision: "approved-with-conditions",
      conditions: "Report the outcome of the consultation to the board before the tender is advertised.",
    },
    { advance: true },
  ];
}

/** Stage 3 (§3.8): the consultation report. */
function stageThree(service: string): DemoStep[] {
  return [paper("consultation-report", "Consultation report", service), { advance: true }];
}

/** Stage 4 (§3.9–3.10): the final papers approved by the board, the procurement plan signed off. */
function stageFour(programmeCode: string, service: string, daysAgo: number, planBody: string): DemoStep[] {
  const { group, board } = governanceOf(programmeCode);
  return [
    paper("service-specification-final", "Final service specification", service),
    paper("procurement-strategy", "Procurement strategy", service),
    paper("tender-evaluation-plan", "Tender evaluation plan", service),
    // The group's approvals and the Procurement Board's of the business case, which publishing a
    // tender asks for (§3.9, App C 1, 3–4).
    { decide: "service-specification-final", body: group, daysAgo: daysAgo + 7 },
    { decide: "procurement-strategy", body: group, daysAgo: daysAgo + 7 },
    { decide: "tender-evaluation-plan", body: group, daysAgo: daysAgo + 7 },
    { decide: "business-case", body: "PROCUREMENT_BOARD", daysAgo },
    { decide: "service-specification-final", body: board, daysAgo },
    { decide: "procurement-strategy", body: board, daysAgo },
    { decide: "tender-evaluation-plan", body: board, daysAgo },
    { decide: "procurement-plan", body: planBody, daysAgo: daysAgo - 7 },
    { task: "5.1", status: "completed", daysAgo: daysAgo - 21 },
  ];
}

export const RECOVERY = "Community drug and alcohol recovery service, West Kent";
const YOUNG_HOUSING = "Housing-related support for young people, East Kent";
const OLDER = "Floating support for older people";
const YOUNG_TREATMENT = "Young people's substance misuse service";
const EMPLOYMENT = "Supported employment for people in recovery";
/** The second Stage 4 project: its tender is open for bids in the demo (demo/tendering.ts). */
export const OUTREACH = "Street outreach and recovery support, Medway";
const WELFARE = "Emergency support scheme (Kent Support and Assistance Service)";

export const DEMO_PROJECTS: readonly DemoProject[] = [
  {
    title: RECOVERY,
    description: "Recommissioning adult community treatment and recovery for West Kent (Stage 4).",
    programmeCode: "KDAAT",
    estimatedValuePence: 320_000_000,
    contractMonths: 60,
    startedDaysAgo: 700,
    steps: [
      ...stageOne("KDAAT", RECOVERY, 640),
      ...stageTwo("KDAAT", RECOVERY, 520),
      ...stageThree(RECOVERY),
      ...stageFour("KDAAT", RECOVERY, 120, "PROCUREMENT_BOARD"),
      { task: "5.2", status: "in-progress", plannedIn: 14 },
    ],
  },
  {
    title: OUTREACH,
    description:
      "Outreach to people sleeping rough who use drugs or alcohol, with a route into recovery (Stage 4).",
    programmeCode: "KDAAT",
    estimatedValuePence: 126_000_000,
    contractMonths: 36,
    startedDaysAgo: 560,
    steps: [
      ...stageOne("KDAAT", OUTREACH, 520),
      ...stageTwo("KDAAT", OUTREACH, 420),
      ...stageThree(OUTREACH),
      ...stageFour("KDAAT", OUTREACH, 60, "PROCUREMENT_BOARD"),
    ],
  },
  {
    title: YOUNG_HOUSING,
    description: "Supported accommodation for 16 to 25 year olds; the recommendation was rejected (§3.17).",
    programmeCode: "SP",
    estimatedValuePence: 180_000_000,
    contractMonths: 36,
    startedDaysAgo: 620,
    steps: [
      ...stageOne("SP", YOUNG_HOUSING, 580),
      ...stageTwo("SP", YOUNG_HOUSING, 470),
      ...stageThree(YOUNG_HOUSING),
      ...stageFour("SP", YOUNG_HOUSING, 200, "PROCUREMENT_BOARD"),
      {
        reject:
          "The Procurement Board rejected the evaluation panel's recommendation: no tender met the quality threshold for safeguarding.",
      },
      paper("cost-avoidance-paper", "Cost avoidance paper", YOUNG_HOUSING),
    ],
  },
  {
    title: OLDER,
    description: "Floating support for people over 55 in their own homes (Stage 3, tasks overdue).",
    programmeCode: "SP",
    estimatedValuePence: 90_000_000,
    contractMonths: 36,
    startedDaysAgo: 400,
    steps: [
      ...stageOne("SP", OLDER, 360),
      ...stageTwo("SP", OLDER, 250),
      { task: "1.2", status: "planned", plannedIn: -24 },
      { task: "3.2", status: "in-progress", plannedIn: -9 },
      { task: "4.1", status: "planned", plannedIn: -3 },
      {
        risk: "The consultation reaches too few people who do not use the internet",
        likelihood: 3,
        impact: 3,
        owner: "Chris Commissioner",
        mitigation: "Paper questionnaires through the current provider's support workers.",
        reviewIn: -6,
      },
    ],
  },
  {
    title: YOUNG_TREATMENT,
    description: "Specialist substance misuse support for under-18s (Stage 2, waiting for the KDAAT Board).",
    programmeCode: "KDAAT",
    estimatedValuePence: 75_000_000,
    contractMonths: 48,
    startedDaysAgo: 240,
    steps: [
      ...stageOne("KDAAT", YOUNG_TREATMENT, 200),
      ...stageTwoPapers(YOUNG_TREATMENT),
      { decide: "business-case", body: "JCG", daysAgo: 60 },
    ],
  },
  {
    title: EMPLOYMENT,
    description: "Individual placement and support for people in drug and alcohol recovery (Stage 1).",
    programmeCode: "KSE",
    estimatedValuePence: 42_000_000,
    contractMonths: 24,
    startedDaysAgo: 90,
    steps: [
      paper("needs-assessment", `Needs assessment: ${EMPLOYMENT}`, EMPLOYMENT),
      paper("needs-assessment", `Needs assessment: ${EMPLOYMENT}`, EMPLOYMENT),
      { task: "1.2", status: "planned", plannedIn: 21 },
    ],
  },
  {
    title: WELFARE,
    description: "Crisis grants and household goods for people in immediate need (Stage 1, just begun).",
    programmeCode: "KSAS",
    estimatedValuePence: 240_000_000,
    contractMonths: 48,
    startedDaysAgo: 12,
    steps: [{ task: "1.1", status: "planned", plannedIn: 40 }],
  },
];
