import { describe, expect, it } from "vitest";
import { GRID_COLOUR, RATINGS, layoutHeatmap, ratingFor, riskScore, type HeatmapRisk } from "./heatmap.js";

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

describe("risk score and rating", () => {
  it.each([
    [1, 1, 1, "low"],
    [1, 3, 3, "low"],
    [2, 2, 4, "moderate"],
    [1, 5, 5, "moderate"],
    [2, 3, 6, "moderate"],
    [2, 4, 8, "high"],
    [3, 3, 9, "high"],
    [3, 4, 12, "high"],
    [3, 5, 15, "extreme"],
    [4, 4, 16, "extreme"],
    [5, 5, 25, "extreme"],
  ])("likelihood %i × impact %i = %i, %s", (likelihood, impact, score, rating) => {
    expect(riskScore(likelihood, impact)).toBe(score);
    expect(ratingFor(score).code).toBe(rating);
  });

  it("uses colours whose text reads at 4.5:1 or better, and cell borders at 3:1 on white", () => {
    for (const rating of Object.values(RATINGS)) {
      expect(contrast(rating.fill, rating.textColour), rating.code).toBeGreaterThanOrEqual(4.5);
    }
    expect(contrast(GRID_COLOUR, "#ffffff")).toBeGreaterThanOrEqual(3);
  });
});

describe("heat map layout", () => {
  const risks: HeatmapRisk[] = [
    { likelihood: 5, impact: 5, status: "open" },
    { likelihood: 5, impact: 5, status: "open" },
    { likelihood: 1, impact: 1, status: "open" },
    { likelihood: 3, impact: 4, status: "open" },
    { likelihood: 3, impact: 4, status: "closed" },
  ];
  const map = layoutHeatmap(risks);
  const cell = (l: number, i: number) => map.cells.find((c) => c.likelihood === l && c.impact === i);

  it("has 25 cells that count the open risks only", () => {
    expect(map.cells).toHaveLength(25);
    expect(map.total).toBe(4);
    expect(cell(5, 5)?.count).toBe(2);
    expect(cell(1, 1)?.count).toBe(1);
    expect(cell(3, 4)?.count).toBe(1);
    expect(map.cells.reduce((n, c) => n + c.count, 0)).toBe(4);
    expect(cell(2, 2)?.countText).toBeNull();
    expect(cell(5, 5)?.countText?.text).toBe("2");
  });

  it("puts likelihood 5 at the top and impact 5 on the right, with no cells overlapping", () => {
    const top = cell(5, 1);
    const bottom = cell(1, 1);
    const right = cell(1, 5);
    expect(top && bottom && top.y < bottom.y).toBe(true);
    expect(right && bottom && right.x > bottom.x).toBe(true);
    for (const a of map.cells)
      for (const b of map.cells) {
        if (a === b) continue;
        const overlap =
          a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
        expect(overlap).toBe(false);
      }
    for (const c of map.cells) {
      expect(c.x + c.width).toBeLessThanOrEqual(map.width);
      expect(c.y + c.height).toBeLessThanOrEqual(map.height);
    }
  });

  it("describes itself for screen readers, cell by cell and as a whole", () => {
    expect(cell(5, 5)?.label).toBe(
      "Likelihood 5 (Almost certain), impact 5 (Catastrophic): score 25, extreme; 2 open risks",
    );
    expect(cell(2, 2)?.label).toContain("0 open risks");
    expect(map.description).toMatch(/^4 open risks by likelihood/);
    expect(map.description).toContain("Likelihood 5, impact 5 (score 25, extreme): 2.");
    expect(layoutHeatmap([]).description).toBe("There are no open risks on the heat map.");
  });

  it("gives the table beside it the same counts, likelihood 5 first", () => {
    expect(map.rows.map((r) => r.likelihood)).toEqual([5, 4, 3, 2, 1]);
    expect(map.rows[0]?.cells.map((c) => c.count)).toEqual([0, 0, 0, 0, 2]);
    expect(map.rows[2]?.cells.map((c) => c.impact)).toEqual([1, 2, 3, 4, 5]);
  });
});
