import { sql, type SQL } from "drizzle-orm";
import { governanceMembers } from "../../db/schema/index.js";

/**
 * The governance bodies' reads. `membershipHeldOn` is the one SQL form of `heldOn`
 * (src/domain/decision-authority.ts): a membership covers a day from its first day to its last,
 * inclusive, and one without a last day lasts (§2.1). Who sits in a body today, for the body lists,
 * a decision's notices and the decision form, is asked through here.
 */
export function membershipHeldOn(day: string): SQL {
  return sql`(${governanceMembers.from} <= ${day} AND (${governanceMembers.to} IS NULL OR ${governanceMembers.to} >= ${day}))`;
}
