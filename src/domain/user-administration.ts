import type { Role } from "./roles.js";

/**
 * Who may change a user's standing (README, accounts and governance). The service must always have
 * someone who can administer it: otherwise nobody could add a user, change a role or read the audit
 * trail (docs/architecture.md) until someone edits the database by hand. So an administrator
 * cannot lock themselves out, and the last active administrator keeps both the role and the account.
 */

/** What the rule needs to know about a user before or after a change. */
export interface Standing {
  active: boolean;
  roles: readonly Role[];
}

export interface StandingChange {
  /** Who is making the change; null for the system (command line, demo loader). */
  actorId: string | null;
  targetId: string;
  before: Standing;
  after: Standing;
  /** Active administrators other than the target, counted in the change's own transaction. */
  otherActiveAdministrators: number;
}

/** Why a change is refused, and which field of the request the refusal is about. */
export interface StandingRefusal {
  path: "active" | "roles";
  message: string;
}

export function isActiveAdministrator(standing: Standing): boolean {
  return standing.active && standing.roles.includes("administrator");
}

export const STANDING_REFUSALS = {
  deactivateSelf: "You cannot deactivate your own account. Ask another administrator to do it",
  removeOwnAdministrator: "You cannot remove your own administrator role. Ask another administrator to do it",
  lastAdministratorDeactivated:
    "This is the last active administrator, so it cannot be deactivated. Make another user an administrator first",
  lastAdministratorRole:
    "This is the last active administrator, so it must keep the administrator role. Make another user an administrator first",
} as const;

/** The refusal for a change of active state or roles, or null when the change may go ahead. */
export function standingChangeRefusal(change: StandingChange): StandingRefusal | null {
  const { before, after } = change;
  const deactivated = before.active && !after.active;
  const loses = before.roles.includes("administrator") && !after.roles.includes("administrator");
  // The last administrator first: "ask another administrator" would be no help when there is none.
  if (
    isActiveAdministrator(before) &&
    !isActiveAdministrator(after) &&
    change.otherActiveAdministrators === 0
  ) {
    return deactivated
      ? { path: "active", message: STANDING_REFUSALS.lastAdministratorDeactivated }
      : { path: "roles", message: STANDING_REFUSALS.lastAdministratorRole };
  }
  if (change.actorId === change.targetId) {
    if (deactivated) return { path: "active", message: STANDING_REFUSALS.deactivateSelf };
    if (loses) return { path: "roles", message: STANDING_REFUSALS.removeOwnAdministrator };
  }
  return null;
}
