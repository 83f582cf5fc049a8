import { describe, expect, it } from "vitest";
import {
  decisionRecordingVerdict,
  heldOn,
  type MembershipPeriod,
  type RecordingFacts,
  type RefusalRule,
} from "./decision-authority.js";

const MEETING = "2025-03-27";
const TODAY = "2025-04-10";

const member: MembershipPeriod = { role: "member", from: "2024-04-01", to: null };
const chair: MembershipPeriod = { role: "chair", from: "2024-04-01", to: null };
const officer: MembershipPeriod = { role: "officer", from: "2024-04-01", to: null };

function facts(overrides: Partial<RecordingFacts>): RecordingFacts {
  return {
    bodyName: "Joint Commissioning Groups",
    memberships: [],
    decidedOn: MEETING,
    today: TODAY,
    minutesRef: "JCG/2025/03/4",
    decision: "approved",
    uploadedSubject: false,
    leadsProject: false,
    ...overrides,
  };
}

type Expected = "member" | "officer" | RefusalRule;

const cases: [string, Partial<RecordingFacts>, Expected][] = [
  // Who is in the body (§2.1, §3.4, §3.15)
  ["a member on the meeting date records in their own name", { memberships: [member] }, "member"],
  ["the chair records in their own name", { memberships: [chair] }, "member"],
  ["the body's officer records on its behalf with the minutes", { memberships: [officer] }, "officer"],
  ["someone with no place in the body is refused, whatever their role", {}, "not-in-body"],
  [
    "a member who joined after the meeting is refused",
    { memberships: [{ role: "member", from: "2025-03-28", to: null }] },
    "not-in-body",
  ],
  [
    "a member who left before the meeting is refused",
    { memberships: [{ role: "member", from: "2024-01-01", to: "2025-03-26" }] },
    "not-in-body",
  ],
  [
    "a member whose last day was the meeting day may record it",
    { memberships: [{ role: "member", from: "2024-01-01", to: MEETING }] },
    "member",
  ],
  [
    "a member who has since left may still record the meeting they sat in",
    { memberships: [{ role: "member", from: "2024-01-01", to: "2025-04-01" }] },
    "member",
  ],
  [
    "a member who joined on the meeting day may record it",
    { memberships: [{ role: "member", from: MEETING, to: null }] },
    "member",
  ],
  [
    "an officer whose time in the body has ended is refused",
    { memberships: [{ role: "officer", from: "2024-01-01", to: "2025-04-09" }] },
    "not-in-body",
  ],
  [
    "an officer appointed after the meeting may record it now, as its clerk",
    { memberships: [{ role: "officer", from: "2025-04-01", to: null }] },
    "officer",
  ],
  [
    "an officer who was a member on the meeting date records as a member",
    { memberships: [{ role: "member", from: "2024-01-01", to: "2025-03-31" }, officer] },
    "member",
  ],
  // The minutes
  [
    "an officer without a minutes reference is refused",
    { memberships: [officer], minutesRef: null },
    "officer-without-minutes",
  ],
  [
    "an officer with a blank minutes reference is refused",
    { memberships: [officer], minutesRef: "  " },
    "officer-without-minutes",
  ],
  ["a member may sign off without minutes (the EqIA)", { memberships: [member], minutesRef: null }, "member"],
  // Nobody approves their own work
  [
    "a member who uploaded the document may not approve it",
    { memberships: [member], uploadedSubject: true },
    "own-document",
  ],
  [
    "nor approve it with conditions",
    { memberships: [member], uploadedSubject: true, decision: "approved-with-conditions" },
    "own-document",
  ],
  [
    "an officer who uploaded the document may not record its approval",
    { memberships: [officer], uploadedSubject: true },
    "own-document",
  ],
  [
    "a member who uploaded it may record its rejection",
    { memberships: [member], uploadedSubject: true, decision: "rejected" },
    "member",
  ],
  [
    "the project's lead may not record an approval in it",
    { memberships: [member], leadsProject: true },
    "own-project",
  ],
  [
    "the project's lead as the body's officer is refused too",
    { memberships: [officer], leadsProject: true },
    "own-project",
  ],
  [
    "the project's lead may record a rejection",
    { memberships: [chair], leadsProject: true, decision: "rejected" },
    "member",
  ],
  [
    "the membership rule is said first to an outsider who also leads the project",
    { leadsProject: true },
    "not-in-body",
  ],
];

describe("who may record a body's decision (separation of duties)", () => {
  it.each(cases)("%s", (_name, overrides, expected) => {
    const verdict = decisionRecordingVerdict(facts(overrides));
    if (verdict.allowed) expect(verdict.capacity).toBe(expected);
    else expect(verdict.rule).toBe(expected);
  });

  it("names the body and the rule in its reason", () => {
    const verdict = decisionRecordingVerdict(facts({}));
    expect(verdict).toMatchObject({ allowed: false });
    if (!verdict.allowed) expect(verdict.reason).toContain("Only a member of Joint Commissioning Groups");
    const own = decisionRecordingVerdict(facts({ memberships: [member], uploadedSubject: true }));
    if (!own.allowed) expect(own.reason).toContain("You uploaded this document");
  });
});

describe("a period in a body", () => {
  it.each<[MembershipPeriod, string, boolean]>([
    [member, "2024-04-01", true],
    [member, "2024-03-31", false],
    [{ role: "member", from: "2024-04-01", to: "2024-06-30" }, "2024-06-30", true],
    [{ role: "member", from: "2024-04-01", to: "2024-06-30" }, "2024-07-01", false],
  ])("%j covers %s: %s", (period, day, expected) => {
    expect(heldOn(period, day)).toBe(expected);
  });
});
