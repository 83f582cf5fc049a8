/**
 * Approvals by value (RULES.md, governance routes). Money is integer pence.
 * Thresholds are data: the framework's values, held here once.
 */
export const PROCUREMENT_BOARD_ABOVE_PENCE = 100_000_000; // £1,000,000 (§3.10)
export const PROCUREMENT_MANAGER_ABOVE_PENCE = 5_000_000; // £50,000 (§3.10)

export type PlanApprover = "PROCUREMENT_BOARD" | "PROCUREMENT_MANAGER";

/**
 * Who signs off the procurement plan (§3.10): the Procurement Board for specifications over £1,000,000,
 * the Procurement Manager over £50,000 up to £1,000,000; below that, nobody beyond the programme's own
 * governance.
 */
export function procurementPlanApprover(valuePence: number): PlanApprover | null {
  if (valuePence > PROCUREMENT_BOARD_ABOVE_PENCE) return "PROCUREMENT_BOARD";
  if (valuePence > PROCUREMENT_MANAGER_ABOVE_PENCE) return "PROCUREMENT_MANAGER";
  return null;
}
