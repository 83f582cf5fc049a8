import type { Flag, PlanApprover } from "./approvals.js";
import { found, type Found } from "./regime-rules.js";

/**
 * The procurement plan and the Procurement Board by value (§3.10, App C 1), and sealing (App C 7): the
 * steps of approvalsFor (approvals.ts) that turn on the value's size.
 */

/**
 * Over £1,000,000 (strictly): the Procurement Board signs off the procurement plan and approves the
 * contract (§3.10, App C 1), the contract is sealed (App C 7), and a rejection needs a cost avoidance
 * paper (§3.17).
 */
export function procurementBoardRules(value: string): Found {
  return found({
    approvals: [
      {
        bodyCode: "PROCUREMENT_BOARD",
        what: "Procurement plan, before the procurement begins",
        reason: `${value} is over £1,000,000: the procurement plan must be signed off at the Procurement Board before the procurement can begin.`,
        paragraph: "§3.10",
        stage: 4,
        subject: { type: "procurement-plan" },
      },
      {
        bodyCode: "PROCUREMENT_BOARD",
        what: "Proposed contract",
        reason: `${value} is over £1,000,000: proposed contracts over £1m must be approved by the Procurement Board; the approval is evidence needed to seal the contract.`,
        paragraph: "App C 1",
        stage: 4,
        // App C 1: evidenced with the business case and procurement proposal it approves.
        subject: { type: "documents", kinds: ["business-case"] },
      },
    ],
    flags: [
      {
        code: "PROCUREMENT_BOARD_REQUIRED",
        reason: `${value} is over £1,000,000: the Procurement Board signs off the procurement plan and approves the contract.`,
        paragraph: "§3.10, App C 1",
      },
      {
        code: "SEAL_REQUIRED",
        reason: `${value} is over £1,000,000: the contract is affixed with the common seal of the Council and attested by one authorised officer, or signed by at least two authorised officers.`,
        paragraph: "App C 7",
      },
      {
        code: "COST_AVOIDANCE_PAPER_IF_REJECTED",
        reason:
          "The Procurement Board approved this procurement: if the recommendation is rejected, its results are reported in a cost avoidance paper (SSP advises or completes it).",
        paragraph: "§3.17",
      },
    ],
  });
}

/**
 * Not over £1,000,000: no Procurement Board and no seal (§3.10, App C 7); the Procurement Manager
 * approves the plan over £50,000, and below that nobody beyond the programme's governance (§3.10).
 */
export function belowBoardRules(value: string, planApprover: PlanApprover | null): Found {
  const notRequired: Flag[] = [
    {
      code: "PROCUREMENT_BOARD_REQUIRED",
      reason: `${value} is not over £1,000,000: the Procurement Board is needed only for specifications over £1,000,000.`,
      paragraph: "§3.10",
    },
    {
      code: "SEAL_REQUIRED",
      reason: `${value} is not over £1,000,000: sealing, or signature by two authorised officers, is for contracts over £1m.`,
      paragraph: "App C 7",
    },
  ];
  if (planApprover === "PROCUREMENT_MANAGER") {
    return found({
      approvals: [
        {
          bodyCode: "PROCUREMENT_MANAGER",
          what: "Procurement plan",
          reason: `${value} is over £50,000 and not over £1,000,000: the procurement plan is submitted for approval to the Procurement Manager.`,
          paragraph: "§3.10",
          stage: 4,
          subject: { type: "procurement-plan" },
        },
      ],
      notRequired,
    });
  }
  notRequired.push({
    code: "PROCUREMENT_PLAN_APPROVAL",
    reason: `${value} is not over £50,000: no procurement plan approval is needed beyond the programme's own governance.`,
    paragraph: "§3.10",
  });
  return found({ notRequired });
}
