import { approvalsNeeded, procurementPlanApprover, type Approval } from "./approvals.js";
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

const NEXT_STAGE: Record<StageNumber, Stage> = { 1: 2, 2: 3, 3: 4, 4: 5, 5: "closed" };

export function nextStage(stage: Stage): Stage | null {
  if (stage === "closed") return null;
  return NEXT_STAGE[stage];
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
  /** The day the Equalities team signed off the EqIA updated after consultation (App C 3), if it has. */
  eqiaSignedOffOn?: string | null;
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

/** What shows an approval is met: the body's approving decision, or the record that stands for it. */
export interface ApprovalEvidence {
  /** The document kind decided on, "procurement-plan", or "eqia-sign-off". */
  output: string;
  bodyCode: string;
  decision: DecisionValue | "signed-off";
  decidedOn: string;
  /** For a document: the version approved (the latest). */
  version?: number;
}

export interface ApprovalState {
  approval: Approval;
  met: boolean;
  /** The decisions (or record) that meet it; for an approval not met, those it already has. */
  evidence: ApprovalEvidence[];
  /** What is still missing, each with its reason: what the gate lists. */
  missing: MissingOutput[];
}

/** The body's approval of the latest version of one document: its evidence, or why it is missing. */
function documentApproval(
  p: ProjectSnapshot,
  kind: DocumentKind,
  bodyCode: string,
  paragraph: string,
): { evidence?: ApprovalEvidence; missing?: MissingOutput } {
  const doc = p.documents[kind];
  const name = lowerFirst(kindName(kind));
  const body = bodyName(bodyCode);
  if (!doc) {
    const reason = `The ${name} must be approved by ${body}`;
    return { missing: { output: kind, kind: "approval", bodyCode, reason, paragraph } };
  }
  const onDocument = (d: DecisionSnapshot) => d.subjectType === "document" && d.subjectId === doc.id;
  const onLatest = lastDecision(
    p.decisions,
    bodyCode,
    (d) => onDocument(d) && d.subjectVersion === doc.version,
  );
  if (onLatest && APPROVING.includes(onLatest.decision)) {
    const { decision, decidedOn } = onLatest;
    return { evidence: { output: kind, bodyCode, decision, decidedOn, version: doc.version } };
  }
  const earlier = lastDecision(
    p.decisions,
    bodyCode,
    (d) => onDocument(d) && d.subjectVersion !== doc.version,
  );
  let reason = `Version ${doc.version} of the ${name} has not been approved by ${body}`;
  if (onLatest)
    reason = `${capitalise(body)} rejected version ${doc.version} of the ${name} on ${onLatest.decidedOn}`;
  else if (earlier && APPROVING.includes(earlier.decision))
    reason += ` (its approval was of version ${earlier.subjectVersion ?? "?"})`;
  return { missing: { output: kind, kind: "approval", bodyCode, version: doc.version, reason, paragraph } };
}

/** §3.10: the procurement plan signed off by the approver its value calls for (a decision on the project). */
function planApproval(p: ProjectSnapshot, bodyCode: string, paragraph: string) {
  const last = lastDecision(
    p.decisions,
    bodyCode,
    (d) => d.subjectType === "project" && d.subjectId === p.id,
  );
  if (last && APPROVING.includes(last.decision)) {
    const { decision, decidedOn } = last;
    return { evidence: { output: "procurement-plan", bodyCode, decision, decidedOn } };
  }
  const threshold = bodyCode === "PROCUREMENT_BOARD" ? "over £1,000,000" : "over £50,000 up to £1,000,000";
  const reason = last
    ? `${capitalise(bodyName(bodyCode))} rejected the procurement plan on ${last.decidedOn}`
    : `The procurement plan must be signed off by ${bodyName(bodyCode)} (value ${threshold})`;
  return { missing: { output: "procurement-plan", kind: "approval" as const, bodyCode, reason, paragraph } };
}

/** App C 3: the Equalities team signs off the EqIA updated after consultation (the EqIA capability records it). */
function eqiaSignOff(p: ProjectSnapshot, bodyCode: string, paragraph: string) {
  if (p.eqiaSignedOffOn) {
    return {
      evidence: {
        output: "eqia-sign-off",
        bodyCode,
        decision: "signed-off" as const,
        decidedOn: p.eqiaSignedOffOn,
      },
    };
  }
  const reason = `The equality impact assessment, updated after consultation, must be signed off by ${bodyName(bodyCode)}`;
  return { missing: { output: "eqia-sign-off", kind: "approval" as const, bodyCode, reason, paragraph } };
}

/**
 * Whether the project has an approval of `approvalsFor` (approvals.ts): met when the body's latest
 * decision on the latest version of each document approves it (an older version does not count), or
 * its latest decision on the project approves the procurement plan (§3.10), or the Equalities team has
 * signed off the EqIA (App C 3). The gates and the project's rules read this one function.
 */
export function approvalStatus(p: ProjectSnapshot, approval: Approval): ApprovalState {
  const { bodyCode, paragraph, subject } = approval;
  const parts =
    subject.type === "documents"
      ? subject.kinds.map((kind) => documentApproval(p, kind, bodyCode, paragraph))
      : [
          subject.type === "procurement-plan"
            ? planApproval(p, bodyCode, paragraph)
            : eqiaSignOff(p, bodyCode, paragraph),
        ];
  const evidence = parts.flatMap((part) => (part.evidence ? [part.evidence] : []));
  const missing = parts.flatMap((part) => (part.missing ? [part.missing] : []));
  return { approval, met: missing.length === 0, evidence, missing };
}

/**
 * The approvals the gate out of `stage` asks for: those of `approvalsNeeded` for that stage, for every
 * programme of the project (joint commissioning needs each partnership's bodies, §2.1), each body once,
 * in the cycle's order: every operational group, then every board (§3.4).
 */
export function stageApprovals(
  p: Pick<ProjectSnapshot, "estimatedValuePence" | "programmeCodes">,
  stage: StageNumber,
): Approval[] {
  const lists = p.programmeCodes
    .filter(isProgrammeCode)
    .map((code) => approvalsNeeded(p.estimatedValuePence, code).filter((a) => a.stage === stage));
  const out: Approval[] = [];
  const seen = new Set<string>();
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    for (const a of lists.map((l) => l[i])) {
      if (!a || seen.has(`${a.bodyCode} ${a.what}`)) continue;
      seen.add(`${a.bodyCode} ${a.what}`);
      out.push(a);
    }
  }
  return out;
}

/**
 * Whether every approval of these documents that the project needs (approvalsFor, each programme) is met
 * on their latest versions: the checklist reads it (App C 1 task 1.5), so it cannot complete on one.
 */
export function documentsApproved(p: ProjectSnapshot, kinds: readonly string[]): boolean {
  const needed = STAGE_NUMBERS.flatMap((stage) => stageApprovals(p, stage)).filter(
    (a) => a.subject.type === "documents" && a.subject.kinds.some((k) => kinds.includes(k)),
  );
  return needed.length > 0 && needed.every((a) => approvalStatus(p, a).met);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What the approvals of the stage still lack (`approvalStatus`). */
function requireApprovals(p: ProjectSnapshot, stage: StageNumber): MissingOutput[] {
  return stageApprovals(p, stage).flatMap((a) => approvalStatus(p, a).missing);
}

function requireFlag(
  value: boolean | undefined,
  output: string,
  reason: string,
  paragraph: string,
): MissingOutput[] {
  return value ? [] : [{ output, kind: "record", reason, paragraph }];
}

/** What the project needs before it leaves its current stage: documents, then approvals, then records. */
function requirements(p: ProjectSnapshot): MissingOutput[] {
  switch (p.stage) {
    case 1:
      return [...requireDocument(p, "needs-assessment", "§3.4"), ...requireApprovals(p, 1)];
    case 2:
      return [
        ...requireDocument(p, "business-case", "§3.6"),
        ...requireDocument(p, "service-specification-draft", "§3.6"),
        ...requireDocument(p, "outcomes-funding-framework", "§3.6"),
        ...requireDocument(p, "market-capacity-report", "§3.5, App C 2"),
        // approvalsFor (docs/rules.md, governance routes): the operational group and the board (§3.6, App C 1).
        ...requireApprovals(p, 2),
        ...requireFlag(
          p.eqiaScreeningDone,
          "eqia-screening",
          "Complete the equality impact assessment screening of the business case",
          "App C 1",
        ),
      ];
    case 3:
      return [...requireDocument(p, "consultation-report", "§3.8"), ...requireApprovals(p, 3)];
    case 4:
      return [
        ...requireDocument(p, "service-specification-final", "§3.9"),
        ...requireDocument(p, "procurement-strategy", "§3.9"),
        ...requireDocument(p, "tender-evaluation-plan", "§3.9"),
        // approvalsFor's stage 4: the EqIA sign-off (App C 3), the group and board on the final documents
        // (§3.9, App C 3–4), the procurement plan and Procurement Board (§3.10, App C 1), the award (§3.14–3.15).
        ...requireApprovals(p, 4),
        ...requireFlag(
          p.awarded,
          "award",
          "Award the contract after the standstill period (recorded by the tenders capability, which is not available yet)",
          "§3.16",
        ),
      ];
    case 5:
      return [
        ...requireApprovals(p, 5),
        ...requireFlag(
          p.mobilisationComplete,
          "mobilisation",
          "Complete mobilisation: the new service must be fully operational",
          "§3.18–3.19",
        ),
      ];
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
