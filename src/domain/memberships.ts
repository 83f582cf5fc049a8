import { heldOn, type MembershipRole } from "./decision-authority.js";
import { longDate } from "./standstill.js";

/**
 * A governance body's membership list (framework §2.1: the boards and groups that govern the
 * partnership). Who sits in a body, in which role and from when decides who may record its decisions
 * (decision-authority.ts), so the list keeps its history: a membership is ended with its last day,
 * never deleted once it has begun. A change of role ends one membership and starts another.
 */
export interface MembershipItem {
  userId: string;
  role: MembershipRole;
  /** First day, YYYY-MM-DD. */
  from: string;
  /** Last day (inclusive), YYYY-MM-DD; null while it lasts. */
  to: string | null;
}

export interface StoredMembership extends MembershipItem {
  id: string;
}

export interface ListedUser {
  name: string;
  active: boolean;
}

export interface MembershipIssue {
  path: string;
  message: string;
}

/** A membership is the same one when the person, the role and the first day are. */
export function membershipKey(m: Pick<MembershipItem, "userId" | "role" | "from">): string {
  return `${m.userId}|${m.role}|${m.from}`;
}

function overlaps(a: MembershipItem, b: MembershipItem): boolean {
  const aEnds = a.to ?? "9999-12-31";
  const bEnds = b.to ?? "9999-12-31";
  return a.from <= bEnds && b.from <= aEnds;
}

/**
 * What is wrong with a proposed list, each at its field path (`members[2].to`): unknown users, a new
 * membership for a deactivated account, an end before the start, the same membership twice, and one
 * person in two overlapping periods (one person holds one place in a body at a time).
 */
export function membershipListIssues(
  items: readonly MembershipItem[],
  users: ReadonlyMap<string, ListedUser>,
  stored: readonly StoredMembership[],
): MembershipIssue[] {
  const issues: MembershipIssue[] = [];
  const storedKeys = new Set(stored.map(membershipKey));
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const at = (field: string) => `members[${String(i)}].${field}`;
    const user = users.get(item.userId);
    if (!user) issues.push({ path: at("userId"), message: "No user has this id" });
    else if (!user.active && !storedKeys.has(membershipKey(item))) {
      issues.push({
        path: at("userId"),
        message: `${user.name}'s account is deactivated: only an active user can join a body`,
      });
    }
    if (item.to !== null && item.to < item.from) {
      issues.push({ path: at("to"), message: "The last day must be the same as or after the first day" });
    }
    const key = membershipKey(item);
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({ path: at("from"), message: `This is the same membership as members[${String(first)}]` });
      return;
    }
    seen.set(key, i);
    const clash = items.findIndex(
      (other, j) =>
        j < i && other.userId === item.userId && membershipKey(other) !== key && overlaps(other, item),
    );
    const earlier = items[clash];
    if (earlier) {
      const name = user?.name ?? "This person";
      issues.push({
        path: at("from"),
        message: `${name} is already in this body from ${longDate(earlier.from)} (members[${String(clash)}]): end that membership before this one starts`,
      });
    }
  });
  return issues;
}

export interface MembershipChanges {
  added: MembershipItem[];
  /** Stored memberships whose last day changes (ended, or an end corrected). */
  changed: { stored: StoredMembership; to: string | null }[];
  /** Stored memberships left out of the list. */
  removed: StoredMembership[];
}

/** What replacing the stored list with the proposed one changes. */
export function planMembershipChanges(
  stored: readonly StoredMembership[],
  items: readonly MembershipItem[],
): MembershipChanges {
  const byKey = new Map(stored.map((s) => [membershipKey(s), s]));
  const kept = new Set<string>();
  const added: MembershipItem[] = [];
  const changed: MembershipChanges["changed"] = [];
  for (const item of items) {
    const key = membershipKey(item);
    const existing = byKey.get(key);
    if (!existing) {
      added.push(item);
      continue;
    }
    kept.add(key);
    if (existing.to !== item.to) changed.push({ stored: existing, to: item.to });
  }
  const removed = stored.filter((s) => !kept.has(membershipKey(s)));
  return { added, changed, removed };
}

/**
 * A membership that has begun is history: it is ended with a last day, not removed. One that has not
 * begun yet (entered by mistake, say) may be withdrawn.
 */
export function removalRefusal(removed: readonly StoredMembership[], today: string): StoredMembership | null {
  return removed.find((m) => m.from <= today) ?? null;
}

/** The current and past memberships of a list, for the body's page. */
export function splitByToday<T extends MembershipItem>(items: readonly T[], today: string) {
  return {
    current: items.filter((m) => heldOn(m, today)),
    upcoming: items.filter((m) => m.from > today),
    past: items.filter((m) => m.to !== null && m.to < today),
  };
}
