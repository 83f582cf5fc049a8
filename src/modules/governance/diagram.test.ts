import { describe, expect, it } from "vitest";
import { GOVERNANCE_BODIES } from "../../db/reference-data.js";
import {
  KIND_COLOURS,
  LINE_COLOUR,
  layoutGovernance,
  textWidth,
  wrapText,
  DEFAULT_DIAGRAM_OPTIONS,
  type DiagramBody,
  type DiagramBox,
} from "./diagram.js";

function overlaps(a: DiagramBox, b: DiagramBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** WCAG 2 relative luminance and contrast ratio. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(1 + i * 2, 3 + i * 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

function checkLayout(bodies: DiagramBody[]) {
  const diagram = layoutGovernance(bodies);
  const codes = [...new Set(bodies.map((b) => b.code))];
  // Every body appears once.
  expect(diagram.boxes.map((b) => b.code).sort()).toEqual([...codes].sort());
  // No two boxes overlap, and all lie inside the picture.
  for (const [i, a] of diagram.boxes.entries()) {
    expect(a.x).toBeGreaterThanOrEqual(0);
    expect(a.y).toBeGreaterThanOrEqual(0);
    expect(a.x + a.width).toBeLessThanOrEqual(diagram.width);
    expect(a.y + a.height).toBeLessThanOrEqual(diagram.height);
    for (const b of diagram.boxes.slice(i + 1)) expect(overlaps(a, b), `${a.code} and ${b.code}`).toBe(false);
  }
  // Every text line fits inside its box.
  for (const box of diagram.boxes) {
    for (const line of box.lines) {
      const half =
        textWidth(
          line.text,
          line.size,
          line.bold ? DEFAULT_DIAGRAM_OPTIONS.boldGlyphWidth : DEFAULT_DIAGRAM_OPTIONS.glyphWidth,
        ) / 2;
      expect(line.x - half, `${box.code}: ${line.text}`).toBeGreaterThanOrEqual(box.x);
      expect(line.x + half, `${box.code}: ${line.text}`).toBeLessThanOrEqual(box.x + box.width);
      expect(line.y - line.size).toBeGreaterThanOrEqual(box.y);
      expect(line.y + line.size * 0.25).toBeLessThanOrEqual(box.y + box.height);
    }
    // The wrapped name says the whole name.
    const name = box.lines
      .slice(0, -1)
      .map((l) => l.text)
      .join(" ");
    expect(name.replace(/- /g, "")).toBe(box.name);
  }
  return diagram;
}

describe("layoutGovernance", () => {
  it("lays out the framework's bodies without overlaps, each once, with every name fitting its box", () => {
    checkLayout(GOVERNANCE_BODIES);
  });

  it("draws a line for every parent link, from the parent's bottom edge to the child's top edge", () => {
    const diagram = layoutGovernance(GOVERNANCE_BODIES);
    const links = GOVERNANCE_BODIES.filter((b) => b.parentCode).map((b) => `${b.parentCode ?? ""}>${b.code}`);
    expect(diagram.lines.map((l) => `${l.fromCode}>${l.toCode}`).sort()).toEqual(links.sort());
    const box = (code: string) => diagram.boxes.find((b) => b.code === code);
    for (const line of diagram.lines) {
      const from = box(line.fromCode);
      const to = box(line.toCode);
      if (!from || !to) throw new Error("line to a missing box");
      expect(line.points[0]).toEqual({ x: from.x + from.width / 2, y: from.y + from.height });
      expect(line.points.at(-1)).toEqual({ x: to.x + to.width / 2, y: to.y });
    }
  });

  it("puts executive boards on top, operational groups beneath their boards, then officers and teams", () => {
    const diagram = layoutGovernance(GOVERNANCE_BODIES);
    const y = (code: string) => diagram.boxes.find((b) => b.code === code)?.y ?? Number.NaN;
    const x = (code: string) => diagram.boxes.find((b) => b.code === code)?.x ?? Number.NaN;
    expect(y("KDAAT_BOARD")).toBe(y("SP_COMMISSIONING_BODY"));
    expect(y("JCG")).toBeGreaterThan(y("KDAAT_BOARD"));
    expect(x("JCG")).toBe(x("KDAAT_BOARD"));
    expect(x("CSG")).toBe(x("SP_COMMISSIONING_BODY"));
    for (const code of [
      "OPERATIONAL_TEAM",
      "DIRECTOR",
      "PROCUREMENT_BOARD",
      "SSP",
      "EQUALITIES_TEAM",
      "LEGAL",
    ])
      expect(y(code), code).toBeGreaterThan(y("CSG"));
    expect(y("PROCUREMENT_MANAGER")).toBeGreaterThan(y("SSP"));
    expect(x("PROCUREMENT_MANAGER")).toBe(x("SSP"));
  });

  it("keeps every connector clear of the boxes it does not join", () => {
    const diagram = layoutGovernance(GOVERNANCE_BODIES);
    for (const line of diagram.lines) {
      for (const box of diagram.boxes) {
        if (box.code === line.fromCode || box.code === line.toCode) continue;
        for (const [i, p] of line.points.slice(1).entries()) {
          const q = line.points[i];
          if (!q) continue;
          const minX = Math.min(p.x, q.x);
          const maxX = Math.max(p.x, q.x);
          const minY = Math.min(p.y, q.y);
          const maxY = Math.max(p.y, q.y);
          const crosses =
            minX < box.x + box.width && maxX > box.x && minY < box.y + box.height && maxY > box.y;
          expect(crosses, `${line.fromCode}>${line.toCode} crosses ${box.code}`).toBe(false);
        }
      }
    }
  });

  it.each([
    ["no bodies", []],
    ["one body with a very long name", [{ code: "A", name: "A".repeat(80), kind: "team", parentCode: null }]],
    [
      "a board with many groups",
      [
        { code: "B", name: "Board", kind: "executive-board", parentCode: null },
        ...Array.from({ length: 6 }, (_, i) => ({
          code: `G${i}`,
          name: `Group ${i} with quite a long name indeed`,
          kind: "operational-group" as const,
          parentCode: "B",
        })),
      ],
    ],
    [
      "a parent that does not exist, a cycle and a duplicate code",
      [
        { code: "X", name: "Orphan", kind: "officer", parentCode: "MISSING" },
        { code: "P", name: "P", kind: "team", parentCode: "Q" },
        { code: "Q", name: "Q", kind: "team", parentCode: "P" },
        { code: "X", name: "Orphan again", kind: "officer", parentCode: null },
      ],
    ],
    [
      "many officers and teams",
      Array.from({ length: 11 }, (_, i) => ({
        code: `T${i}`,
        name: `Team ${i}`,
        kind: i % 2 ? ("team" as const) : ("officer" as const),
        parentCode: i > 0 && i % 3 === 0 ? `T${i - 1}` : null,
      })),
    ],
  ] as [string, DiagramBody[]][])("stays tidy with %s", (_name, bodies) => {
    const diagram = checkLayout(bodies);
    expect(diagram.width).toBeGreaterThan(0);
    expect(diagram.height).toBeGreaterThan(0);
  });

  it("describes the hierarchy in words for the SVG's <desc>", () => {
    const { description } = layoutGovernance(GOVERNANCE_BODIES);
    expect(description).toContain("KDAAT Board has beneath it: Joint Commissioning Groups");
    expect(description).toContain("Strategic Sourcing and Procurement has beneath it: Procurement Manager");
  });
});

describe("diagram colours (GOV.UK palette)", () => {
  it.each(Object.entries(KIND_COLOURS))("%s text has at least 4.5:1 contrast on its fill", (_kind, c) => {
    expect(contrast(c.text, c.fill)).toBeGreaterThanOrEqual(4.5);
  });
  it.each(Object.entries(KIND_COLOURS))("%s outline has at least 3:1 contrast on white", (_kind, c) => {
    expect(contrast(c.stroke, "#ffffff")).toBeGreaterThanOrEqual(3);
  });
  it("connectors have at least 3:1 contrast on white", () => {
    expect(contrast(LINE_COLOUR, "#ffffff")).toBeGreaterThanOrEqual(3);
  });
});

describe("wrapText", () => {
  it.each([
    ["Procurement Board", 20, ["Procurement Board"]],
    ["Director of Service Improvement", 12, ["Director of", "Service", "Improvement"]],
    ["Supercalifragilistic", 8, ["Superca-", "lifragi-", "listic"]],
    ["", 10, [""]],
  ])("wraps %j at %i characters", (text, max, expected) => {
    expect(wrapText(text, max)).toEqual(expected);
    for (const line of wrapText(text, max)) expect(line.length).toBeLessThanOrEqual(max);
  });
});
