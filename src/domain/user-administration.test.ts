import { describe, expect, it } from "vitest";
import type { Role } from "./roles.js";
import {
  isActiveAdministrator,
  STANDING_REFUSALS,
  standingChangeRefusal,
  type StandingRefusal,
} from "./user-administration.js";

const ADMIN: Role[] = ["administrator"];
const ADMIN_AND_COMMISSIONER: Role[] = ["administrator", "commissioner"];
const COMMISSIONER: Role[] = ["commissioner"];

interface Case {
  name: string;
  /** Who makes the change: the target themselves, another administrator, or the system (no id). */
  actor: "self" | "other" | "system";
  before: { active: boolean; roles: Role[] };
  after: { active: boolean; roles: Role[] };
  others: number;
  refused: StandingRefusal | null;
}

const active = (roles: Role[]) => ({ active: true, roles });
const inactive = (roles: Role[]) => ({ active: false, roles });

const cases: Case[] = [
  // Yourself
  {
    name: "an administrator deactivating themselves, with others left",
    actor: "self",
    before: active(ADMIN),
    after: inactive(ADMIN),
    others: 3,
    refused: { path: "active", message: STANDING_REFUSALS.deactivateSelf },
  },
  {
    name: "an administrator removing their own administrator role, with others left",
    actor: "self",
    before: active(ADMIN_AND_COMMISSIONER),
    after: active(COMMISSIONER),
    others: 3,
    refused: { path: "roles", message: STANDING_REFUSALS.removeOwnAdministrator },
  },
  {
    name: "deactivating yourself is the refusal named even when you also drop the role",
    actor: "self",
    before: active(ADMIN_AND_COMMISSIONER),
    after: inactive(COMMISSIONER),
    others: 3,
    refused: { path: "active", message: STANDING_REFUSALS.deactivateSelf },
  },
  {
    name: "the last active administrator deactivating themselves is told they are the last",
    actor: "self",
    before: active(ADMIN),
    after: inactive(ADMIN),
    others: 0,
    refused: { path: "active", message: STANDING_REFUSALS.lastAdministratorDeactivated },
  },
  {
    name: "the last active administrator removing their own role is told they are the last",
    actor: "self",
    before: active(ADMIN_AND_COMMISSIONER),
    after: active(COMMISSIONER),
    others: 0,
    refused: { path: "roles", message: STANDING_REFUSALS.lastAdministratorRole },
  },
  {
    name: "an administrator adding a role to themselves",
    actor: "self",
    before: active(ADMIN),
    after: active(ADMIN_AND_COMMISSIONER),
    others: 0,
    refused: null,
  },
  {
    name: "an administrator removing another role of their own",
    actor: "self",
    before: active(ADMIN_AND_COMMISSIONER),
    after: active(ADMIN),
    others: 0,
    refused: null,
  },
  // The last active administrator
  {
    name: "deactivating the last active administrator",
    actor: "other",
    before: active(ADMIN),
    after: inactive(ADMIN),
    others: 0,
    refused: { path: "active", message: STANDING_REFUSALS.lastAdministratorDeactivated },
  },
  {
    name: "removing the role from the last active administrator",
    actor: "other",
    before: active(ADMIN_AND_COMMISSIONER),
    after: active(COMMISSIONER),
    others: 0,
    refused: { path: "roles", message: STANDING_REFUSALS.lastAdministratorRole },
  },
  {
    name: "the system (command line) is held to the last-administrator rule too",
    actor: "system",
    before: active(ADMIN),
    after: inactive(ADMIN),
    others: 0,
    refused: { path: "active", message: STANDING_REFUSALS.lastAdministratorDeactivated },
  },
  // Allowed
  {
    name: "deactivating an administrator when another active one is left",
    actor: "other",
    before: active(ADMIN),
    after: inactive(ADMIN),
    others: 1,
    refused: null,
  },
  {
    name: "removing the role from an administrator when another active one is left",
    actor: "other",
    before: active(ADMIN_AND_COMMISSIONER),
    after: active(COMMISSIONER),
    others: 1,
    refused: null,
  },
  {
    name: "removing the role from a deactivated administrator, with no active administrator besides",
    actor: "other",
    before: inactive(ADMIN),
    after: inactive(COMMISSIONER),
    others: 0,
    refused: null,
  },
  {
    name: "reactivating an administrator",
    actor: "other",
    before: inactive(ADMIN),
    after: active(ADMIN),
    others: 0,
    refused: null,
  },
  {
    name: "deactivating someone who is not an administrator",
    actor: "other",
    before: active(COMMISSIONER),
    after: inactive(COMMISSIONER),
    others: 0,
    refused: null,
  },
  {
    name: "making someone an administrator",
    actor: "other",
    before: active(COMMISSIONER),
    after: active(ADMIN_AND_COMMISSIONER),
    others: 0,
    refused: null,
  },
];

describe("who may change a user's active state and roles", () => {
  it.each(cases)("$name", ({ actor, before, after, others, refused }) => {
    const actorId = { self: "target", other: "someone-else", system: null }[actor];
    expect(
      standingChangeRefusal({
        actorId,
        targetId: "target",
        before,
        after,
        otherActiveAdministrators: others,
      }),
    ).toEqual(refused);
  });
});

describe("an active administrator", () => {
  it.each([
    { standing: active(ADMIN), expected: true },
    { standing: active(ADMIN_AND_COMMISSIONER), expected: true },
    { standing: inactive(ADMIN), expected: false },
    { standing: active(COMMISSIONER), expected: false },
    { standing: active([]), expected: false },
  ])("$standing.active, $standing.roles → $expected", ({ standing, expected }) => {
    expect(isActiveAdministrator(standing)).toBe(expected);
  });
});
