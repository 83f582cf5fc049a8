/**
 * Who may record a governance body's decision (separation of duties).
 *
 * The framework gives decisions to bodies, not to job titles: needs assessments are approved by the
 * operational group and the executive board (§3.4), the business case and EqIA go through the
 * programme's governance (§3.6, App C 1), the Procurement Board signs off plans over £1m (§3.10), and
 * the board's authorised representatives accept or reject the recommendation (§3.15). The boards lead
 * the partnership on the advice of their groups (§2.1) while the operational team does the work (§2.2),
 * so the people who prepare an output are not the people who approve it. Hence, for each decision:
 *
 * - a chair or member of the body on the meeting date records it in their own name;
 * - an officer of the body (its clerk) on the day of recording records it on the body's behalf, and
 *   only with the minutes reference of the meeting that took it;
 * - nobody else does, whatever their role;
 * - and nobody records an approval of a document they uploaded, nor of anything in a project they lead.
 *
 * The Equalities team's sign-off of an equality impact assessment (App C 3) is the same kind of
 * decision and follows the same rule. docs/adr/0006-who-records-a-governance-decision.md says why.
 */

export const MEMBERSHIP_ROLES = ["chair", "member", "officer"] as const;
export type MembershipRole = (typeof MEMBERSHIP_ROLES)[number];
export const MEMBERSHIP_ROLE_NAMES: Record<MembershipRole, string> = {
  chair: "Chair",
  member: "Member",
  officer: "Officer",
};

/** One period in a body: `to` is the last day (inclusive); null while it lasts. Dates are YYYY-MM-DD. */
export interface MembershipPeriod {
  role: MembershipRole;
  from: string;
  to: string | null;
}

export type DecisionOutcome = "approved" | "rejected" | "approved-with-conditions";

export interface RecordingFacts {
  bodyName: string;
  /** The recorder's periods in the deciding body, past and present. */
  memberships: readonly MembershipPeriod[];
  /** The date of the meeting that decided. */
  decidedOn: string;
  /** The day the decision is being recorded. */
  today: string;
  /** The minutes reference of the meeting, when there is one. */
  minutesRef: string | null;
  decision: DecisionOutcome;
  /** The recorder uploaded a version of the document decided on. */
  uploadedSubject: boolean;
  /** The recorder leads the project the decision belongs to, or has led it (the audit chain says). */
  leadsProject: boolean;
}

/** Which rule refused: shown to the person refused and carried in the API's problem document. */
export type RefusalRule = "role" | "not-in-body" | "officer-without-minutes" | "own-document" | "own-project";

export type RecordingVerdict =
  { allowed: true; capacity: "member" | "officer" } | { allowed: false; rule: RefusalRule; reason: string };

/** Whether a period covers a day; `to` is the last day in the body. */
export function heldOn(period: MembershipPeriod, day: string): boolean {
  return period.from <= day && (period.to === null || day <= period.to);
}

function isApproval(decision: DecisionOutcome): boolean {
  return decision !== "rejected";
}

function capacityOf(facts: RecordingFacts): "member" | "officer" | null {
  const decidingMember = facts.memberships.some((p) => p.role !== "officer" && heldOn(p, facts.decidedOn));
  if (decidingMember) return "member";
  const currentOfficer = facts.memberships.some((p) => p.role === "officer" && heldOn(p, facts.today));
  return currentOfficer ? "officer" : null;
}

function refused(rule: RefusalRule, reason: string): RecordingVerdict {
  return { allowed: false, rule, reason };
}

/** The verdict on one person recording one decision (see the rule above). */
export function decisionRecordingVerdict(facts: RecordingFacts): RecordingVerdict {
  const capacity = capacityOf(facts);
  if (!capacity) {
    return refused(
      "not-in-body",
      `Only a member of ${facts.bodyName} on the date of the meeting, or one of its officers recording on its behalf, may record its decisions (framework §2.1, §3.4)`,
    );
  }
  if (capacity === "officer" && !facts.minutesRef?.trim()) {
    return refused(
      "officer-without-minutes",
      `An officer records a decision on behalf of ${facts.bodyName} only with the minutes reference of the meeting that took it`,
    );
  }
  if (isApproval(facts.decision) && facts.uploadedSubject) {
    return refused(
      "own-document",
      "You uploaded this document, so you may not record its approval: someone in the body who did not prepare it records it (separation of duties, framework §2.1)",
    );
  }
  if (isApproval(facts.decision) && facts.leadsProject) {
    return refused(
      "own-project",
      "You lead this project, or have led it, so you may not record an approval for it: someone in the body who has not led it records it (separation of duties, framework §2.1)",
    );
  }
  return { allowed: true, capacity };
}
