import { describe, expect, it } from "vitest";
import {
  buildIndicatorChart,
  CHART_COLOURS,
  renderIndicatorChart,
  toPresentationAttributes,
} from "./charts.js";
import type { IndicatorValue } from "./service.js";

const value = (code: string, providerCode: string | null, v: IndicatorValue["value"]): IndicatorValue => ({
  code,
  providerCode,
  periodStart: "2024-04-01",
  periodEnd: "2025-03-31",
  numerator: 1,
  denominator: 3,
  value: v,
  complete: true,
  suppressed: v === "*",
});

const SM03 = { code: "SM03", name: "Successful completions", kind: "percentage" } as const;

interface BarOption {
  yAxis: { data: { value: string }[] };
  series: { data: { value: number; itemStyle: { color: string }; label: { formatter: string } }[] }[];
}

describe("buildIndicatorChart", () => {
  it("draws a bar per provider with a value, all providers first and highlighted", () => {
    const chart = buildIndicatorChart(SM03, [
      value("SM03", "IP2", 50),
      value("SM03", null, 33.3),
      value("SM03", "IP1", 0),
      value("SM03", "IP3", null),
      value("SM01", null, 3),
    ]);
    expect(chart).not.toBeNull();
    if (!chart) return;
    expect(chart.id).toBe("chart-sm03");
    expect(chart.bars).toEqual([
      { provider: "All providers", isAll: true, value: 33.3 },
      { provider: "IP1", isAll: false, value: 0 },
      { provider: "IP2", isAll: false, value: 50 },
    ]);
    const option = chart.option as unknown as BarOption;
    expect(option.yAxis.data.map((d) => d.value)).toEqual(["All providers", "IP1", "IP2"]);
    const data = option.series[0]?.data ?? [];
    expect(data.map((d) => d.itemStyle.color)).toEqual([
      CHART_COLOURS.allProviders,
      CHART_COLOURS.provider,
      CHART_COLOURS.provider,
    ]);
    expect(data.map((d) => d.label.formatter)).toEqual(["33.3%", "0.0%", "50.0%"]);
    expect(chart.label).toBe(
      "SM03: Successful completions. Bar chart of the percentage for each provider: " +
        "All providers 33.3%, IP1 0.0%, IP2 50.0%, IP3 no value.",
    );
    expect(chart.height).toBeGreaterThan(3 * 20);
  });

  it("makes no chart for a count indicator or when no value can be drawn", () => {
    expect(
      buildIndicatorChart({ code: "SM01", name: "In treatment", kind: "count" }, [value("SM01", null, 3)]),
    ).toBeNull();
    expect(buildIndicatorChart(SM03, [value("SM03", null, null), value("SM03", "IP1", null)])).toBeNull();
    expect(buildIndicatorChart(SM03, [value("SM03", null, "*")])).toBeNull();
    expect(buildIndicatorChart(SM03, [])).toBeNull();
  });

  it("leaves suppressed figures out of the bars but says so in the label", () => {
    const chart = buildIndicatorChart(SM03, [value("SM03", null, "*"), value("SM03", "IP1", 50)]);
    expect(chart?.bars.map((b) => b.provider)).toEqual(["IP1"]);
    expect(chart?.label).toContain("All providers * (not shown, fewer than 5)");
  });
});

describe("toPresentationAttributes", () => {
  it("turns style attributes into presentation attributes and drops style elements", () => {
    const svg =
      '<svg><text fill="#000" style="font-size:12px;font-family:sans-serif;fill:red;cursor:pointer" class="zr0-cls-1">1</text>' +
      '<path ecmeta_series_index="0" d="M0 0"></path><style ><![CDATA[.zr0-cls-1:hover{fill:red}]]></style></svg>';
    expect(toPresentationAttributes(svg)).toBe(
      '<svg><text fill="#000" font-size="12px" font-family="sans-serif">1</text><path d="M0 0"></path></svg>',
    );
  });
});

describe("renderIndicatorChart", () => {
  it("renders an accessible SVG with no style attribute or element", () => {
    const chart = buildIndicatorChart(SM03, [value("SM03", null, 40), value("SM03", "IP1", 50)]);
    if (!chart) throw new Error("no chart");
    const svg = renderIndicatorChart(chart);
    expect(svg.startsWith('<svg id="chart-sm03"')).toBe(true);
    expect(svg).toContain('role="img"');
    expect(svg).toContain(`aria-label="${chart.label}"`);
    expect(svg).not.toMatch(/style[=>\s]/);
    expect(svg).toContain(">40.0%</text>");
    expect(svg).toContain(`fill="${CHART_COLOURS.allProviders}"`);
  });
});
