import { isOneOf } from "./codes.js";

/** Role codes as in docs/api.md (conventions). */
export const ROLE_CODES = [
  "administrator",
  "commissioner",
  "procurement-officer",
  "evaluator",
  "authorised-officer",
  "board-member",
  "provider-user",
  "supplier-user",
] as const;
export type Role = (typeof ROLE_CODES)[number];

export const ROLE_NAMES: Record<Role, string> = {
  administrator: "Administrator",
  commissioner: "Commissioner",
  "procurement-officer": "Procurement officer",
  evaluator: "Evaluator",
  "authorised-officer": "Authorised officer",
  "board-member": "Board member",
  "provider-user": "Provider user",
  "supplier-user": "Supplier user",
};

/** Council and partnership staff: everyone but the outside organisations' users. */
export const STAFF_ROLES: readonly Role[] = [
  "administrator",
  "commissioner",
  "procurement-officer",
  "evaluator",
  "authorised-officer",
  "board-member",
];

export function isRole(value: string): value is Role {
  return isOneOf(ROLE_CODES, value);
}

export function isStaff(roles: readonly Role[]): boolean {
  return roles.some((r) => STAFF_ROLES.includes(r));
}

/** Two-factor sign-in: required for administrators, offered to all staff. */
export function twoFactorRequired(roles: readonly Role[]): boolean {
  return roles.includes("administrator");
}
