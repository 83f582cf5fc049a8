/**
 * Bar charts of the percentage indicators on the values page: a pure function turns
 * computed values into an ECharts option, ECharts renders it on the server to SVG (`ssr: true`, no
 * client script), and the SVG is rewritten to presentation attributes because the page's CSP forbids
 * `style` attributes and elements. The table under each chart stays the accessible equivalent; the
 * chart carries role="img" and an aria-label that reads the same figures.
 */
import * as echarts from "echarts";
import type { IndicatorDefinition } from "../../domain/indicators/definitions.js";
import { formatPercentage } from "../../domain/indicators/terms.js";
import type { IndicatorValue } from "./service.js";

/** GOV.UK colours: black for all providers (highlighted), blue for each provider, both ≥ 3:1 on white. */
export const CHART_COLOURS = {
  allProviders: "#0b0c0c",
  provider: "#1d70b8",
  text: "#0b0c0c",
  gridLine: "#b1b4b6",
} as const;

export const CHART_WIDTH = 640;
/** Room for a provider's name over two lines ("Weald Recovery Partnership (P001)"). */
const ROW_HEIGHT = 40;
const LABEL_WIDTH = 200;
const TOP = 10;
const BOTTOM = 34;
const FONT_FAMILY = "arial, sans-serif";

export interface ChartBar {
  provider: string;
  isAll: boolean;
  value: number;
}

export interface IndicatorChart {
  code: string;
  id: string;
  width: number;
  height: number;
  /** The chart's accessible name: what it shows and every figure in it. */
  label: string;
  bars: ChartBar[];
  option: echarts.EChartsCoreOption;
}

function figureFor(value: IndicatorValue["value"]): string {
  if (value === "*") return "* (not shown, fewer than 5)";
  if (value === null) return "no value";
  return `${formatPercentage(value)}%`;
}

/**
 * The chart of one percentage indicator: a horizontal bar per provider, all providers first and
 * highlighted. Null for a count indicator, or when no provider has a value to draw.
 */
export function buildIndicatorChart(
  definition: Pick<IndicatorDefinition, "code" | "name" | "kind">,
  values: readonly IndicatorValue[],
  providerName: (code: string) => string = (code) => code,
): IndicatorChart | null {
  if (definition.kind === "count") return null;
  const nameOf = (code: string | null) => (code === null ? "All providers" : providerName(code));
  const rows = values
    .filter((v) => v.code === definition.code)
    .sort((a, b) =>
      a.providerCode === null
        ? -1
        : b.providerCode === null
          ? 1
          : a.providerCode.localeCompare(b.providerCode),
    );
  const bars: ChartBar[] = rows.flatMap((r) =>
    typeof r.value === "number"
      ? [{ provider: nameOf(r.providerCode), isAll: r.providerCode === null, value: r.value }]
      : [],
  );
  if (bars.length === 0) return null;
  const label =
    `${definition.code}: ${definition.name}. Bar chart of the percentage for each provider: ` +
    rows.map((r) => `${nameOf(r.providerCode)} ${figureFor(r.value)}`).join(", ") +
    ".";
  return {
    code: definition.code,
    id: `chart-${definition.code.toLowerCase()}`,
    width: CHART_WIDTH,
    height: TOP + BOTTOM + ROW_HEIGHT * bars.length,
    label,
    bars,
    option: chartOption(bars),
  };
}

/** The ECharts option for the bars: a 0–100% axis, one category row per provider, each figure at its bar's end. */
function chartOption(bars: readonly ChartBar[]): echarts.EChartsCoreOption {
  const textStyle = { color: CHART_COLOURS.text, fontFamily: FONT_FAMILY, fontSize: 14 };
  return {
    animation: false,
    aria: { enabled: false },
    textStyle,
    grid: { left: LABEL_WIDTH + 10, right: 70, top: TOP, bottom: BOTTOM },
    xAxis: {
      type: "value",
      min: 0,
      max: 100,
      interval: 25,
      axisLabel: { ...textStyle, formatter: "{value}%" },
      splitLine: { lineStyle: { color: CHART_COLOURS.gridLine } },
    },
    yAxis: {
      type: "category",
      inverse: true,
      data: bars.map((b) => ({
        value: b.provider,
        textStyle: { ...textStyle, fontWeight: b.isAll ? "bold" : "normal" },
      })),
      axisLabel: { ...textStyle, width: LABEL_WIDTH, overflow: "break", lineHeight: 16 },
      axisLine: { lineStyle: { color: CHART_COLOURS.text } },
      axisTick: { show: false },
    },
    series: [
      {
        type: "bar",
        barMaxWidth: 20,
        data: bars.map((b) => ({
          value: b.value,
          itemStyle: { color: b.isAll ? CHART_COLOURS.allProviders : CHART_COLOURS.provider },
          label: {
            show: true,
            position: "right",
            formatter: `${formatPercentage(b.value)}%`,
            ...textStyle,
            fontWeight: b.isAll ? "bold" : "normal",
          },
        })),
      },
    ],
  };
}

const escapeAttribute = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** CSS properties ECharts writes in `style` that SVG also takes as presentation attributes. */
const PRESENTATION = new Set([
  "fill",
  "fill-opacity",
  "font-family",
  "font-size",
  "font-style",
  "font-weight",
  "opacity",
  "stroke",
  "stroke-opacity",
  "stroke-width",
  "text-anchor",
  "dominant-baseline",
]);

/**
 * Makes ECharts' SVG fit the page's CSP: drops `<style>` elements (hover rules only), turns each
 * `style` attribute into presentation attributes, drops ECharts' own metadata attributes and classes.
 */
export function toPresentationAttributes(svg: string): string {
  return svg
    .replace(/<style[^>]*>[\s\S]*?<\/style>/g, "")
    .replace(/\s(?:ecmeta_[a-z_]+|class)="[^"]*"/g, "")
    .replace(
      /<([a-zA-Z]+)([^>]*?)\sstyle="([^"]*)"/g,
      (_match, tag: string, before: string, style: string) => {
        const present = new Set([...before.matchAll(/\s([a-zA-Z-]+)="/g)].map((m) => m[1]));
        const attributes = style
          .split(";")
          .map((declaration) => {
            const colon = declaration.indexOf(":");
            return colon < 0
              ? ["", ""]
              : [declaration.slice(0, colon).trim().toLowerCase(), declaration.slice(colon + 1).trim()];
          })
          .filter(([name, value]) => name && value && PRESENTATION.has(name) && !present.has(name))
          .map(([name, value]) => ` ${name}="${value}"`)
          .join("");
        return `<${tag}${before}${attributes}`;
      },
    );
}

/** Renders a chart to SVG on the server and makes it an accessible, CSP-safe image. */
export function renderIndicatorChart(chart: IndicatorChart): string {
  const instance = echarts.init(null, null, {
    renderer: "svg",
    ssr: true,
    width: chart.width,
    height: chart.height,
  });
  try {
    instance.setOption(chart.option);
    const svg = toPresentationAttributes(instance.renderToSVGString());
    return svg.replace(
      /^<svg /,
      `<svg id="${chart.id}" class="app-diagram app-indicator-chart" role="img" aria-label="${escapeAttribute(chart.label)}" focusable="false" `,
    );
  } finally {
    instance.dispose();
  }
}
