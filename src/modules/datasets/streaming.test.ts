import { Readable } from "node:stream";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../test/helpers.js";
import { FORMATS } from "../../domain/indicators/formats.js";
import { SYSTEM_ACTOR } from "../../domain/policy.js";
import { DatasetRefusedError } from "./service.js";

/**
 * Files long enough that their rows go to the database in many batches while the rest is still being
 * read (on PostgreSQL, straight into COPY): a problem far down the file, found by the checks or by the
 * database itself, must still refuse the whole file with every problem's line, and leave the import
 * path usable for the next file (docs/indicators.md: a file is imported whole or not at all).
 */

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
  for (const code of ["SP01", "SP02"])
    await t.services.organisations.create(SYSTEM_ACTOR, {
      name: `Streaming provider ${code}`,
      kind: "provider",
      code,
      companyNumber: undefined,
      charityNumber: undefined,
    });
});
afterAll(async () => t.close());

const HEADER = `${FORMATS["hia-activity"].columns.map((c) => c.name).join(",")}\n`;
const ROWS = 30_000;

/** A long hia-activity file (line 1 is the header, so row i is on line i + 2), with some lines changed. */
function longFile(prefix: string, changes: Record<number, (id: string) => string> = {}): Readable {
  function* lines() {
    yield HEADER;
    for (let i = 0; i < ROWS; i++) {
      const line = i + 2;
      const id = `${prefix}${i}`;
      yield (
        changes[line]?.(id) ??
        `${id},client-${i % 9_000},SP0${(i % 2) + 1},hia,2025-02-${String((i % 28) + 1).padStart(2, "0")},,\n`
      );
    }
  }
  return Readable.from(lines());
}

function importLong(input: Readable) {
  return t.services.datasets.importFile(SYSTEM_ACTOR, {
    kind: "hia-activity",
    fileName: "long.csv",
    input,
    replace: false,
  });
}

async function stored(prefix: string) {
  const [row] = await t.database.rows<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM hia_referrals WHERE referral_id LIKE ${`${prefix}%`}`,
  );
  return row?.n;
}

async function refusal(attempt: Promise<unknown>): Promise<DatasetRefusedError> {
  const error = await attempt.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetRefusedError);
  return error as DatasetRefusedError;
}

describe("a long file", () => {
  it("is refused whole when a late row repeats a stored id, with every problem after it too", async () => {
    const earlier = "LONG-A-";
    await importLong(longFile(earlier));
    const prefix = "LONG-B-";
    const datasetsBefore = await t.database.rows(sql`SELECT id FROM datasets`);
    const error = await refusal(
      importLong(
        longFile(prefix, {
          25_002: () => `${earlier}7,client-1,SP02,hia,2025-02-01,,\n`,
          27_000: (id) => `${id},client-2,SP01,hia,2025-02-30,,\n`,
          29_000: () => `${prefix}1,client-3,SP02,hia,2025-02-01,,\n`,
        }),
      ),
    );
    expect(error.totalErrors).toBe(3);
    expect(error.rows.map((r) => [r.line, r.column])).toEqual([
      [25_002, "referral_id"],
      [27_000, "referral_date"],
      [29_000, "referral_id"],
    ]);
    expect(error.rows[0]?.message).toMatch(/was imported before/);
    expect(error.rows[2]?.message).toMatch(/is also on line 3/);
    expect(await stored(prefix)).toBe(0);
    expect(await t.database.rows(sql`SELECT id FROM datasets`)).toHaveLength(datasetsBefore.length);
  }, 120_000);

  it("is still read to its end after an early repeated id, to report what comes after", async () => {
    // On PostgreSQL the unique index refuses the COPY long before the file has been read.
    const prefix = "LONG-D-";
    const error = await refusal(
      importLong(
        longFile(prefix, {
          1_500: () => `${prefix}0,client-1,SP02,hia,2025-02-01,,\n`,
          29_000: (id) => `${id},client-2,SP01,handy,2025-02-01,,\n`,
        }),
      ),
    );
    expect(error.totalErrors).toBe(2);
    expect(error.rows.map((r) => [r.line, r.column])).toEqual([
      [1_500, "referral_id"],
      [29_000, "service"],
    ]);
    expect(error.rows[0]?.message).toMatch(/is also on line 2/);
    expect(await stored(prefix)).toBe(0);
  }, 120_000);

  it("is refused whole for a bad row near its end, and the next file imports", async () => {
    const prefix = "LONG-C-";
    const error = await refusal(
      importLong(longFile(prefix, { 29_990: (id) => `${id},client-2,SP09,hia,2025-02-03,,\n` })),
    );
    expect(error.rows).toEqual([
      {
        line: 29_990,
        column: "provider_code",
        message: expect.stringMatching(/"SP09" is not the code of a provider organisation/) as unknown,
      },
    ]);
    expect(await stored(prefix)).toBe(0);

    const outcome = await importLong(longFile(prefix));
    expect(outcome.rows).toBe(ROWS);
    expect(await stored(prefix)).toBe(ROWS);
    const [dataset] = await t.database.rows<{ rows: number; period_start: unknown; bytes: number }>(
      sql`SELECT rows, period_start::text, bytes FROM datasets WHERE id = ${outcome.datasetId}`,
    );
    expect(dataset).toMatchObject({ rows: ROWS, period_start: "2025-02-01" });
    expect(Number(dataset?.bytes)).toBeGreaterThan(ROWS * 30);
  }, 120_000);
});
