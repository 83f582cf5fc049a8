import type { Command } from "commander";
import type { Database } from "../db/client.js";
import type { IndicatorResult } from "../domain/indicators/reference.js";
import {
  computeIndicators,
  computeOptionsOf,
  computeProviderView,
  valuesQuerySchema,
  type IndicatorValue,
  type ValuesQuery,
} from "../modules/indicators/service.js";
import { consoleOutput, withServices, type Output } from "./context.js";
import { usageError } from "./errors.js";
import { isOneOf } from "../domain/codes.js";

export const INDICATOR_FORMATS = ["json", "csv"] as const;
export type IndicatorFormat = (typeof INDICATOR_FORMATS)[number];

export interface IndicatorsArguments extends ValuesQuery {
  readonly format: IndicatorFormat;
  /** Print what this provider's users see: their own figures and the all-providers ones suppressed. */
  readonly forProvider?: string | undefined;
}

export const FOR_PROVIDER_MESSAGE =
  "--for-provider: give a provider code (at most 50 characters), without --provider: it prints that provider's own figures and the all-providers ones";

/** Checks the options before the database is opened (exit 2 on a mistake), with the API's own schema. */
export function parseIndicatorsArguments(options: {
  framework?: string;
  periodEnd?: string;
  provider?: string;
  format?: string;
  period?: string;
  forProvider?: string;
}): IndicatorsArguments {
  const parsed = valuesQuerySchema.safeParse({
    framework: options.framework,
    periodEnd: options.periodEnd,
    providerCode: options.provider,
    period: options.period,
  });
  if (!parsed.success) {
    const byField: Record<string, string> = {
      framework: "--framework",
      periodEnd: "--period-end",
      period: "--period",
    };
    throw usageError(
      parsed.error.issues
        .map((i) => {
          const field = String(i.path[0] ?? "");
          return `${byField[field] ?? "--provider"}: ${i.message}`;
        })
        .join("\n"),
    );
  }
  const format = options.format ?? "json";
  if (!isOneOf(INDICATOR_FORMATS, format))
    throw usageError(`--format: "${format}" is not a format. Use json or csv`);
  const forProvider = options.forProvider?.trim();
  if (
    forProvider !== undefined &&
    (forProvider === "" || forProvider.length > 50 || parsed.data.providerCode)
  )
    throw usageError(FOR_PROVIDER_MESSAGE);
  return { ...parsed.data, format: format, forProvider };
}

const COLUMNS = [
  "code",
  "providerCode",
  "periodStart",
  "periodEnd",
  "numerator",
  "denominator",
  "value",
  "complete",
] as const satisfies readonly (keyof IndicatorResult)[];

/** A CSV field: quoted when it holds a comma, a quote or a line end (RFC 4180); null is empty. */
function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function indicatorsCsv(results: readonly IndicatorResult[]): string[] {
  return [COLUMNS.join(","), ...results.map((r) => COLUMNS.map((c) => csvField(r[c])).join(","))];
}

const VIEW_COLUMNS = [...COLUMNS, "suppressed"] as const satisfies readonly (keyof IndicatorValue)[];

/** A provider's view as CSV: the API's columns, with `*` where a figure is suppressed. */
export function providerViewCsv(values: readonly IndicatorValue[]): string[] {
  return [VIEW_COLUMNS.join(","), ...values.map((v) => VIEW_COLUMNS.map((c) => csvField(v[c])).join(","))];
}

/**
 * Computes a framework's indicators for a period end (every provider and all together, or one
 * provider) and prints them, as the API's items: a JSON array, or CSV with a header row. Run by an
 * operator, so nothing is suppressed, unless `--for-provider` asks for what a provider's users see.
 */
export async function runIndicators(
  context: { database: Database },
  args: IndicatorsArguments,
  output: Output = consoleOutput,
): Promise<IndicatorResult[] | IndicatorValue[]> {
  const { format: _format, forProvider, ...query } = args;
  if (forProvider !== undefined) {
    const view = await computeProviderView(context.database.db, computeOptionsOf(query), forProvider);
    if (args.format === "csv") for (const line of providerViewCsv(view)) output.out(line);
    else output.out(JSON.stringify(view, null, 2));
    return view;
  }
  const results = await computeIndicators(context.database.db, computeOptionsOf(query));
  if (args.format === "csv") for (const line of indicatorsCsv(results)) output.out(line);
  else output.out(JSON.stringify(results, null, 2));
  if (args.providerCode && results.length === 0)
    output.err(`No rows of provider ${args.providerCode} in the data this framework is computed from.`);
  return results;
}

export function registerIndicators(program: Command): void {
  program
    .command("indicators")
    .description("compute a framework's indicators for a period end, per provider and for all providers")
    .requiredOption("--framework <framework>", "A (substance misuse), B (housing-related support) or HIA")
    .requiredOption("--period-end <date>", "the last day of the period, YYYY-MM-DD")
    .option("--provider <code>", "one provider's values only")
    .option(
      "--period <period>",
      "for B and HIA, the period ending on --period-end: quarter or 12-months (default B quarter, HIA 12-months)",
    )
    .option(
      "--for-provider <code>",
      "print what that provider's users see: its own figures, and the all-providers figures with small numbers suppressed (also where its own figure would reveal them)",
    )
    .option("--format <format>", "json or csv", "json")
    .action(
      async (options: {
        framework?: string;
        periodEnd?: string;
        provider?: string;
        format?: string;
        period?: string;
        forProvider?: string;
      }) => {
        const args = parseIndicatorsArguments(options);
        await withServices((context) => runIndicators(context, args));
      },
    );
}
