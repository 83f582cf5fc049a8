import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { governancePaths } from "./paths.js";
import { KIND_LABELS, layoutGovernance, type BodyKind } from "./diagram.js";

const MEMBER_ROLE_LABELS = { chair: "Chair", member: "Member", officer: "Officer" } as const;

interface BodyInput {
  code: string;
  name: string;
  kind: BodyKind;
  parentCode: string | null;
  programmeCodes: string[];
  description: string;
  paragraph: string;
  members: { userId: string; name: string; role: keyof typeof MEMBER_ROLE_LABELS }[];
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
    members: b.members.map((m) => ({ name: m.name, roleLabel: MEMBER_ROLE_LABELS[m.role] })),
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

/** The governance structure of the partnership (framework §2, Figure 1), for staff. */
export const governanceRoutes: FastifyPluginAsyncZod = async (app) => {
  const { reference } = app.services;
  app.get(
    paths.governance,
    { preHandler: requirePage("governance:read"), schema: { hide: true } },
    async (_request, reply) => {
      const bodies = await reference.listGovernanceBodiesWithMembers();
      const programmes = await reference.listProgrammes();
      const names = new Map(programmes.map((p) => [p.code, p.name]));
      return reply.view("governance/views/governance.njk", {
        pageTitle: "Governance",
        diagram: layoutGovernance(bodies),
        diagramTitle: "Governance structure of the Commissioned Services partnership",
        bodies: governanceTree(bodies, names),
      });
    },
  );
};
