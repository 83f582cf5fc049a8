import { MEMBERSHIP_ROLE_NAMES, type MembershipRole } from "../../domain/decision-authority.js";
import { paths } from "../../web/paths.js";
import { KIND_LABELS, type BodyKind } from "../../domain/governance.js";
import { governancePaths } from "./paths.js";

interface BodyInput {
  code: string;
  name: string;
  kind: BodyKind;
  parentCode: string | null;
  programmeCodes: string[];
  description: string;
  paragraph: string;
  members: { userId: string; name: string; role: MembershipRole }[];
}

export interface GovernanceListItem {
  code: string;
  name: string;
  /** The body's own page: its members, past and present. */
  href: string;
  kindLabel: string;
  programmes: { code: string; name: string; href: string }[];
  description: string;
  paragraph: string;
  members: { name: string; roleLabel: string }[];
  children: GovernanceListItem[];
}

/**
 * The bodies as a tree for the nested list beside the diagram: the same parent links the diagram
 * draws, so a screen-reader user gets the same structure. A link to a missing parent, or one that
 * goes round in a circle, makes the body a top-level item rather than losing it.
 */
export function governanceTree(
  bodies: BodyInput[],
  programmeNames: Map<string, string>,
): GovernanceListItem[] {
  const byCode = new Map(bodies.map((b) => [b.code, b]));
  const item = (b: BodyInput): GovernanceListItem => ({
    code: b.code,
    name: b.name,
    href: governancePaths.body(b.code),
    kindLabel: KIND_LABELS[b.kind],
    programmes: b.programmeCodes.map((code) => ({
      code,
      name: programmeNames.get(code) ?? code,
      href: paths.programme(code),
    })),
    description: b.description,
    paragraph: b.paragraph,
    members: b.members.map((m) => ({ name: m.name, roleLabel: MEMBERSHIP_ROLE_NAMES[m.role] })),
    children: [],
  });
  const items = new Map(bodies.map((b) => [b.code, item(b)]));
  const hasRealParent = (b: BodyInput) => {
    const seen = new Set([b.code]);
    for (let code = b.parentCode; code; code = byCode.get(code)?.parentCode ?? null) {
      if (seen.has(code) || !byCode.has(code)) return false;
      seen.add(code);
    }
    return b.parentCode !== null;
  };
  const roots: GovernanceListItem[] = [];
  for (const b of bodies) {
    const node = items.get(b.code);
    if (!node) continue;
    const parent = hasRealParent(b) && b.parentCode ? items.get(b.parentCode) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

/** A membership as the body's page lists it. */
export function presentMember<T extends { role: MembershipRole }>(m: T) {
  return { ...m, roleLabel: MEMBERSHIP_ROLE_NAMES[m.role] };
}

/** The three boxes of a date input as typed, to show them again after a refusal. */
export function typedDate(values: Record<string, unknown>, name: string) {
  const part = (p: string) => {
    const v = values[`${name}-${p}`];
    return typeof v === "string" ? v : "";
  };
  return { day: part("day"), month: part("month"), year: part("year") };
}
