import { approvalsFor, PROCUREMENT_BOARD_ABOVE_PENCE, valueFlags } from "./approvals.js";
import { isOneOf } from "./codes.js";
import type { IsoDate } from "./dates.js";
import { isRegimeCode } from "./regimes.js";

/**
 * The procurement checklist of the framework's Appendix C, as data: its eight sections, every task
 * with the words of the framework and its "Evidenced by", the evidence that completes it when the
 * system itself holds it, and whether the project's value makes it irrelevant. Pure: no I/O.
 *
 * Task keys ("1.1" … "8.4") are section and position within the section, in the framework's order;
 * they are stored with each project's tasks, so they never change meaning.
 */

export const TASK_STATUSES = [
  "not-started",
  "planned",
  "in-progress",
  "completed",
  "not-applicable",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const EVIDENCE_TYPES = ["document", "decision", "record"] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

/**
 * Document kinds that complete a task when a document of that kind is uploaded to the project
 * (the kinds of docs/api.md, POST /projects/:id/documents).
 */
export const EVIDENCE_DOCUMENT_KINDS = {
  "needs-assessment": "a needs assessment",
  eqia: "an equality impact assessment",
  "business-case": "a business case",
  "notice-letter": "a letter of notice to the current provider",
  "market-capacity-report": "a market capacity report",
  "service-specification-draft": "a draft service specification",
  "consultation-report": "a consultation report",
  "service-specification-final": "a final service specification",
  "tupe-information": "TUPE information",
  "procurement-strategy": "a procurement strategy",
  "tender-evaluation-plan": "a tender evaluation plan",
  "evaluation-report": "an evaluation report",
  contract: "the contract",
  "lessons-log": "a lessons log",
  "terms-of-reference": "terms of reference",
} as const;
export type EvidenceDocumentKind = keyof typeof EVIDENCE_DOCUMENT_KINDS;

/**
 * Things the system records itself (not documents or decisions) that complete a task, by code.
 * Each names the module that records it.
 */
export const EVIDENCE_RECORD_CODES = {
  "eqia-screening-done": "the equality impact assessment screening is finished",
  "risk-register-started": "the first risk is added to the risk register",
  "consultation-published": "the consultation on the specification is published",
  "eqia-signed-off":
    "the Equalities team signs off the equality impact assessment updated after consultation",
  "advert-live": "the tender advert is published",
  "pqq-issued": "the pre-qualification questionnaire is issued",
  "pqq-evaluated": "the pre-qualification questionnaires are evaluated",
  "itt-issued": "the invitation to tender is issued",
  "clarification-answered": "a clarification is answered and kept in the tender's log",
  "tenders-opened": "the tender opening is recorded",
  "evaluation-access-given": "the evaluation team can read the opened tenders",
  "compliance-assessed": "every tender's compliance is recorded",
  "evaluation-completed": "the tender evaluation is completed",
  "bidders-notified": "the letters to bidders are sent",
  "standstill-ended": "the standstill period ends",
  "contract-signed": "the contract is signed",
  "contract-sealed": "the contract is sealed or signed by two authorised officers",
  "transition-board-created": "the transition board is created",
  "award-notice-published": "the contract award notice is published",
} as const;
export type EvidenceRecordCode = keyof typeof EVIDENCE_RECORD_CODES;

/** What a decision was about: a document kind, or the project's procurement plan. */
export type DecisionSubjectKind = EvidenceDocumentKind | "procurement-plan";

export type EvidenceMatcher =
  | { type: "document"; kind: EvidenceDocumentKind }
  /** An approval (with or without conditions) of one of `kinds`, by one of `bodyCodes` when given. */
  | { type: "decision"; kinds: readonly DecisionSubjectKind[]; bodyCodes?: readonly string[] }
  | { type: "record"; code: EvidenceRecordCode }
  /**
   * Every approval of these documents that the project needs (approvalsFor: its programme's bodies, and
   * the Procurement Board over £1m), each on the latest version: the gates' own check (stages.ts
   * `documentsApproved`), passed in as `GovernanceCheck`. Without it, any approval of them matches.
   */
  | { type: "approvals"; kinds: readonly EvidenceDocumentKind[] };

/** Whether every approval the project needs of these documents is met (stages.ts `documentsApproved`). */
export type GovernanceCheck = (kinds: readonly EvidenceDocumentKind[]) => boolean;

/** The evidence that completes a task: any one of the matchers, or all of them. */
export interface Completion {
  match: "any" | "all";
  evidence: readonly EvidenceMatcher[];
}

/**
 * Where the framework says a task applies only to some procurements (App C: the checklist "must be
 * followed in all Commissioned Services procurement projects"), the rule that says which, read from the
 * same functions as `/rules/approvals` (approvals.ts): the Procurement Board (§3.10, App C 1), sealing
 * (App C 7), the OJEU / contract award notice "if required" (App C 8). Every other task applies to all.
 */
export type RelevanceRule = "procurement-board" | "seal" | "award-notice";

export interface Relevance {
  rule: RelevanceRule;
  /** Why it does not apply (stable text: it is stored with the task). */
  reason: string;
  /** The framework's words that make the task conditional. */
  seed: string;
}

/** What a task's relevance turns on: the project's value, and its regime and start date when known. */
export interface RelevanceFacts {
  valuePence: number;
  /** A regime code (regimes.ts); anything else is read as unknown. */
  regime?: string | undefined;
  on?: IsoDate | undefined;
}

export interface TemplateTask {
  key: string;
  section: number;
  position: number;
  text: string;
  /** The bullet points the framework lists under the task. */
  details: readonly string[];
  evidencedBy: string;
  completedBy: Completion | null;
  relevance: Relevance | null;
  /** Said beside the task when the value is over £1m (App C 1). */
  overOneMillionNote?: string;
}

export interface TemplateSection {
  number: number;
  title: string;
  tasks: readonly TemplateTask[];
}

const PROCUREMENT_BOARD_NOT_NEEDED =
  "Not needed: the Procurement Board approves procurements over £1,000,000 only (§3.10, App C 1). " +
  "At this value the Procurement Manager (over £50,000) or the programme's own governance approves the procurement plan.";

const SEALING_NOT_NEEDED =
  "Not needed: only contracts over £1,000,000 are sealed or signed by two authorised officers (App C 7).";

const AWARD_NOTICE_NOT_NEEDED =
  "Not needed: below the threshold its regime holds for these services on the day it started, no contract award notice is required (App C 8; docs/rules.md).";

const PROCUREMENT_BOARD_RELEVANCE: Relevance = {
  rule: "procurement-board",
  reason: PROCUREMENT_BOARD_NOT_NEEDED,
  seed: "Proposed contracts over £1m must be approved by the Procurement Board (App C 1); for specifications exceeding £1 million pounds ... a Procurement Plan must be signed off at Procurement Board (§3.10)",
};
const SEAL_RELEVANCE: Relevance = {
  rule: "seal",
  reason: SEALING_NOT_NEEDED,
  seed: "Any contract with value in excess of £1m is: (1) affixed with the common seal of the Council and attested by one authorised officer, or (2) signed by at least two authorised officers (App C 7)",
};
const AWARD_NOTICE_RELEVANCE: Relevance = {
  rule: "award-notice",
  reason: AWARD_NOTICE_NOT_NEEDED,
  seed: "Ensure that OJEU notice is completed if required within 48 days of contract award (App C 8)",
};

const doc = (kind: EvidenceDocumentKind): EvidenceMatcher => ({ type: "document", kind });
const record = (code: EvidenceRecordCode): EvidenceMatcher => ({ type: "record", code });
const approval = (kinds: DecisionSubjectKind[], bodyCodes?: string[]): EvidenceMatcher =>
  bodyCodes ? { type: "decision", kinds, bodyCodes } : { type: "decision", kinds };
const any = (...evidence: EvidenceMatcher[]): Completion => ({ match: "any", evidence });
const all = (...evidence: EvidenceMatcher[]): Completion => ({ match: "all", evidence });

type TaskData = Omit<
  TemplateTask,
  "key" | "section" | "position" | "details" | "relevance" | "completedBy"
> & {
  details?: readonly string[];
  relevance?: Relevance;
  completedBy?: Completion;
};

const SECTION_DATA: { title: string; tasks: TaskData[] }[] = [
  {
    title: "Business Case",
    tasks: [
      {
        text: "Undertake needs assessment for the areas covered by the procurement activity or identify the relevant components from an existing needs assessment.",
        evidencedBy: "Needs assessment",
        completedBy: any(doc("needs-assessment")),
      },
      {
        text: "Seek views and feedback from service users, carers and members of the public about existing services or possible alternatives",
        evidencedBy: "Service user input in Needs Assessment",
      },
      {
        text: "Develop a robust business case and procurement proposal for commissioned service based on identified needs, partnership priorities and available resources.",
        evidencedBy: "Business case",
        completedBy: any(doc("business-case")),
      },
      {
        text: "Complete an Equalities Impact Assessment on the Business Case.",
        evidencedBy: "EIA screening",
        completedBy: any(record("eqia-screening-done"), doc("eqia")),
      },
      {
        text: "Submit a business case, procurement proposal and equalities impact assessment for approval through Commissioned Services Governance process. Proposed contracts over £1m must be approved by the Procurement Board. (This must be evidenced as it is essential for sealing of contracts and may consist of Cabinet approval or the business plan documentation)",
        evidencedBy: "Approval documented in minutes/email",
        // Every body approvalsFor names: the group and the board, and over £1m the Procurement Board.
        completedBy: all({ type: "approvals", kinds: ["business-case"] }),
        overOneMillionNote:
          "This project is over £1m: the Procurement Board must approve the proposed contract, and the approval is needed for sealing.",
      },
      {
        text: "Identify current contract notice periods (if recommissioning services) and send out relevant notification",
        evidencedBy: "Letter of notice to current provider",
        completedBy: any(doc("notice-letter")),
      },
      {
        text: "Begin Risk Register (this is a live document which must be continually updated)",
        evidencedBy: "Risk Register Developed",
        completedBy: any(record("risk-register-started")),
      },
    ],
  },
  {
    title: "Understanding the Market",
    tasks: [
      {
        text: "Assess market capability and appetite for delivering services to meet the requirements identified in the business case and prepare summary report for commissioners",
        evidencedBy: "Market capacity report (this may be part of the consultation report)",
        completedBy: any(doc("market-capacity-report")),
      },
    ],
  },
  {
    title: "Requirement",
    tasks: [
      {
        text: "Develop an outline of service requirements, outcomes and performance indicators and consult with key partners to determine requirements.",
        evidencedBy: "Draft service specification",
        completedBy: any(doc("service-specification-draft")),
      },
      {
        text: "Consult service users and other interested parties on the detailed requirements for proposed service",
        evidencedBy: "Consultation on Specification",
        completedBy: any(record("consultation-published")),
      },
      {
        text: "Collate consultation feedback into a consultation report which addresses the themes that have arisen and any amends that are recommended as a result. If a theme cannot be included give explanation as to why",
        evidencedBy: "Consultation report",
        completedBy: any(doc("consultation-report")),
      },
      {
        text: "Make any necessary changes to service requirements following consultation.",
        evidencedBy: "Final Specification",
        completedBy: any(doc("service-specification-final")),
      },
      {
        text: "Update EqIA to include amends to consultation and send to Equalities team for sign off",
        evidencedBy: "Amended EqIA and agreement from Equalities team",
        completedBy: any(record("eqia-signed-off")),
      },
      {
        text: "Obtain sign off for new service specification through appropriate governance structures",
        evidencedBy: "Agreement from governance structures",
        completedBy: any(approval(["service-specification-final"])),
      },
    ],
  },
  {
    title: "Sourcing",
    tasks: [
      {
        text: "Obtain TUPE information from the current provider if appropriate",
        evidencedBy: "TUPE list including Terms and Conditions of employment",
        completedBy: any(doc("tupe-information")),
      },
      {
        text: "Develop a procurement strategy setting out the procurement approach including:",
        details: [
          "competitive or non-competitive",
          "details of whether there will be a pre-qualification stage",
          "the procurement timescales",
        ],
        evidencedBy: "Procurement Strategy",
        completedBy: any(doc("procurement-strategy")),
      },
      {
        text: "Secure approval from Procurement Board",
        evidencedBy: "Approval from Procurement Board",
        completedBy: any(approval(["procurement-strategy", "procurement-plan"], ["PROCUREMENT_BOARD"])),
        relevance: PROCUREMENT_BOARD_RELEVANCE,
      },
      {
        text: "Develop tender evaluation plan setting out:",
        details: [
          "evaluation methodology (i.e. price to performance ratio or lowest price tender meeting minimum requirements)",
          "Evaluation criteria",
          "Membership and structure of evaluation team",
          "Approach to service user involvement in tender evaluation",
        ],
        evidencedBy: "Tender evaluation plan which is agreed by governance structures",
        completedBy: any(doc("tender-evaluation-plan")),
      },
      {
        text: "Secure approval through the governance arrangements for the procurement strategy and evaluation plan and ensure agreement is adequately documented (e.g. Board minutes).",
        evidencedBy: "Approval documented in minutes",
        completedBy: all(approval(["procurement-strategy"]), approval(["tender-evaluation-plan"])),
      },
      {
        text: "Develop and agree proposed contracts terms and conditions with Legal Services including:",
        details: [
          "Explicit statement on Freedom of Information obligations",
          "Funding model and penalty clauses",
          "Performance management arrangements",
        ],
        evidencedBy: "Terms and Conditions drafted",
      },
    ],
  },
  {
    title: "Competition",
    tasks: [
      {
        text: "Advertise the tender opportunity on Kent Business Portal",
        evidencedBy: "Advert live",
        completedBy: any(record("advert-live")),
      },
      {
        text: "Issue pre-qualification questionnaires (PQQs) to those expressing interest in bidding for the contract",
        evidencedBy: "PQQ Issued",
        completedBy: any(record("pqq-issued")),
      },
      {
        text: "Evaluate pre-qualification questionnaires and inform bidders of outcome",
        evidencedBy: "PQQ evaluated",
        completedBy: any(record("pqq-evaluated")),
      },
      {
        text: "Invite tenders from those qualifying at PQQ stage ITT to include: Terms and conditions, Specification, Instructions on weighting and guidance for questions, financial evaluation model",
        evidencedBy: "ITT issued",
        completedBy: any(record("itt-issued")),
      },
      {
        text: "Record requests for clarification on invitation to tender and issue any answers or clarifications to all bidders",
        evidencedBy: "Clarification documented",
        completedBy: any(record("clarification-answered")),
      },
      {
        text: "Liaise with KCC Strategic Procurement Unit to arrange for tender opening and recording",
        evidencedBy: "Tenders opened",
        completedBy: any(record("tenders-opened")),
      },
      {
        text: "Collate submitted tenders and circulate to evaluation team.",
        evidencedBy: "Evaluation team to have access to tenders",
        completedBy: any(record("evaluation-access-given")),
      },
      {
        text: "Book time in diary for evaluation sign off from governance structure, by authorised officers",
        evidencedBy: "Diary time booked for sign off of evaluation recommendation",
      },
    ],
  },
  {
    title: "Evaluation",
    tasks: [
      {
        text: "Complete tender compliance assessment and document results.",
        evidencedBy: "Documented results",
        completedBy: any(record("compliance-assessed")),
      },
      {
        text: "Evaluate tenders in accordance with agreed methodology",
        evidencedBy: "Evaluation completed",
        completedBy: any(record("evaluation-completed")),
      },
      {
        text: "Prepare tender evaluation report and submit to authorised officers in line with the agreed evaluation plan.",
        evidencedBy: "Evaluation Report",
        completedBy: any(doc("evaluation-report")),
      },
      {
        text: "Ensure evaluation report is signed agreed and signed by authorised officers.",
        evidencedBy: "Evaluation report Agreed",
        completedBy: any(approval(["evaluation-report"])),
      },
      {
        text: "Complete necessary contract negotiations in line with KCC guidance.",
        evidencedBy: "Contract negotiations form part of contract",
      },
    ],
  },
  {
    title: "Contract Award",
    tasks: [
      {
        text: "Book appointment with Corporate Director to obtain consent for sealing of the contract. She will require evidence that it was included in a business plan or agreed by cabinet (in minutes)",
        evidencedBy: "Appointment booked and supporting evidence prepared",
        relevance: SEAL_RELEVANCE,
      },
      {
        text: "Notify all bidders of evaluation outcome including bidders own score, score of the winning bid and identity of the successful tender.",
        evidencedBy: "Letters to bidders",
        completedBy: any(record("bidders-notified")),
      },
      {
        text: "Undertake no further action on the procurement for a minimum of 10 calendar days (Alcatel period)",
        evidencedBy: "10 day standstill",
        completedBy: any(record("standstill-ended")),
      },
      {
        text: "If no appeals are received, arrange for (execution) signature of contract in line with KCC guidance.",
        evidencedBy: "Signed contract",
        completedBy: any(record("contract-signed")),
      },
      {
        text: "Print out 2 copies of the contract to include: Terms and Conditions, the bidders submission including all attachments and notifications and clarifications",
        evidencedBy: "Contract",
        completedBy: any(doc("contract")),
      },
      {
        text: "Send contract to provider for signing",
        evidencedBy: "Return of signed contract",
      },
      {
        text: "Meet with Corporate Director to obtain signature and permission to seal. Any contract with value in excess of £1m is: (1) affixed with the common seal of the Council and attested by one authorised officer, or (2) signed by at least two authorised officers",
        evidencedBy: "Sealed and/or Signed Contract",
        completedBy: any(record("contract-sealed")),
        relevance: SEAL_RELEVANCE,
      },
      {
        text: "Inform stakeholders of the results of the procurement.",
        evidencedBy: "Letter to stakeholders",
      },
      {
        text: "Send Contract to legal to be sealed and return a copy of the sealed contract to the provider",
        evidencedBy: "Sealed by legal and one copy returned to provider",
        relevance: SEAL_RELEVANCE,
      },
    ],
  },
  {
    title: "Post Contract Award",
    tasks: [
      {
        text: "Undertake a feedback exercise with both winning and non winning bidders, as well as evaluation team and other stakeholders with the view to capturing their experience of the tender",
        evidencedBy: "Lessons log completed",
        completedBy: any(doc("lessons-log")),
      },
      {
        text: "Begin transition or transformation meetings to ensure a smooth beginning to the new contract",
        evidencedBy: "Transformation/Transition board created",
        completedBy: any(record("transition-board-created")),
      },
      {
        text: "Develop Terms of Reference for the Transformation Board",
        evidencedBy: "T of R developed and signed off by board",
        completedBy: any(doc("terms-of-reference")),
      },
      {
        text: "Ensure that OJEU notice is completed if required within 48 days of contract award",
        evidencedBy: "OJEU notice confirmation",
        completedBy: any(record("award-notice-published")),
        relevance: AWARD_NOTICE_RELEVANCE,
      },
    ],
  },
];

/** Appendix C: eight sections, in the framework's order. */
export const CHECKLIST_TEMPLATE: readonly TemplateSection[] = SECTION_DATA.map((section, s) => ({
  number: s + 1,
  title: section.title,
  tasks: section.tasks.map((task, t) => ({
    key: `${s + 1}.${t + 1}`,
    section: s + 1,
    position: t + 1,
    text: task.text,
    details: task.details ?? [],
    evidencedBy: task.evidencedBy,
    completedBy: task.completedBy ?? null,
    relevance: task.relevance ?? null,
    ...(task.overOneMillionNote ? { overOneMillionNote: task.overOneMillionNote } : {}),
  })),
}));

export const TEMPLATE_TASKS: readonly TemplateTask[] = CHECKLIST_TEMPLATE.flatMap((s) => s.tasks);

const BY_KEY = new Map(TEMPLATE_TASKS.map((t) => [t.key, t]));

export function templateTask(key: string): TemplateTask | undefined {
  return BY_KEY.get(key);
}

export interface ChecklistTaskForValue extends TemplateTask {
  applicable: boolean;
  /** Why the value makes the task irrelevant; null when it applies. */
  notApplicableReason: string | null;
  /** Anything the value adds to the task (over £1m). */
  note: string | null;
}

function factsOf(facts: number | RelevanceFacts): RelevanceFacts {
  return typeof facts === "number" ? { valuePence: facts } : facts;
}

/** Whether the rule finds the task applies: approvalsFor's flags and notRequired decide (approvals.ts). */
function ruleApplies(rule: RelevanceRule, { valuePence, regime, on }: RelevanceFacts): boolean {
  switch (rule) {
    case "procurement-board":
      return valueFlags(valuePence).applies.includes("PROCUREMENT_BOARD_REQUIRED");
    case "seal":
      return valueFlags(valuePence).applies.includes("SEAL_REQUIRED");
    case "award-notice": {
      // "If required": only approvalsFor saying it is not (below the threshold held that day) sets it aside.
      if (!regime || !on || !isRegimeCode(regime)) return true;
      const answer = approvalsFor({ regime, on, valuePence, programmeCode: "SP" });
      return !answer.notRequired.some((f) => f.code === "CONTRACT_AWARD_NOTICE");
    }
  }
}

/**
 * Whether a task applies to this project, and why not when it does not: a value alone (a number), or
 * the value with the regime and start date (the award notice turns on the threshold held that day).
 */
export function relevanceAt(
  task: TemplateTask,
  facts: number | RelevanceFacts,
): { applicable: boolean; reason: string | null } {
  if (task.relevance && !ruleApplies(task.relevance.rule, factsOf(facts))) {
    return { applicable: false, reason: task.relevance.reason };
  }
  return { applicable: true, reason: null };
}

/** The checklist for a project: every task, each saying whether it applies (value in pence, or the facts). */
export function checklistFor(
  facts: number | RelevanceFacts,
): { number: number; title: string; tasks: ChecklistTaskForValue[] }[] {
  const { valuePence } = factsOf(facts);
  return CHECKLIST_TEMPLATE.map((section) => ({
    number: section.number,
    title: section.title,
    tasks: section.tasks.map((task) => {
      const { applicable, reason } = relevanceAt(task, facts);
      const note =
        task.overOneMillionNote && valuePence > PROCUREMENT_BOARD_ABOVE_PENCE
          ? task.overOneMillionNote
          : null;
      return { ...task, applicable, notApplicableReason: reason, note };
    }),
  }));
}

/** A piece of evidence the system holds for a project. */
export interface EvidenceItem {
  type: EvidenceType;
  /** document: its kind; decision: the kind of what was decided; record: its code. */
  kind?: string | undefined;
  /** decision only: the body that decided. */
  bodyCode?: string | undefined;
  /** decision only: rejections complete nothing. */
  decision?: "approved" | "approved-with-conditions" | "rejected" | undefined;
}

export function matches(matcher: EvidenceMatcher, item: EvidenceItem): boolean {
  if (matcher.type === "approvals")
    return (
      item.type === "decision" &&
      item.decision !== "rejected" &&
      item.kind !== undefined &&
      isOneOf(matcher.kinds, item.kind)
    );
  if (matcher.type !== item.type) return false;
  switch (matcher.type) {
    case "document":
      return item.kind === matcher.kind;
    case "record":
      return item.kind === matcher.code;
    case "decision":
      if (item.decision === "rejected") return false;
      if (!item.kind || !isOneOf(matcher.kinds, item.kind)) return false;
      return !matcher.bodyCodes || (item.bodyCode !== undefined && matcher.bodyCodes.includes(item.bodyCode));
  }
}

function satisfied(
  completion: Completion,
  items: readonly EvidenceItem[],
  governance?: GovernanceCheck,
): boolean {
  const met = (m: EvidenceMatcher) =>
    m.type === "approvals" && governance ? governance(m.kinds) : items.some((item) => matches(m, item));
  return completion.match === "all" ? completion.evidence.every(met) : completion.evidence.some(met);
}

/**
 * The keys of the tasks that this evidence completes: one item, or everything a project holds
 * (a task that needs several pieces completes only when all are there). Relevance is not considered.
 */
function isEvidenceList(
  evidence: EvidenceItem | readonly EvidenceItem[],
): evidence is readonly EvidenceItem[] {
  return Array.isArray(evidence);
}

export function tasksCompletedBy(
  evidence: EvidenceItem | readonly EvidenceItem[],
  governance?: GovernanceCheck,
): string[] {
  const items = isEvidenceList(evidence) ? evidence : [evidence];
  return TEMPLATE_TASKS.filter((t) => t.completedBy && satisfied(t.completedBy, items, governance)).map(
    (t) => t.key,
  );
}

/** The task completes on every approval the project needs (a `GovernanceCheck`), not on any one. */
export function needsGovernance(task: TemplateTask | undefined): boolean {
  return task?.completedBy?.evidence.some((m) => m.type === "approvals") ?? false;
}

/** The keys of the tasks that this one item is (part of) the evidence for. */
export function tasksTouchedBy(item: EvidenceItem): string[] {
  return TEMPLATE_TASKS.filter((t) => t.completedBy?.evidence.some((m) => matches(m, item))).map(
    (t) => t.key,
  );
}

function describeMatcher(m: EvidenceMatcher): string {
  switch (m.type) {
    case "document":
      return `${EVIDENCE_DOCUMENT_KINDS[m.kind]} is uploaded`;
    case "record":
      return EVIDENCE_RECORD_CODES[m.code];
    case "approvals":
      return `every approval it needs of ${m.kinds.map((k) => EVIDENCE_DOCUMENT_KINDS[k]).join(" and ")} is recorded (the operational group and the board, and over £1m the Procurement Board)`;
    case "decision": {
      const what = m.kinds
        .map((k) => (k === "procurement-plan" ? "the procurement plan" : EVIDENCE_DOCUMENT_KINDS[k]))
        .join(" or ");
      const by = m.bodyCodes?.includes("PROCUREMENT_BOARD") ? "the Procurement Board" : "governance";
      return `${by} approves ${what}`;
    }
  }
}

/** How a task completes itself, in words for the page ("when a needs assessment is uploaded"); null if it does not. */
export function describeCompletion(task: TemplateTask): string | null {
  if (!task.completedBy) return null;
  const parts = task.completedBy.evidence.map(describeMatcher);
  return `when ${parts.join(task.completedBy.match === "all" ? " and " : ", or when ")}`;
}
