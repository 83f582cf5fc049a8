/**
 * The risk register's 5×5 heat map: a pure layout function that turns risks into
 * cells with counts, colours and text alternatives. A Nunjucks template draws it as SVG, so the page
 * needs no client script and the layout is tested without a browser.
 *
 * Ratings follow the common NHS/NPSA 5×5 matrix (the framework gives none): score = likelihood ×
 * impact; 1–3 low, 4–6 moderate, 8–12 high, 15–25 extreme.
 */

export const LIKELIHOOD_NAMES = ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"] as const;
export const IMPACT_NAMES = ["Negligible", "Minor", "Moderate", "Major", "Catastrophic"] as const;

export type RatingCode = "low" | "moderate" | "high" | "extreme";

export interface Rating {
  code: RatingCode;
  name: string;
  /** Cell colour, from the GOV.UK colour palette. */
  fill: string;
  /** Text on that colour: at least 4.5:1 contrast (WCAG 2.2 AA). */
  textColour: string;
}

const BLACK = "#0b0c0c";
const WHITE = "#ffffff";

/** GOV.UK palette: green tint-50, yellow, orange, red — each with the text colour that reads on it. */
export const RATINGS: Record<RatingCode, Rating> = {
  low: { code: "low", name: "Low", fill: "#87bca8", textColour: BLACK },
  moderate: { code: "moderate", name: "Moderate", fill: "#ffdd00", textColour: BLACK },
  high: { code: "high", name: "High", fill: "#f47738", textColour: BLACK },
  extreme: { code: "extreme", name: "Extreme", fill: "#ca3535", textColour: WHITE },
};

/** Cell borders and axis text: black tint-25, 9:1 on white, so each cell stands out (non-text contrast). */
export const GRID_COLOUR = "#484949";
export const AXIS_TEXT_COLOUR = BLACK;

export function riskScore(likelihood: number, impact: number): number {
  return likelihood * impact;
}

export function ratingFor(score: number): Rating {
  if (score <= 3) return RATINGS.low;
  if (score <= 6) return RATINGS.moderate;
  if (score <= 12) return RATINGS.high;
  return RATINGS.extreme;
}

export interface HeatmapRisk {
  likelihood: number;
  impact: number;
  status: "open" | "closed";
}

export interface HeatmapText {
  text: string;
  x: number;
  y: number;
  anchor: "start" | "middle" | "end";
  size: number;
  bold: boolean;
}

export interface HeatmapCell {
  likelihood: number;
  impact: number;
  score: number;
  rating: Rating;
  count: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** The count, centred; null when the cell is empty. */
  countText: HeatmapText | null;
  /** Read by screen readers and shown as a tooltip (SVG <title>). */
  label: string;
}

export interface Heatmap {
  width: number;
  height: number;
  cells: HeatmapCell[];
  axisTexts: HeatmapText[];
  gridColour: string;
  axisTextColour: string;
  /** Open risks counted (closed risks are not on the map). */
  total: number;
  title: string;
  /** A text alternative for the whole picture (the SVG's <desc>). */
  description: string;
  /** The same counts as rows (likelihood 5 first) of columns (impact 1 to 5), for the table beside it. */
  rows: { likelihood: number; name: string; cells: HeatmapCell[] }[];
}

export interface HeatmapOptions {
  cellWidth: number;
  cellHeight: number;
  /** Room for the likelihood labels on the left and the impact labels underneath. */
  left: number;
  bottom: number;
  margin: number;
  countSize: number;
  labelSize: number;
}

export const DEFAULT_HEATMAP_OPTIONS: HeatmapOptions = {
  cellWidth: 72,
  cellHeight: 50,
  left: 125,
  bottom: 62,
  margin: 10,
  countSize: 20,
  labelSize: 13,
};

function plural(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

/** Lays out the 5×5 grid: impact left to right, likelihood bottom to top; counts of open risks per cell. */
export function layoutHeatmap(
  risks: readonly HeatmapRisk[],
  options: HeatmapOptions = DEFAULT_HEATMAP_OPTIONS,
): Heatmap {
  const { cellWidth, cellHeight, left, bottom, margin, labelSize } = options;
  const open = risks.filter(
    (r) => r.status === "open" && r.likelihood >= 1 && r.likelihood <= 5 && r.impact >= 1 && r.impact <= 5,
  );
  // Room above the grid for the "Likelihood" axis title.
  const gridTop = margin + labelSize + 8;
  const width = left + 5 * cellWidth + margin;
  const height = gridTop + 5 * cellHeight + bottom;
  const cells: HeatmapCell[] = [];
  for (let likelihood = 5; likelihood >= 1; likelihood--) {
    for (let impact = 1; impact <= 5; impact++) {
      const count = open.filter((r) => r.likelihood === likelihood && r.impact === impact).length;
      cells.push(layoutCell(likelihood, impact, count, gridTop, options));
    }
  }
  return {
    width,
    height,
    cells,
    axisTexts: layoutAxisTexts(gridTop, height, options),
    gridColour: GRID_COLOUR,
    axisTextColour: AXIS_TEXT_COLOUR,
    total: open.length,
    title: "Risk heat map",
    description: describeHeatmap(open.length, cells),
    rows: [5, 4, 3, 2, 1].map((likelihood) => ({
      likelihood,
      name: LIKELIHOOD_NAMES[likelihood - 1] ?? "",
      cells: cells.filter((c) => c.likelihood === likelihood),
    })),
  };
}

/** One cell of the grid, below `gridTop`: its score, rating, count of open risks and text alternative. */
function layoutCell(
  likelihood: number,
  impact: number,
  count: number,
  gridTop: number,
  { cellWidth, cellHeight, left, countSize }: HeatmapOptions,
): HeatmapCell {
  const score = riskScore(likelihood, impact);
  const rating = ratingFor(score);
  const x = left + (impact - 1) * cellWidth;
  const y = gridTop + (5 - likelihood) * cellHeight;
  return {
    likelihood,
    impact,
    score,
    rating,
    count,
    x,
    y,
    width: cellWidth,
    height: cellHeight,
    countText:
      count > 0
        ? {
            text: String(count),
            x: x + cellWidth / 2,
            y: y + cellHeight / 2 + countSize * 0.35,
            anchor: "middle",
            size: countSize,
            bold: true,
          }
        : null,
    label: `Likelihood ${likelihood} (${LIKELIHOOD_NAMES[likelihood - 1] ?? ""}), impact ${impact} (${IMPACT_NAMES[impact - 1] ?? ""}): score ${score}, ${rating.name.toLowerCase()}; ${plural(count, "open risk", "open risks")}`,
  };
}

/** The likelihood labels left of the rows, the impact numbers and names under the columns, the axis titles. */
function layoutAxisTexts(
  gridTop: number,
  height: number,
  { cellWidth, cellHeight, left, margin, labelSize }: HeatmapOptions,
): HeatmapText[] {
  const axisTexts: HeatmapText[] = [];
  for (let likelihood = 1; likelihood <= 5; likelihood++) {
    const y = gridTop + (5 - likelihood) * cellHeight + cellHeight / 2 + labelSize * 0.35;
    axisTexts.push({
      text: `${likelihood} ${LIKELIHOOD_NAMES[likelihood - 1] ?? ""}`,
      x: left - 8,
      y,
      anchor: "end",
      size: labelSize,
      bold: false,
    });
  }
  for (let impact = 1; impact <= 5; impact++) {
    const x = left + (impact - 1) * cellWidth + cellWidth / 2;
    axisTexts.push({
      text: String(impact),
      x,
      y: gridTop + 5 * cellHeight + labelSize + 6,
      anchor: "middle",
      size: labelSize,
      bold: false,
    });
    axisTexts.push({
      text: IMPACT_NAMES[impact - 1] ?? "",
      x,
      y: gridTop + 5 * cellHeight + 2 * labelSize + 8,
      anchor: "middle",
      size: labelSize - 2,
      bold: false,
    });
  }
  axisTexts.push({
    text: "Impact",
    x: left + (5 * cellWidth) / 2,
    y: height - 8,
    anchor: "middle",
    size: labelSize,
    bold: true,
  });
  axisTexts.push({
    text: "Likelihood",
    x: margin,
    y: margin + labelSize,
    anchor: "start",
    size: labelSize,
    bold: true,
  });
  return axisTexts;
}

/** The map in words: how many open risks, then each occupied cell's count. */
function describeHeatmap(openCount: number, cells: readonly HeatmapCell[]): string {
  const occupied = cells.filter((c) => c.count > 0);
  return openCount === 0
    ? "There are no open risks on the heat map."
    : `${plural(openCount, "open risk", "open risks")} by likelihood (1 to 5, up) and impact (1 to 5, across). ` +
        occupied
          .map(
            (c) =>
              `Likelihood ${c.likelihood}, impact ${c.impact} (score ${c.score}, ${c.rating.name.toLowerCase()}): ${c.count}.`,
          )
          .join(" ");
}
