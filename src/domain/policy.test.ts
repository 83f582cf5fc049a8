import { describe, expect, it } from "vitest";
import { can, canActForUser, mayRecordDecision, type Action, type Actor } from "./policy.js";
import { ROLE_CODES, type Role, twoFactorRequired } from "./roles.js";

const actor = (roles: Role[], id = "u1"): Actor => ({ id, label: "x", roles, organisationId: null });

describe("the permission policy", () => {
  it.each<[Role, Action, boolean]>([
    ["administrator", "users:create", true],
    ["commissioner", "users:create", false],
    ["commissioner", "organisations:create", true],
    ["procurement-officer", "organisations:create", true],
    ["evaluator", "organisations:create", false],
    ["evaluator", "organisations:read", true],
    ["board-member", "governance:read", true],
    ["supplier-user", "organisations:read", false],
    ["supplier-user", "governance:read", false],
    ["provider-user", "users:read", false],
    ["provider-user", "programmes:read", true],
    ["supplier-user", "account:manage-own", true],
    ["commissioner", "audit:read", false],
    ["administrator", "audit:read", true],
    ["evaluator", "tenders:read", true],
    ["supplier-user", "tenders:read", false],
    ["evaluator", "tenders:manage", false],
    ["procurement-officer", "tenders:open", true],
    ["administrator", "tenders:open", false],
    ["commissioner", "tenders:open", false],
    ["supplier-user", "tenders:participate", true],
    ["procurement-officer", "tenders:participate", false],
    ["supplier-user", "submissions:read", false],
    ["board-member", "submissions:read", false],
  ])("%s may %s: %s", (role, action, expected) => {
    expect(can(actor([role]), action)).toBe(expected);
  });

  it("refuses everything to nobody", () => {
    expect(can(null, "home:view")).toBe(false);
  });

  it("lets every role see its home page", () => {
    for (const role of ROLE_CODES) expect(can(actor([role]), "home:view")).toBe(true);
  });

  it("lets a user act for themselves, and only an administrator for others", () => {
    expect(canActForUser(actor(["supplier-user"], "a"), "a")).toBe(true);
    expect(canActForUser(actor(["supplier-user"], "a"), "b")).toBe(false);
    expect(canActForUser(actor(["commissioner"], "a"), "b")).toBe(false);
    expect(canActForUser(actor(["administrator"], "a"), "b")).toBe(true);
  });

  it.each<[Role[], boolean]>([
    [["administrator"], true],
    [["commissioner", "administrator"], true],
    [["commissioner"], false],
    [["supplier-user"], false],
  ])("two-factor required for %j: %s", (roles, expected) => {
    expect(twoFactorRequired(roles)).toBe(expected);
  });

  it.each<[string, Actor | null, "decisions:record" | "eqia:sign-off", boolean]>([
    ["a board member in the body", actor(["board-member"]), "decisions:record", true],
    ["an evaluator, even in the body", actor(["evaluator"]), "decisions:record", false],
    ["a supplier, even in the body", actor(["supplier-user"]), "eqia:sign-off", false],
    ["the system, which is no person", { ...actor(["administrator"]), id: null }, "decisions:record", false],
    ["nobody", null, "decisions:record", false],
  ])("asks the roles before the membership for a decision: %s", (_name, who, action, allowed) => {
    const verdict = mayRecordDecision(who, action, {
      bodyName: "KDAAT Board",
      memberships: [{ role: "member", from: "2024-01-01", to: null }],
      decidedOn: "2025-01-01",
      today: "2025-01-02",
      minutesRef: "KB/1",
      decision: "approved",
      uploadedSubject: false,
      leadsProject: false,
    });
    expect(verdict.allowed).toBe(allowed);
    if (!verdict.allowed) expect(verdict.rule).toBe("role");
  });
});
