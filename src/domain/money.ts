/**
 * Money is integer pence (docs/architecture.md, data rules): public money must add up exactly, so nothing here
 * goes through a floating-point number. Pounds typed by a person ("£1,250,000", "1250000.50") become
 * pence; pence become "£1,250,000.50" for people to read.
 */

/** The largest value accepted: £100,000,000,000 (far above any contract, well inside a safe integer). */
export const MAX_PENCE = 10_000_000_000_000;

export type PoundsError = "empty" | "format" | "pence" | "negative" | "too-large";

export type ParsedPounds = { ok: true; pence: number } | { ok: false; error: PoundsError };

// Whole pounds either plain (1250000) or grouped in threes with commas (1,250,000), then up to 2 decimals.
const POUNDS = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/;
const TOO_MANY_DECIMALS = /^(\d{1,3}(?:,\d{3})+|\d+)\.\d{3,}$/;

/**
 * Parses an amount in pounds as a person types it: an optional "£", commas between thousands, and
 * pence after a point ("£1,000,000.01" → 100000001; "1250000.5" → 125000050). Spaces around the
 * amount and after the "£" are ignored. Anything else is refused with the kind of mistake.
 */
export function parsePounds(input: string): ParsedPounds {
  let text = input.trim();
  if (text === "") return { ok: false, error: "empty" };
  if (text.startsWith("-") || text.startsWith("−")) return { ok: false, error: "negative" };
  if (text.startsWith("£")) text = text.slice(1).trim();
  if (text.startsWith("-") || text.startsWith("−")) return { ok: false, error: "negative" };
  const match = POUNDS.exec(text);
  if (!match) return { ok: false, error: TOO_MANY_DECIMALS.test(text) ? "pence" : "format" };
  const pounds = (match[1] ?? "0").replace(/,/g, "");
  const pence = (match[2] ?? "").padEnd(2, "0");
  const total = BigInt(pounds) * 100n + BigInt(pence);
  if (total > BigInt(MAX_PENCE)) return { ok: false, error: "too-large" };
  return { ok: true, pence: Number(total) };
}

const GROUPED = new Intl.NumberFormat("en-GB", { useGrouping: true, maximumFractionDigits: 0 });

/**
 * Pence as pounds for people: "£1,000,000.01"; whole pounds without ".00" ("£1,000,000"), as the
 * GOV.UK style guide writes money, unless `alwaysPence` asks for them.
 */
export function formatPence(pence: number, options: { alwaysPence?: boolean } = {}): string {
  if (!Number.isSafeInteger(pence)) throw new RangeError(`not a whole number of pence: ${pence}`);
  const sign = pence < 0 ? "-" : "";
  const abs = Math.abs(pence);
  const pounds = Math.trunc(abs / 100);
  const rest = abs % 100;
  const whole = `${sign}£${GROUPED.format(pounds)}`;
  if (rest === 0 && !options.alwaysPence) return whole;
  return `${whole}.${String(rest).padStart(2, "0")}`;
}

/** Exactly, without floating point: is `value` at least `percent`% of `of`? */
export function isAtLeastPercentOf(value: number, percent: number, of: number): boolean {
  return BigInt(value) * 100n >= BigInt(of) * BigInt(percent);
}

/** `percent` of `pence`, rounded up to the next whole penny (for showing "80% of the threshold"). */
export function percentOf(pence: number, percent: number): number {
  const product = BigInt(pence) * BigInt(percent);
  const quotient = product / 100n;
  return Number(product % 100n === 0n ? quotient : quotient + 1n);
}
