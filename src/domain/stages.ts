import { procurementPlanApprover } from "./approvals.js";
import {
  bodyName,
  isProgrammeCode,
  PROGRAMME_CODES,
  PROGRAMME_GOVERNANCE,
  type ExecutiveBoard,
  type OperationalGroup,
} from "./governance.js";
import { isOneOf } from "./codes.js";

/**
 * The commissioning cycle (framework §3): five stages, each with a gate of required outputs and
 * approvals. Pure functions over a snapshot of a project; nothing here reads a database.
 */

export const STAGE_NUMBERS = [1, 2, 3, 4, 5] as const;
export type StageNumber = (typeof STAGE_NUMBERS)[number];
export type Stage = StageNumber | "closed";

/** Stage headings as the framework names them (§3.3–3.19). */
export const STAGE_NAMES: Record<Stage, string> = {
  1: "Needs assessment, contract monitoring and service evaluation",
  2: "Service redesign",
  3: "Consultation",
  4: "Contracting and tendering",
  5: "Service mobilisation",
  closed: "Closed",
};

export function isStage(value: unknown): value is Stage {
  return value === "closed" || isOneOf(STAGE_NUMBERS, value);
}

/** The stored form ("1".."5", "closed") to a stage; anything else is not a stage. */
export function parseStage(value: string): Stage | null {
  if (value === "closed") return "closed";
  const n = Number(value);
  return isStage(n) ? n : null;
}

export function nextStage(stage: Stage): Stage | null {
  if (stage === "closed") return null;
  return stage === 5 ? "closed" : ((stage + 1) as StageNumber);
}

/** Document kinds of a project (docs/api.md, commissioning projects). */
export const DOCUMENT_KINDS = [
  "needs-assessment",
  "business-case",
  "service-specification-draft",
  "outcomes-funding-framework",
  "market-capacity-report",
  "consultation-report",
  "service-specification-final",
  "procurement-strategy",
  "tender-evaluation-plan",
  "eqia",
  "evaluation-report",
  "contract",
  "terms-of-reference",
  "lessons-log",
  "cost-avoidance-paper",
  "tupe-information",
  "notice-letter",
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const DOCUMENT_KIND_NAMES: Record<DocumentKind, string> = {
  "needs-assessment": "Needs assessment",
  "business-case": "Business case",
  "service-specification-draft": "Draft service specification",
  "outcomes-funding-framework": "Outcomes and funding framework",
  "market-capacity-report": "Market capacity report",
  "consultation-report": "Consultation report",
  "service-specification-final": "Final service specification",
  "procurement-strategy": "Procurement strategy",
  "tender-evaluation-plan": "Tender evaluation plan",
  eqia: "Equality impact assessment",
  "evaluation-report": "Tender evaluation report",
  contract: "Contract",
  "terms-of-reference": "Terms of reference",
  "lessons-log": "Lessons log",
  "cost-avoidance-paper": "Cost avoidance paper",
  "tupe-information": "TUPE information",
  "notice-letter": "Letter of notice to the current provider",
};

export function isDocumentKind(value: string): value is DocumentKind {
  return isOneOf(DOCUMENT_KINDS, value);
}

/** The bodies of every programme of a project, lead first; joint commissioning needs each partnership's. */
export function governanceFor(programmeCodes: readonly string[]) {
  const groups: OperationalGroup[] = [];
  const boards: ExecutiveBoard[] = [];
  for (const code of programmeCodes) {
    if (!isProgrammeCode(code)) continue;
    if (!groups.includes(PROGRAMME_GOVERNANCE[code].operationalGroup))
      groups.push(PROGRAMME_GOVERNANCE[code].operationalGroup);
    if (!boards.includes(PROGRAMME_GOVERNANCE[code].executiveBoard))
      boards.push(PROGRAMME_GOVERNANCE[code].executiveBoard);
  }
  return { groups, boards };
}

export type DecisionValue = "approved" | "rejected" | "approved-with-conditions";

export interface DocumentSnapshot {
  id: string;
  /** The latest version of the document; an approval counts only for it. */
  version: number;
}

export interface DecisionSnapshot {
  subjectType: "document" | "project";
  subjectId: string;
  /** For a document, the version that was before the body. */
  subjectVersion: number | null;
  bodyCode: string;
  decision: DecisionValue;
  decidedOn: string;
}

export interface ProjectSnapshot {
  id: string;
  stage: Stage;
  outcome: "open" | "completed" | "rejected" | "withdrawn";
  estimatedValuePence: number;
  /** Lead programme first, then any joint commissioning partners. */
  programmeCodes: readonly string[];
  regime: string;
  /** For each kind, the document most recently uploaded, at its latest version. */
  documents: Partial<Record<DocumentKind, DocumentSnapshot>>;
  /** In the order they were recorded. */
  decisions: readonly DecisionSnapshot[];
  /** EqIA screening done (App C 1); the EqIA capability provides it. */
  eqiaScreeningDone?: boolean;
  /** Contract awarded after standstill (§3.16); the tenders capability provides it. */
  awarded?: boolean;
  /** Mobilisation complete and the service fully operational (§3.18–3.19). */
  mobilisationComplete?: boolean;
}

export interface MissingOutput {
  /** What is missing: a document kind, or an output such as "procurement-plan", "award". */
  output: string;
  reason: string;
  paragraph: string;
  /** What sort of thing is missing. */
  kind: "document" | "approval" | "record";
  /** For an approval: the body that must decide. */
  bodyCode?: string;
  /** For an approval of a document: the version the body must approve. */
  version?: number;
}

export interface Gate {
  stage: Stage;
  nextStage: Stage | null;
  canAdvance: boolean;
  missing: MissingOutput[];
}

const APPROVING: readonly DecisionValue[] = ["approved", "approved-with-conditions"];

/** The body's last word on the subject (a later decision replaces an earlier one). */
function lastDecision(
  decisions: readonly DecisionSnapshot[],
  bodyCode: string,
  matches: (d: DecisionSnapshot) => boolean,
): DecisionSnapshot | undefined {
  let found: DecisionSnapshot | undefined;
  for (const d of decisions) {
    if (d.bodyCode !== bodyCode || !matches(d)) continue;
    if (!found || d.decidedOn >= found.decidedOn) found = d;
  }
  return found;
}

function kindName(kind: DocumentKind): string {
  return DOCUMENT_KIND_NAMES[kind];
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** The document must exist. */
function requireDocument(p: ProjectSnapshot, kind: DocumentKind, paragraph: string): MissingOutput[] {
  if (p.documents[kind]) return [];
  return [
    {
      output: kind,
      kind: "document",
      reason: `Upload the ${lowerFirst(kindName(kind))}`,
      paragraph,
    },
  ];
}

/** The latest version of the document must be approved by each body (an older version does not count). */
function requireApproval(
  p: ProjectSnapshot,
  kind: DocumentKind,
  bodyCodes: readonly string[],
  paragraph: string,
): MissingOutput[] {
  const doc = p.documents[kind];
  const name = lowerFirst(kindName(kind));
  const out: MissingOutput[] = [];
  for (const bodyCode of bodyCodes) {
    if (!doc) {
      out.push({
        output: kind,
        kind: "approval",
        bodyCode,
        reason: `The ${name} must be approved by ${bodyName(bodyCode)}`,
        paragraph,
      });
      continue;
    }
    const onLatest = lastDecision(
      p.decisions,
      bodyCode,
      (d) => d.subjectType === "document" && d.subjectId === doc.id && d.subjectVersion === doc.version,
    );
    if (onLatest && APPROVING.includes(onLatest.decision)) continue;
    const earlier = lastDecision(
      p.decisions,
      bodyCode,
      (d) => d.subjectType === "document" && d.subjectId === doc.id && d.subjectVersion !== doc.version,
    );
    let reason: string;
    if (onLatest) {
      reason = `${capitalise(bodyName(bodyCode))} rejected version ${doc.version} of the ${name} on ${onLatest.decidedOn}`;
    } else if (earlier && APPROVING.includes(earlier.decision)) {
      reason = `Version ${doc.version} of the ${name} has not been approved by ${bodyName(bodyCode)} (its approval was of version ${earlier.subjectVersion ?? "?"})`;
    } else {
      reason = `Version ${doc.version} of the ${name} has not been approved by ${bodyName(bodyCode)}`;
    }
    out.push({ output: kind, kind: "approval", bodyCode, version: doc.version, reason, paragraph });
  }
  return out;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** §3.10: the procurement plan signed off by the approver its value calls for (a decision on the project). */
function requireProcurementPlan(p: ProjectSnapshot): MissingOutput[] {
  const approver = procurementPlanApprover(p.estimatedValuePence);
  if (!approver) return [];
  const last = lastDecision(
    p.decisions,
    approver,
    (d) => d.subjectType === "project" && d.subjectId === p.id,
  );
  if (last && APPROVING.includes(last.decision)) return [];
  const threshold = approver === "PROCUREMENT_BOARD" ? "over £1,000,000" : "over £50,000 up to £1,000,000";
  return [
    {
      output: "procurement-plan",
      kind: "approval",
      bodyCode: approver,
      reason: last
        ? `${capitalise(bodyName(approver))} rejected the procurement plan on ${last.decidedOn}`
        : `The procurement plan must be signed off by ${bodyName(approver)} (value ${threshold})`,
      paragraph: "§3.10",
    },
  ];
}

function requireFlag(
  value: boolean | undefined,
  output: string,
  reason: string,
  paragraph: string,
): MissingOutput[] {
  return value ? [] : [{ output, kind: "record", reason, paragraph }];
}

/** What the project needs before it leaves its current stage. */
function requirements(p: ProjectSnapshot): MissingOutput[] {
  const { groups, boards } = governanceFor(p.programmeCodes);
  switch (p.stage) {
    case 1:
      return [
        ...requireDocument(p, "needs-assessment", "§3.4"),
        ...requireApproval(p, "needs-assessment", [...groups, ...boards], "§3.4"),
      ];
    case 2:
      return [
        ...requireDocument(p, "business-case", "§3.6"),
        ...requireDocument(p, "service-specification-draft", "§3.6"),
        ...requireDocument(p, "outcomes-funding-framework", "§3.6"),
        ...requireDocument(p, "market-capacity-report", "§3.5, App C 2"),
        // docs/rules.md (governance routes): the business case is approved through governance, by the
        // programme's operational group and its board (§3.5 has both direct Stage 2; App C 1).
        ...requireApproval(p, "business-case", [...groups, ...boards], "§3.5–3.6, App C 1"),
        ...requireFlag(
          p.eqiaScreeningDone,
          "eqia-screening",
          "Complete the equality impact assessment screening of the business case",
          "App C 1",
        ),
      ];
    case 3:
      return requireDocument(p, "consultation-report", "§3.8");
    case 4:
      return [
        ...requireDocument(p, "service-specification-final", "§3.9"),
        ...requireDocument(p, "procurement-strategy", "§3.9"),
        ...requireDocument(p, "tender-evaluation-plan", "§3.9"),
        ...requireApproval(p, "service-specification-final", boards, "§3.9, App C 3"),
        ...requireApproval(p, "procurement-strategy", boards, "§3.9–3.10, App C 4"),
        ...requireApproval(p, "tender-evaluation-plan", boards, "§3.9–3.10, App C 4"),
        ...requireProcurementPlan(p),
        ...requireFlag(
          p.awarded,
          "award",
          "Award the contract after the standstill period (recorded by the tenders capability, which is not available yet)",
          "§3.16",
        ),
      ];
    case 5:
      return requireFlag(
        p.mobilisationComplete,
        "mobilisation",
        "Complete mobilisation: the new service must be fully operational",
        "§3.18–3.19",
      );
    case "closed":
      return [];
  }
}

/**
 * The stages whose gate out asks a governance body for a decision, derived from `requirements` on a
 * project with nothing yet (above every value threshold, every programme), so the list cannot drift.
 */
export const STAGES_AWAITING_DECISIONS: readonly Stage[] = STAGE_NUMBERS.filter((stage) =>
  requirements({
    id: "",
    stage,
    outcome: "open",
    estimatedValuePence: Number.MAX_SAFE_INTEGER,
    programmeCodes: PROGRAMME_CODES,
    regime: "",
    documents: {},
    decisions: [],
  }).some((missing) => missing.bodyCode !== undefined),
);

/**
 * The gate out of the project's current stage: whether it may advance, and each missing output with
 * its reason and paragraph. A closed or ended project cannot advance.
 */
export function evaluateGate(p: ProjectSnapshot): Gate {
  const next = nextStage(p.stage);
  if (p.outcome !== "open" || next === null) {
    const reason =
      p.outcome === "rejected"
        ? "The recommendation was rejected and the procurement ended; a new tendering exercise is a new project"
        : "The project is closed";
    return {
      stage: p.stage,
      nextStage: null,
      canAdvance: false,
      missing: [
        {
          output: "project",
          kind: "record",
          reason,
          paragraph: p.outcome === "rejected" ? "§3.17" : "§3.19",
        },
      ],
    };
  }
  const missing = requirements(p);
  return { stage: p.stage, nextStage: next, canAdvance: missing.length === 0, missing };
}

export interface Rejection {
  outcome: "rejected";
  stage: "closed";
  /** §3.17: the results go in a cost avoidance paper when the Procurement Board was involved. */
  costAvoidancePaper: { required: boolean; reason: string; paragraph: "§3.17" };
  paragraph: "§3.17";
}

export type RejectionResult =
  { ok: true; record: Rejection } | { ok: false; reason: string; paragraph: string };

/**
 * Whether the Procurement Board was involved (§3.10, §3.17): the value called for its sign-off of the
 * procurement plan, or it recorded a decision on the project.
 */
export function procurementBoardInvolved(
  p: Pick<ProjectSnapshot, "estimatedValuePence" | "decisions">,
): boolean {
  return (
    procurementPlanApprover(p.estimatedValuePence) === "PROCUREMENT_BOARD" ||
    p.decisions.some((d) => d.bodyCode === "PROCUREMENT_BOARD")
  );
}

/**
 * §3.17: a rejected recommendation concludes the tendering; the project records it. Only a project in
 * Stage 4 (contracting and tendering) has a recommendation to reject (§3.14–3.15). The Procurement Board
 * was involved when the value called for its sign-off (§3.10) or it recorded a decision on the project.
 */
export function rejectRecommendation(p: ProjectSnapshot): RejectionResult {
  if (p.outcome !== "open") {
    return { ok: false, reason: "The project has already ended", paragraph: "§3.17" };
  }
  if (p.stage !== 4) {
    return {
      ok: false,
      reason: "Only a project in Stage 4 (contracting and tendering) has a recommendation to reject",
      paragraph: "§3.14–3.15",
    };
  }
  const required = procurementBoardInvolved(p);
  return {
    ok: true,
    record: {
      outcome: "rejected",
      stage: "closed",
      paragraph: "§3.17",
      costAvoidancePaper: {
        required,
        paragraph: "§3.17",
        reason: required
          ? "The procurement was subject to Procurement Board approval: report its results in a cost avoidance paper (SSP will advise)"
          : "The Procurement Board was not involved: no cost avoidance paper is needed",
      },
    },
  };
}
