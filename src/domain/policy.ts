import {
  decisionRecordingVerdict,
  type RecordingFacts,
  type RecordingVerdict,
} from "./decision-authority.js";
import { isStaff, type Role, STAFF_ROLES } from "./roles.js";

/**
 * The one permission policy (docs/architecture.md): pages and the API both ask `can`.
 * Each action lists the roles that may take it; a resource check narrows it where needed.
 */
export interface Actor {
  /** null for the system itself (CLI, jobs, demo loader). */
  id: string | null;
  label: string;
  roles: readonly Role[];
  organisationId: string | null;
}

export const SYSTEM_ACTOR: Actor = {
  id: null,
  label: "system",
  roles: ["administrator"],
  organisationId: null,
};

const ANY_SIGNED_IN: readonly Role[] = [...STAFF_ROLES, "provider-user", "supplier-user"];

export const PERMISSIONS = {
  "home:view": ANY_SIGNED_IN,
  "account:manage-own": ANY_SIGNED_IN,
  "tokens:create-own": ANY_SIGNED_IN,
  "tokens:create-any": ["administrator"],
  "programmes:read": ANY_SIGNED_IN,
  "governance:read": STAFF_ROLES,
  "governance:manage": ["administrator"],
  "organisations:read": STAFF_ROLES,
  "organisations:create": ["administrator", "commissioner", "procurement-officer"],
  "users:read": ["administrator"],
  "users:create": ["administrator"],
  "users:update": ["administrator"],
  "audit:read": ["administrator"],
  // Rules explained: anyone signed in may ask which approvals and standstill apply.
  "rules:read": ANY_SIGNED_IN,
  // Commissioning projects: council and partnership staff only.
  "projects:read": STAFF_ROLES,
  "projects:create": ["administrator", "commissioner", "procurement-officer"],
  "projects:update": ["administrator", "commissioner", "procurement-officer"],
  "documents:upload": ["administrator", "commissioner", "procurement-officer"],
  /** Members record their body's decisions; officers may record on a body's behalf with the minutes reference. */
  "decisions:record": [
    "administrator",
    "commissioner",
    "procurement-officer",
    "authorised-officer",
    "board-member",
  ],
  "checklist:update": ["administrator", "commissioner", "procurement-officer"],
  "risks:manage": ["administrator", "commissioner", "procurement-officer"],
  "eqia:manage": ["administrator", "commissioner", "procurement-officer"],
  "eqia:sign-off": [
    "administrator",
    "commissioner",
    "procurement-officer",
    "authorised-officer",
    "board-member",
  ],
  // Client-level data and indicators: providers import only their own provider codes.
  "datasets:import": ["administrator", "commissioner", "provider-user"],
  "datasets:replace": ["administrator", "commissioner", "provider-user"],
  "indicators:read": [...STAFF_ROLES, "provider-user"],
  "outbox:read": ["administrator"],
  // E-tendering (docs/tendering.md). Staff see tenders; officers set them up, publish and answer.
  "tenders:read": STAFF_ROLES,
  "tenders:manage": ["administrator", "commissioner", "procurement-officer"],
  "clarifications:answer": ["administrator", "commissioner", "procurement-officer"],
  /** App C 5.6: the opening is recorded by a procurement officer with another as witness. */
  "tenders:open": ["procurement-officer"],
  "pqq:assess": ["administrator", "commissioner", "procurement-officer"],
  /** Opened submissions only: before the opening every role is refused (the seal, docs/tendering.md). */
  "submissions:read": ["administrator", "commissioner", "procurement-officer", "evaluator"],
  /** A supplier's users: register interest, ask, submit, for their own organisation only. */
  "tenders:participate": ["supplier-user"],
  "supplier-colleagues:manage": ["supplier-user"],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof PERMISSIONS;

export function can(actor: Actor | null | undefined, action: Action): boolean {
  if (!actor) return false;
  const allowed: readonly Role[] = PERMISSIONS[action];
  return actor.roles.some((role) => allowed.includes(role));
}

/** A user may act on their own account; an administrator on anyone's. */
export function canActForUser(actor: Actor | null | undefined, userId: string): boolean {
  if (!actor) return false;
  return actor.id === userId || can(actor, "tokens:create-any");
}

/**
 * A body's decision, or the Equalities team's sign-off: the action's roles ("decisions:record",
 * "eqia:sign-off") only say who may sit in a body; whether this person may record this decision is
 * their membership and separation of duties (decision-authority.ts, framework §2.1, §3.4, §3.15).
 */
export function mayRecordDecision(
  actor: Actor | null | undefined,
  action: "decisions:record" | "eqia:sign-off",
  facts: RecordingFacts,
): RecordingVerdict {
  if (!actor?.id || !can(actor, action)) {
    return { allowed: false, rule: "role", reason: "You do not have permission to do this" };
  }
  return decisionRecordingVerdict(facts);
}

export { isStaff };
