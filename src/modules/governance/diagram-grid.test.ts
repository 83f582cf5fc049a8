import { describe, expect, it } from "vitest";
import type { DiagramBody } from "./diagram.js";
import { buildForest, packBands } from "./diagram-grid.js";

const body = (code: string, parentCode: string | null, kind: DiagramBody["kind"] = "team"): DiagramBody => ({
  code,
  name: code,
  kind,
  parentCode,
});

describe("buildForest", () => {
  it("links each body under its parent and keeps the bodies' order", () => {
    const { roots } = buildForest([body("B", null), body("B2", "B"), body("A", null), body("B1", "B")]);
    expect(roots.map((r) => r.body.code)).toEqual(["B", "A"]);
    expect(roots[0]?.children.map((c) => c.body.code)).toEqual(["B2", "B1"]);
    expect(roots[0]).toMatchObject({ span: 2, depth: 2 });
  });

  it("makes a root of a body whose parent is missing, itself or leads into a cycle; the first of a code wins", () => {
    const { nodes, roots } = buildForest([
      body("X", "MISSING"),
      body("S", "S"),
      body("P", "Q"),
      body("Q", "P"),
      body("C", "P"),
      body("X", null),
    ]);
    expect([...nodes.keys()]).toEqual(["X", "S", "P", "Q", "C"]);
    expect(roots.map((r) => r.body.code)).toEqual(["X", "S", "P", "Q", "C"]);
    expect(nodes.get("X")?.body.parentCode).toBe("MISSING");
    expect(roots.every((r) => r.children.length === 0)).toBe(true);
  });

  it("puts roots in tiers by kind: boards, then groups, then the council", () => {
    const { roots } = buildForest([
      body("T", null, "team"),
      body("G", null, "operational-group"),
      body("E", null, "executive-board"),
    ]);
    expect(roots.map((r) => [r.body.code, r.tier])).toEqual([
      ["T", 2],
      ["G", 1],
      ["E", 0],
    ]);
  });
});

describe("packBands", () => {
  it("fills a band row by row, wrapping below maxColumns, with a parent centred over its children", () => {
    const { roots } = buildForest([
      body("A", null),
      body("A1", "A"),
      body("A2", "A"),
      body("B", null),
      body("C", null),
    ]);
    const [band] = packBands(roots, 3);
    expect(band).toMatchObject({ tier: 2, columns: 3, rows: 2 });
    const at = (code: string) => {
      const node = [...roots, ...roots.flatMap((r) => r.children)].find((n) => n.body.code === code);
      return [node?.column, node?.row];
    };
    expect(at("A")).toEqual([0.5, 0]);
    expect(at("A1")).toEqual([0, 1]);
    expect(at("A2")).toEqual([1, 1]);
    expect(at("B")).toEqual([2, 0]);
    expect(at("C")).toEqual([2, 1]);
  });

  it("makes one band per tier, top tier first", () => {
    const { roots } = buildForest([body("T", null, "team"), body("E", null, "executive-board")]);
    expect(packBands(roots, 4).map((b) => b.tier)).toEqual([0, 2]);
  });
});
