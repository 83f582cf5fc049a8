import type { Actor } from "../../domain/policy.js";
import { ForbiddenError } from "../../errors.js";
import { requirePage } from "../../web/guards.js";

/** The route options of a page of one's own account: any signed-in person may use it. */
export const ownAccount = { preHandler: requirePage("account:manage-own"), schema: { hide: true } };

/**
 * The id of the person whose own account a page is: the signed-in person's. Only the system's actor
 * has none, and it never signs in.
 */
export function ownId(actor: Actor): string {
  if (!actor.id) throw new ForbiddenError("Only a signed-in person has an account of their own");
  return actor.id;
}
