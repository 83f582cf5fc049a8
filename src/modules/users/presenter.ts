import type { users } from "../../db/schema/index.js";
import { isRole } from "../../domain/roles.js";

/**
 * Locked out: after too many failed sign-ins until `locked_until` passes, or after too many wrong
 * two-factor codes until an administrator unlocks the account (`totp_locked_at`).
 */
export function isLocked(row: Pick<typeof users.$inferSelect, "lockedUntil" | "totpLockedAt">): boolean {
  return row.totpLockedAt !== null || (row.lockedUntil !== null && row.lockedUntil > new Date());
}

/** A user as the pages and the API show them (docs/api.md): never the password or the two-factor secret. */
export function presentUser(
  row: typeof users.$inferSelect,
  organisationCode: string | null,
  organisationName: string | null,
) {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    roles: row.roles.filter(isRole),
    organisationId: row.organisationId,
    organisationCode,
    organisationName,
    active: row.active,
    twoFactor: row.totpEnabled,
    locked: isLocked(row),
    lockedUntil: isLocked(row) ? (row.lockedUntil?.toISOString() ?? null) : null,
    version: row.version,
  };
}
export type PresentedUser = ReturnType<typeof presentUser>;
