/**
 * The governance structure (framework §2, Figure 1) as a diagram: a pure layout function that turns
 * the governance bodies into boxes and connector lines. A Nunjucks template draws them as SVG, so the
 * page needs no client script and the layout can be tested without a browser.
 */

import { KIND_LABELS, type BodyKind } from "../../domain/governance.js";
import { buildForest, packBands, type Band, type Node } from "./diagram-grid.js";

export interface DiagramBody {
  code: string;
  name: string;
  kind: BodyKind;
  parentCode: string | null;
}

export interface DiagramText {
  text: string;
  /** Centre of the line (the template uses text-anchor="middle"). */
  x: number;
  /** Baseline. */
  y: number;
  size: number;
  bold: boolean;
}

export interface DiagramBox {
  code: string;
  name: string;
  kind: BodyKind;
  kindLabel: string;
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  stroke: string;
  textColour: string;
  /** The wrapped name and, last, the kind: each fits inside the box. */
  lines: DiagramText[];
}

export interface DiagramLine {
  fromCode: string;
  toCode: string;
  /** Parent's bottom centre to child's top centre, with right-angle bends, as SVG polyline points. */
  points: { x: number; y: number }[];
  /** The same points as an SVG `points` attribute. */
  pointsAttr: string;
}

export interface DiagramBand {
  label: string;
  /** Left end of the heading's baseline. */
  x: number;
  y: number;
  size: number;
}

export interface Diagram {
  width: number;
  height: number;
  boxes: DiagramBox[];
  lines: DiagramLine[];
  bands: DiagramBand[];
  /** Connector and band-heading colours. */
  lineColour: string;
  bandColour: string;
  /** A text alternative for the whole picture (the SVG's <desc>). */
  description: string;
}

export interface DiagramOptions {
  /** Boxes side by side before a band wraps onto a new shelf. */
  maxColumns: number;
  boxWidth: number;
  columnGap: number;
  rowGap: number;
  margin: number;
  nameSize: number;
  kindSize: number;
  /** Average glyph width as a share of the font size; errs wide so text never spills. */
  glyphWidth: number;
  /** The same for bold text (names and band headings). */
  boldGlyphWidth: number;
}

export const DEFAULT_DIAGRAM_OPTIONS: DiagramOptions = {
  maxColumns: 4,
  boxWidth: 210,
  columnGap: 24,
  rowGap: 40,
  margin: 16,
  nameSize: 16,
  kindSize: 14,
  glyphWidth: 0.6,
  boldGlyphWidth: 0.68,
};

/**
 * GOV.UK palette. Each text colour has at least 4.5:1 contrast on its fill, and each outline at
 * least 3:1 against the white page (WCAG 1.4.3 and 1.4.11); diagram.test.ts checks both.
 */
export const KIND_COLOURS: Record<BodyKind, { fill: string; stroke: string; text: string }> = {
  "executive-board": { fill: "#1d70b8", stroke: "#003078", text: "#ffffff" },
  "operational-group": { fill: "#d2e2f1", stroke: "#1d70b8", text: "#0b0c0c" },
  "procurement-board": { fill: "#00703c", stroke: "#005a30", text: "#ffffff" },
  officer: { fill: "#ffffff", stroke: "#0b0c0c", text: "#0b0c0c" },
  team: { fill: "#f3f2f1", stroke: "#505a5f", text: "#0b0c0c" },
};
export const LINE_COLOUR = "#0b0c0c";
export const BAND_TEXT_COLOUR = "#0b0c0c";

const BAND_LABELS: Record<number, string> = {
  0: "Executive boards and their operational groups (§2.1)",
  1: "Operational groups (§2.1)",
  2: "Council officers and teams (§2.2, §3.9–3.14)",
};

const bandLabel = (tier: number) => BAND_LABELS[tier] ?? "Other bodies";

/** Estimated width of a line of text: glyphWidth errs wide, so a line that fits by this measure fits. */
export function textWidth(text: string, size: number, glyphWidth = DEFAULT_DIAGRAM_OPTIONS.glyphWidth) {
  return text.length * size * glyphWidth;
}

/** Baseline of a line of `size` text set in a line box starting at `top` that is `lineHeight` tall. */
function baseline(top: number, size: number, lineHeight: number): number {
  return Math.round(top + (lineHeight - size) / 2 + size * 0.8);
}

/** Splits text into lines of at most `maxChars`, breaking at spaces; an over-long word is cut. */
export function wrapText(text: string, maxChars: number): string[] {
  const limit = Math.max(1, Math.floor(maxChars));
  const words = text.trim().split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let current = "";
  for (const word of words) {
    let rest = word;
    while (rest.length > limit) {
      if (current) {
        lines.push(current);
        current = "";
      }
      lines.push(`${rest.slice(0, limit - 1)}-`);
      rest = rest.slice(limit - 1);
    }
    if (!current) current = rest;
    else if (current.length + 1 + rest.length <= limit) current = `${current} ${rest}`;
    else {
      lines.push(current);
      current = rest;
    }
  }
  if (current) lines.push(current);
  return lines.length ? lines : [""];
}

/** The size every box shares, big enough for the longest wrapped name, and each body's wrapped name. */
interface BoxMetrics {
  nameLineHeight: number;
  kindLineHeight: number;
  boxHeight: number;
  wrapped: Map<string, string[]>;
}

/** Lays the bodies out as boxes by tier, with a connector for every parent link (§2, Figure 1). */
export function layoutGovernance(
  bodies: readonly DiagramBody[],
  options: Partial<DiagramOptions> = {},
): Diagram {
  const o = { ...DEFAULT_DIAGRAM_OPTIONS, ...options };
  const { nodes, roots } = buildForest(bodies);
  const bandList = packBands(roots, o.maxColumns);
  const metrics = measureBoxes([...nodes.values()], o);
  const innerWidth = innerWidthOf(bandList, o);
  const width = o.margin * 2 + innerWidth;
  const { boxes, bands, boxOf, height } = drawBands(bandList, innerWidth, metrics, o);
  return {
    width,
    height,
    boxes,
    lines: drawConnectors(nodes, boxOf),
    bands,
    lineColour: LINE_COLOUR,
    bandColour: BAND_TEXT_COLOUR,
    description: describe(roots),
  };
}

const PADDING = 10;
const KIND_GAP = 6;

/** Height of a box's text: its name lines, a gap, then the kind. */
function textBlock(nameLines: number, m: Pick<BoxMetrics, "nameLineHeight" | "kindLineHeight">): number {
  return nameLines * m.nameLineHeight + KIND_GAP + m.kindLineHeight;
}

// Every box in the diagram has the same size, big enough for the longest wrapped name.
function measureBoxes(nodes: readonly Node[], o: DiagramOptions): BoxMetrics {
  const nameLineHeight = Math.round(o.nameSize * 1.25);
  const kindLineHeight = Math.round(o.kindSize * 1.3);
  const maxNameChars = (o.boxWidth - 2 * PADDING) / (o.nameSize * o.boldGlyphWidth);
  const wrapped = new Map(nodes.map((n) => [n.body.code, wrapText(n.body.name, maxNameChars)]));
  const maxLines = Math.max(1, ...[...wrapped.values()].map((l) => l.length));
  const lineHeights = { nameLineHeight, kindLineHeight };
  return { ...lineHeights, boxHeight: PADDING * 2 + textBlock(maxLines, lineHeights), wrapped };
}

/** Width inside the margins: the widest band of boxes or the longest band heading. */
function innerWidthOf(bandList: readonly Band[], o: DiagramOptions): number {
  const widest = Math.max(1, ...bandList.map((b) => b.columns));
  const boxesWidth = widest * o.boxWidth + (widest - 1) * o.columnGap;
  const labelsWidth = Math.max(
    0,
    ...bandList.map((b) => textWidth(bandLabel(b.tier), o.nameSize, o.boldGlyphWidth)),
  );
  return Math.ceil(Math.max(boxesWidth, labelsWidth));
}

const BAND_LABEL_HEIGHT = 28;
const BAND_GAP = 24;

/** Each band's heading, then its boxes centred beneath it; bands stack from the top margin down. */
function drawBands(bandList: readonly Band[], innerWidth: number, m: BoxMetrics, o: DiagramOptions) {
  const boxes: DiagramBox[] = [];
  const bands: DiagramBand[] = [];
  const boxOf = new Map<string, DiagramBox>();
  let y = o.margin;
  for (const band of bandList) {
    bands.push({
      label: bandLabel(band.tier),
      x: o.margin,
      y: baseline(y, o.nameSize, BAND_LABEL_HEIGHT),
      size: o.nameSize,
    });
    y += BAND_LABEL_HEIGHT;
    const used = band.columns * o.boxWidth + (band.columns - 1) * o.columnGap;
    const left = o.margin + (innerWidth - used) / 2;
    const bandTop = y;
    const visit = (node: Node): void => {
      const x = left + node.column * (o.boxWidth + o.columnGap);
      const top = bandTop + node.row * (m.boxHeight + o.rowGap);
      const box = drawBox(node, x, top, m, o);
      boxes.push(box);
      boxOf.set(node.body.code, box);
      node.children.forEach(visit);
    };
    band.roots.forEach(visit);
    y += band.rows * m.boxHeight + (band.rows - 1) * o.rowGap + BAND_GAP;
  }
  return { boxes, bands, boxOf, height: y - BAND_GAP + o.margin };
}

/** One body's box at (x, top), coloured for its kind, with its wrapped name and kind inside. */
function drawBox(node: Node, x: number, top: number, m: BoxMetrics, o: DiagramOptions): DiagramBox {
  const colours = KIND_COLOURS[node.body.kind];
  const nameLines = m.wrapped.get(node.body.code) ?? [node.body.name];
  const centre = x + o.boxWidth / 2;
  // The text block sits in the middle of the box.
  const textTop = top + (m.boxHeight - textBlock(nameLines.length, m)) / 2;
  const kindLabel = KIND_LABELS[node.body.kind];
  const lines: DiagramText[] = [
    ...nameLines.map((text, i) => ({
      text,
      x: centre,
      y: baseline(textTop + i * m.nameLineHeight, o.nameSize, m.nameLineHeight),
      size: o.nameSize,
      bold: true,
    })),
    {
      text: kindLabel,
      x: centre,
      y: baseline(textTop + nameLines.length * m.nameLineHeight + KIND_GAP, o.kindSize, m.kindLineHeight),
      size: o.kindSize,
      bold: false,
    },
  ];
  return {
    code: node.body.code,
    name: node.body.name,
    kind: node.body.kind,
    kindLabel,
    x,
    y: top,
    width: o.boxWidth,
    height: m.boxHeight,
    fill: colours.fill,
    stroke: colours.stroke,
    textColour: colours.text,
    lines,
  };
}

/** A connector for every parent link that has both boxes drawn. */
function drawConnectors(nodes: ReadonlyMap<string, Node>, boxOf: ReadonlyMap<string, DiagramBox>) {
  const lines: DiagramLine[] = [];
  for (const node of nodes.values()) {
    for (const child of node.children) {
      const from = boxOf.get(node.body.code);
      const to = boxOf.get(child.body.code);
      if (!from || !to) continue;
      const points = connectorPoints(from, to);
      lines.push({
        fromCode: node.body.code,
        toCode: child.body.code,
        points,
        pointsAttr: points.map((p) => `${p.x},${p.y}`).join(" "),
      });
    }
  }
  return lines;
}

/** Parent's bottom centre to child's top centre: straight down, or with two right-angle bends halfway. */
function connectorPoints(from: DiagramBox, to: DiagramBox): { x: number; y: number }[] {
  const x1 = from.x + from.width / 2;
  const y1 = from.y + from.height;
  const x2 = to.x + to.width / 2;
  const y2 = to.y;
  const middle = (y1 + y2) / 2;
  return x1 === x2
    ? [
        { x: x1, y: y1 },
        { x: x2, y: y2 },
      ]
    : [
        { x: x1, y: y1 },
        { x: x1, y: middle },
        { x: x2, y: middle },
        { x: x2, y: y2 },
      ];
}

/** The hierarchy in words, for people who cannot see the picture. */
function describe(roots: Node[]): string {
  const sentences: string[] = [];
  const visit = (node: Node) => {
    if (node.children.length) {
      const names = node.children.map((c) => `${c.body.name} (${KIND_LABELS[c.body.kind].toLowerCase()})`);
      sentences.push(`${node.body.name} has beneath it: ${names.join(", ")}.`);
    }
    node.children.forEach(visit);
  };
  const top = roots.map((r) => `${r.body.name} (${KIND_LABELS[r.body.kind].toLowerCase()})`);
  if (top.length) sentences.push(`Bodies without a parent: ${top.join(", ")}.`);
  roots.forEach(visit);
  return sentences.join(" ");
}
