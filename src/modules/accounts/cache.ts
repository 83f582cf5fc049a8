import { forgetEverywhere } from "../../cache.js";

/** A cached session (signed in or owing a second factor) or token lookup that belongs to this user. */
function concernsUser(value: unknown, userId: string): boolean {
  if (typeof value !== "object" || value === null) return false;
  if ("pendingUserId" in value && value.pendingUserId === userId) return true;
  if ("user" in value) {
    const user = value.user;
    return typeof user === "object" && user !== null && "id" in user && user.id === userId;
  }
  return "id" in value && value.id === userId;
}

/**
 * Drops every cached session and token lookup of one user, in every cache of this process: a
 * deactivation or a change of roles then holds on the very next request, not after the time limit.
 */
export function forgetCachedUser(userId: string): void {
  forgetEverywhere((value) => concernsUser(value, userId));
}
