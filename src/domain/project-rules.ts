import { approvalsFor, type Approval, type ApprovalsAnswer, type Flag, type FlagCode } from "./approvals.js";
import type { IsoDate } from "./dates.js";
import { isProgrammeCode } from "./governance.js";
import { isRegimeCode, regimeInForceOn, type RegimeCode } from "./regimes.js";
import {
  approvalStatus,
  stageApprovals,
  STAGE_NUMBERS,
  type ApprovalEvidence,
  type MissingOutput,
  type ProjectSnapshot,
} from "./stages.js";

/**
 * The rules on one project (docs/api.md, `GET /projects/:id/rules`): what `approvalsFor` answers for
 * the project's value, regime, lead programme and start date, each approval and flag with its status.
 * An approval is met when `approvalStatus` (stages.ts, the gates' own function) finds it met; a flag
 * that turns on approvals (the Procurement Board) is met when they are; a duty that another
 * capability records (sealing, notices) stays open until it does; and what the value does not need is
 * not applicable, with approvalsFor's reason.
 */

export type RuleStatus = "open" | "met" | "not-applicable";

export interface ApprovalWithStatus extends Approval {
  status: "open" | "met";
  evidence: ApprovalEvidence[];
  /** What is still missing, as the gate lists it. */
  missing: MissingOutput[];
}

export interface FlagWithStatus extends Flag {
  status: RuleStatus;
  evidence: ApprovalEvidence[];
  /** For an open flag: what records it, and whether that exists yet. */
  waitingFor: string | null;
}

export interface ProjectRules extends Omit<ApprovalsAnswer, "approvals" | "flags" | "notRequired"> {
  projectId: string;
  approvals: ApprovalWithStatus[];
  flags: FlagWithStatus[];
  notRequired: FlagWithStatus[];
}

const TENDERS = "the tenders capability, which is not available yet";
const CONTRACTS = "the contracts capability, which is not available yet";

/**
 * What records each flag that applies, in words: the flags a project meets by its own approvals say so;
 * facts about the value and the regime need nothing recorded (they stay open as a reminder of what
 * they bring); duties wait for the capability that will record them.
 */
export const FLAG_RECORDED_BY: Record<FlagCode, string> = {
  REGIME_NOT_IN_FORCE: "a change of the project's regime or start date",
  ABOVE_THRESHOLD: "nothing: it brings the notices listed here, each open until recorded",
  SSP_ENGAGEMENT_ESSENTIAL: `a record of engagement with SSP, kept by ${TENDERS}`,
  THRESHOLD_NOT_HELD: "advice from SSP on the threshold for this date",
  NO_THRESHOLD: "the route chosen with SSP",
  PROCUREMENT_PLAN_APPROVAL: "the approvals above",
  PROCUREMENT_BOARD_REQUIRED: "the Procurement Board's approvals above",
  SEAL_REQUIRED: `the sealing of the contract, recorded by ${CONTRACTS}`,
  COST_AVOIDANCE_PAPER_IF_REJECTED: "a cost avoidance paper uploaded after a rejected recommendation (§3.17)",
  CONTRACT_AWARD_NOTICE: `the contract award notice, recorded by ${TENDERS}`,
  CONTRACTS_FINDER: `publication on Contracts Finder, recorded by ${TENDERS}`,
  CONFLICTS_ASSESSMENT: `the conflicts assessment, recorded by ${TENDERS}`,
  CONTRACT_DETAILS_NOTICE: `the contract details notice, recorded by ${CONTRACTS}`,
  BELOW_THRESHOLD_CONTRACT_DETAILS_NOTICE: `the below-threshold contract details notice, recorded by ${CONTRACTS}`,
  STANDSTILL_VOLUNTARY: `the standstill chosen, recorded by ${TENDERS}`,
  KPIS_PUBLISHED: `the published key performance indicators, recorded by ${CONTRACTS}`,
  CONTRACT_PERFORMANCE_NOTICE: `each contract performance notice, recorded by ${CONTRACTS}`,
  TERMINATION_NOTICE: `a termination notice, should the contract end early, recorded by ${CONTRACTS}`,
  PSR_ROUTES: `the route chosen, recorded by ${TENDERS}`,
  PSR_NOTICES: `the notices of intention and award, recorded by ${TENDERS}`,
  PSR_SCOPE: "a check with SSP that the service is in scope",
};

/** The regime the project runs under: its own, or (for a code no longer held) the one in force then. */
function regimeOf(p: ProjectSnapshot, startedOn: IsoDate): RegimeCode {
  if (isRegimeCode(p.regime)) return p.regime;
  const inForce = regimeInForceOn(startedOn);
  if (!inForce) throw new RangeError(`no regime for a project started on ${startedOn}`);
  return inForce;
}

/** Every approval of every stage, for every programme of the project (stages.ts `stageApprovals`). */
function approvalsWithStatus(p: ProjectSnapshot): ApprovalWithStatus[] {
  return STAGE_NUMBERS.flatMap((stage) => stageApprovals(p, stage)).map((approval) => {
    const state = approvalStatus(p, approval);
    return {
      ...approval,
      status: state.met ? "met" : "open",
      evidence: state.evidence,
      missing: state.missing,
    };
  });
}

/** A flag met by the project's own approvals (the Procurement Board's); the others wait for what records them. */
function flagStatus(flag: Flag, approvals: ApprovalWithStatus[]): FlagWithStatus {
  const open = { ...flag, status: "open" as const, evidence: [], waitingFor: FLAG_RECORDED_BY[flag.code] };
  if (flag.code === "PROCUREMENT_BOARD_REQUIRED") {
    const board = approvals.filter((a) => a.bodyCode === "PROCUREMENT_BOARD");
    if (board.length === 0 || board.some((a) => a.status !== "met")) return open;
    return { ...flag, status: "met", evidence: board.flatMap((a) => a.evidence), waitingFor: null };
  }
  return open;
}

/**
 * The rules on the project: `approvalsFor` for its value, regime, lead programme and start date (the
 * same answer `/rules/approvals` gives for them), with the approvals of every programme of a joint
 * project, and each approval and flag with its status.
 */
export function projectRules(p: ProjectSnapshot, startedOn: IsoDate): ProjectRules {
  const lead = p.programmeCodes.find(isProgrammeCode);
  if (!lead) throw new RangeError(`project ${p.id} has no programme of the framework`);
  const answer = approvalsFor({
    regime: regimeOf(p, startedOn),
    valuePence: p.estimatedValuePence,
    programmeCode: lead,
    on: startedOn,
  });
  const approvals = approvalsWithStatus(p);
  return {
    ...answer,
    projectId: p.id,
    approvals,
    flags: answer.flags.map((flag) => flagStatus(flag, approvals)),
    notRequired: answer.notRequired.map((flag) => ({
      ...flag,
      status: "not-applicable",
      evidence: [],
      waitingFor: null,
    })),
  };
}
