/**
 * Where each governance body sits on the diagram's grid, before anything is measured in pixels: the
 * bodies as a forest of parent links (§2, Figure 1), the columns and rows each subtree needs, and the
 * bands of subtrees by tier. diagram.ts turns the grid into boxes and connectors.
 */

import type { BodyKind } from "../../domain/governance.js";
import type { DiagramBody } from "./diagram.js";

export interface Node {
  body: DiagramBody;
  order: number;
  tier: number;
  children: Node[];
  /** Leaf columns the subtree needs. */
  span: number;
  /** Rows the subtree needs, counting its own. */
  depth: number;
  column: number;
  row: number;
}

/** The roots of one tier and their subtrees, with the grid they fill. */
export interface Band {
  tier: number;
  roots: Node[];
  columns: number;
  rows: number;
}

/** Where each kind sits when it has no parent: boards on top, groups beneath, then the council. */
const KIND_TIER: Record<BodyKind, number> = {
  "executive-board": 0,
  "operational-group": 1,
  "procurement-board": 2,
  officer: 2,
  team: 2,
};

/**
 * One node per body code (the first body with a code wins) and the nodes without a parent, in the
 * bodies' order; a body's parent link counts only when the parent exists and makes no cycle.
 */
export function buildForest(bodies: readonly DiagramBody[]): { nodes: Map<string, Node>; roots: Node[] } {
  const nodes = new Map<string, Node>();
  bodies.forEach((body, order) => {
    if (nodes.has(body.code)) return; // each body appears once
    nodes.set(body.code, { body, order, tier: 0, children: [], span: 1, depth: 1, column: 0, row: 0 });
  });

  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parent = parentOf(node, nodes);
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  roots.sort((a, b) => a.order - b.order);
  for (const root of roots) {
    root.tier = KIND_TIER[root.body.kind];
    measure(root);
  }
  return { nodes, roots };
}

// A link counts only when the parent exists and following parents never comes back round.
function parentOf(node: Node, nodes: ReadonlyMap<string, Node>): Node | undefined {
  const code = node.body.parentCode;
  if (!code || code === node.body.code) return undefined;
  const parent = nodes.get(code);
  if (!parent) return undefined;
  const seen = new Set([node.body.code]);
  for (let p: Node | undefined = parent; p;) {
    if (seen.has(p.body.code)) return undefined;
    seen.add(p.body.code);
    const next: string | null = p.body.parentCode;
    p = next && next !== p.body.code ? nodes.get(next) : undefined;
  }
  return parent;
}

/** Orders each node's children and works out the columns (span) and rows (depth) of its subtree. */
function measure(node: Node): void {
  node.children.sort((a, b) => a.order - b.order);
  node.children.forEach(measure);
  node.span = Math.max(
    1,
    node.children.reduce((n, c) => n + c.span, 0),
  );
  node.depth = 1 + Math.max(0, ...node.children.map((c) => c.depth));
}

/** Gives a subtree its grid cells from `firstColumn` and `row` down. */
function place(node: Node, firstColumn: number, row: number): void {
  // Leaves take the next column; a parent sits centred over its children.
  node.row = row;
  let column = firstColumn;
  for (const child of node.children) {
    place(child, column, row + 1);
    column += child.span;
  }
  node.column = firstColumn + (node.span - 1) / 2;
}

// Bands: the roots of one tier and their subtrees. Each subtree goes where the band is shallowest
// (leftmost on a tie), so a band fills row by row and wraps below maxColumns without gaps.
export function packBands(roots: readonly Node[], maxColumns: number): Band[] {
  const bandList: Band[] = [];
  for (const tier of [...new Set(roots.map((r) => r.tier))].sort((a, b) => a - b)) {
    const members = roots.filter((r) => r.tier === tier);
    const columns = Math.max(maxColumns, ...members.map((r) => r.span));
    const heights = new Array<number>(columns).fill(0);
    const band: Band = { tier, roots: members, columns: 0, rows: 0 };
    for (const root of members) {
      let best = { column: 0, row: Number.POSITIVE_INFINITY };
      for (let c = 0; c + root.span <= columns; c++) {
        const row = Math.max(...heights.slice(c, c + root.span));
        if (row < best.row) best = { column: c, row };
      }
      place(root, best.column, best.row);
      for (let c = best.column; c < best.column + root.span; c++) heights[c] = best.row + root.depth;
      band.columns = Math.max(band.columns, best.column + root.span);
      band.rows = Math.max(band.rows, best.row + root.depth);
    }
    bandList.push(band);
  }
  return bandList;
}
