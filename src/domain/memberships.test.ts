import { describe, expect, it } from "vitest";
import {
  membershipListIssues,
  planMembershipChanges,
  removalRefusal,
  splitByToday,
  type ListedUser,
  type MembershipItem,
  type StoredMembership,
} from "./memberships.js";

const users = new Map<string, ListedUser>([
  ["ann", { name: "Ann Chair", active: true }],
  ["bob", { name: "Bob Member", active: true }],
  ["gone", { name: "Gail Gone", active: false }],
]);

const item = (
  userId: string,
  from: string,
  to: string | null = null,
  role: MembershipItem["role"] = "member",
) => ({
  userId,
  role,
  from,
  to,
});

const stored = (id: string, m: MembershipItem): StoredMembership => ({ id, ...m });

describe("a body's membership list: what is wrong with it", () => {
  it.each<[string, MembershipItem[], StoredMembership[], { path: string; message: RegExp }[]]>([
    ["a good list", [item("ann", "2024-04-01", null, "chair"), item("bob", "2024-04-01")], [], []],
    [
      "an unknown user",
      [item("nobody", "2024-04-01")],
      [],
      [{ path: "members[0].userId", message: /No user/ }],
    ],
    [
      "a deactivated user joining",
      [item("ann", "2024-01-01"), item("gone", "2025-01-01")],
      [],
      [{ path: "members[1].userId", message: /Gail Gone's account is deactivated/ }],
    ],
    [
      "a deactivated user's stored membership, kept or ended",
      [item("gone", "2024-01-01", "2025-06-30")],
      [stored("m1", item("gone", "2024-01-01"))],
      [],
    ],
    [
      "a last day before the first",
      [item("ann", "2024-04-01", "2024-03-31")],
      [],
      [{ path: "members[0].to", message: /same as or after the first day/ }],
    ],
    ["a one-day membership", [item("ann", "2024-04-01", "2024-04-01")], [], []],
    [
      "the same membership twice",
      [item("ann", "2024-04-01"), item("ann", "2024-04-01")],
      [],
      [{ path: "members[1].from", message: /same membership as members\[0\]/ }],
    ],
    [
      "one person in two overlapping periods",
      [item("ann", "2024-04-01", null, "member"), item("ann", "2025-01-01", null, "chair")],
      [],
      [
        {
          path: "members[1].from",
          message: /Ann Chair is already in this body from Monday 1 April 2024 \(members\[0\]\)/,
        },
      ],
    ],
    [
      "a change of role: the member period ends the day before the chair's begins",
      [item("ann", "2024-04-01", "2024-12-31", "member"), item("ann", "2025-01-01", null, "chair")],
      [],
      [],
    ],
  ])("%s", (_name, items, storedList, expected) => {
    const issues = membershipListIssues(items, users, storedList);
    expect(issues.map((i) => i.path)).toEqual(expected.map((e) => e.path));
    issues.forEach((issue, i) => {
      expect(issue.message).toMatch(expected[i]?.message ?? /./);
    });
  });
});

describe("what replacing the list changes", () => {
  const ann = stored("m1", item("ann", "2024-04-01", null, "chair"));
  const bob = stored("m2", item("bob", "2024-04-01"));

  it("adds, ends and leaves alone", () => {
    const plan = planMembershipChanges(
      [ann, bob],
      [
        item("ann", "2024-04-01", null, "chair"),
        item("bob", "2024-04-01", "2025-03-31"),
        item("gone", "2026-01-01"),
      ],
    );
    expect(plan.added).toEqual([item("gone", "2026-01-01")]);
    expect(plan.changed).toEqual([{ stored: bob, to: "2025-03-31" }]);
    expect(plan.removed).toEqual([]);
  });

  it("sees a changed first day as a removal and an addition", () => {
    const plan = planMembershipChanges([bob], [item("bob", "2024-05-01")]);
    expect(plan.removed).toEqual([bob]);
    expect(plan.added).toEqual([item("bob", "2024-05-01")]);
  });

  it.each<[string, string, boolean]>([
    ["begun before today", "2024-04-01", true],
    ["beginning today", "2025-04-10", true],
    ["not begun yet", "2025-04-11", false],
  ])("refuses to remove a membership %s: %s", (_name, from, refused) => {
    const m = stored("m3", item("bob", from));
    expect(removalRefusal([m], "2025-04-10")).toEqual(refused ? m : null);
  });
});

describe("current and past members", () => {
  it("splits on today, the last day still counting as current", () => {
    const list = [
      item("ann", "2024-04-01"),
      item("bob", "2024-04-01", "2025-04-10"),
      item("gone", "2020-01-01", "2025-04-09"),
      item("bob", "2025-04-11"),
    ];
    const { current, past, upcoming } = splitByToday(list, "2025-04-10");
    expect(current.map((m) => m.userId)).toEqual(["ann", "bob"]);
    expect(past.map((m) => m.userId)).toEqual(["gone"]);
    expect(upcoming.map((m) => m.userId)).toEqual(["bob"]);
  });
});
