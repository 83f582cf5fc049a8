/**
 * npm run bench:indicators — client-level data at scale: a seeded file of
 * treatment episodes (default 1,000,000; 40% as many clients; 30 providers; 3 years), then
 *  (a) the import through our import path (`app.services.datasets.importFile`, as the CLI calls it)
 *      beside a bare COPY of the same CSV into an unindexed table of text columns on the same database;
 *  (b) Appendix A for one period end, all providers together and each provider (one call), beside
 *      DuckDB computing the same indicators (SM01–SM14R) from the same CSV;
 *  (c) peak memory (VmHWM) of `commissioner import` run as a child, at 250,000 rows and at N rows;
 *  (d) the engines' figures checked against each other: a mismatch prints it and exits 1.
 *
 *   npx tsx bench/indicators.ts [--rows 1000000] [--database embedded|postgres|both] [--period-end 2024-03-31]
 *
 * PostgreSQL is used when DATABASE_URL is set (it must allow CREATE DATABASE): each run creates its own
 * databases and drops them afterwards.
 */
import { markUnaudited } from "../src/modules/audit/service.js";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { configFromEnvironment, type Config } from "../src/config.js";
import type { Database } from "../src/db/client.js";
import { organisations } from "../src/db/schema/index.js";
import type { IndicatorResult } from "../src/domain/indicators/reference.js";
import { SYSTEM_ACTOR } from "../src/domain/policy.js";
import { computeIndicators } from "../src/modules/indicators/service.js";
import { createServices } from "../src/services.js";
import { openAndPrepare } from "../src/startup.js";
import {
  TREATMENT_COLUMNS,
  generateTreatmentEpisodes,
  providerCodes,
  treatmentCsvRecord,
} from "../src/modules/demo/generator.js";
import { DUCKDB_CODES, duckdbIndicators, type DuckFigure } from "./duckdb-indicators.js";
import {
  exited,
  passFail,
  removeDir,
  scratchPostgresDatabase,
  seconds,
  sleep,
  table,
  tempDir,
} from "./lib.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");

const TARGETS = { importOverCopy: 0.5, computeOverDuckdb: 3 };
const PROVIDERS = 30;
const SEED = 20240331;

const { values: flags } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    database: { type: "string", default: "both" },
    "period-end": { type: "string", default: "2024-03-31" },
  },
});
const rows = Number(flags.rows);
const periodEnd = flags["period-end"];
if (!Number.isInteger(rows) || rows < 1000 || !/^\d{4}-\d{2}-\d{2}$/.test(periodEnd)) {
  console.error(
    "usage: tsx bench/indicators.ts [--rows n ≥ 1000] [--database embedded|postgres|both] [--period-end YYYY-MM-DD]",
  );
  process.exit(2);
}
/** The smaller file for the memory check: 250,000 rows, or a quarter of N when N is not above that. */
const smallRows = rows > 250_000 ? 250_000 : Math.floor(rows / 4);

type Kind = "pglite" | "postgres";
const kinds: Kind[] = [];
if (flags.database !== "postgres") kinds.push("pglite");
if (flags.database !== "embedded") {
  if (process.env.DATABASE_URL) kinds.push("postgres");
  else console.log("(DATABASE_URL is not set: measuring the embedded database only)");
}

const work = tempDir("commissioner-bench-indicators-");
process.once("exit", () => {
  removeDir(work);
});
const secrets = {
  SESSION_SECRET: randomBytes(32).toString("hex"),
  PSEUDONYMISATION_SECRET: randomBytes(32).toString("hex"),
  SEALING_SECRET: randomBytes(32).toString("hex"),
};

// ---------------------------------------------------------------------------------------------------
// The file
// ---------------------------------------------------------------------------------------------------

async function writeCsv(file: string, n: number): Promise<number> {
  const out = fs.createWriteStream(file);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once("drain", resolve));
  await write(`${TREATMENT_COLUMNS.join(",")}\n`);
  let batch = "";
  let inBatch = 0;
  for (const episode of generateTreatmentEpisodes({
    seed: SEED,
    rows: n,
    clients: Math.round(n * 0.4),
    providers: PROVIDERS,
    from: "2022-04-01",
    to: "2025-03-31",
  })) {
    const record = treatmentCsvRecord(episode);
    batch += `${TREATMENT_COLUMNS.map((c) => record[c]).join(",")}\n`;
    if (++inBatch === 5_000) {
      await write(batch);
      batch = "";
      inBatch = 0;
    }
  }
  await write(batch);
  await new Promise<void>((resolve, reject) => {
    out.end((error?: Error | null) => {
      if (error) reject(error);
      else resolve();
    });
  });
  return fs.statSync(file).size;
}

// ---------------------------------------------------------------------------------------------------
// Databases of our own
// ---------------------------------------------------------------------------------------------------

interface Scratch {
  kind: Kind;
  env: Record<string, string>;
  config: Config;
  url?: string;
  drop: () => Promise<void>;
}

let scratchCount = 0;

/** A fresh, empty database (a temporary DATA_DIR, or a database created on DATABASE_URL's server). */
async function scratchDatabase(kind: Kind): Promise<Scratch> {
  const dataDir = path.join(work, `data-${++scratchCount}`);
  fs.mkdirSync(dataDir);
  const env: Record<string, string> = { DATA_DIR: dataDir, LOG_LEVEL: "warn", ...secrets };
  let drop = () => {
    removeDir(dataDir);
    return Promise.resolve();
  };
  let url: string | undefined;
  if (kind === "postgres") {
    const scratch = await scratchPostgresDatabase(process.env.DATABASE_URL ?? "", "commissioner_bench_ind");
    url = scratch.url;
    env.DATABASE_URL = url;
    drop = async () => {
      removeDir(dataDir);
      await scratch.drop();
    };
  }
  return { kind, env, config: configFromEnvironment(env), ...(url ? { url } : {}), drop };
}

/** Migrated, with the providers P01…P30 the file names (the importer accepts known provider codes only). */
async function prepare(scratch: Scratch): Promise<Database> {
  const database = await openAndPrepare(scratch.config);
  await database.db.transaction(async (tx) => {
    await markUnaudited(tx, "benchmark seed");
    await tx
      .insert(organisations)
      .values(
        providerCodes(PROVIDERS).map((code) => ({
          name: `Provider ${code}`,
          kind: "provider" as const,
          code,
        })),
      )
      .onConflictDoNothing();
  });
  return database;
}

// ---------------------------------------------------------------------------------------------------
// (a) Import beside a bare COPY
// ---------------------------------------------------------------------------------------------------

async function importThroughApp(database: Database, config: Config, file: string): Promise<number> {
  const services = createServices(database, config);
  const started = performance.now();
  const outcome = await services.datasets.importFile(SYSTEM_ACTOR, {
    kind: "treatment-journeys",
    fileName: path.basename(file),
    input: fs.createReadStream(file),
    replace: false,
  });
  const elapsed = performance.now() - started;
  if (outcome.rows !== rows) throw new Error(`imported ${outcome.rows} rows, not ${rows}`);
  return elapsed;
}

/** Pieces of a file of about `size` bytes, each ending at a line end, without the header line. */
async function* bodyChunks(file: string, size: number): AsyncGenerator<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  let header = true;
  for await (const piece of fs.createReadStream(file, { highWaterMark: size })) {
    let data: Buffer = carry.length > 0 ? Buffer.concat([carry, piece as Buffer]) : (piece as Buffer);
    if (header) {
      const first = data.indexOf(10);
      if (first === -1) {
        carry = data;
        continue;
      }
      data = data.subarray(first + 1);
      header = false;
    }
    const end = data.lastIndexOf(10);
    if (end === -1) {
      carry = data;
      continue;
    }
    yield data.subarray(0, end + 1);
    carry = data.subarray(end + 1);
  }
  if (carry.length > 0) yield carry;
}

/** The reference: the same CSV into an unindexed table of text columns, by COPY, nothing else. */
async function bareCopy(database: Database, scratch: Scratch, file: string): Promise<number> {
  const columns = TREATMENT_COLUMNS.map((c) => `"${c}" text`).join(", ");
  const create = `CREATE TABLE bench_copy_reference (${columns})`;
  if (database.kind === "pglite") {
    const engine = database.pglite;
    if (!engine) throw new Error("embedded database without its engine");
    await engine.query(create);
    const started = performance.now();
    // As the importer does on PGlite: 8 MB pieces handed over as /dev/blob, in one transaction.
    await engine.transaction(async (tx) => {
      for await (const chunk of bodyChunks(file, 8 * 1024 * 1024)) {
        await tx.query("COPY bench_copy_reference FROM '/dev/blob' WITH (FORMAT csv)", [], {
          blob: new Blob([chunk as Uint8Array<ArrayBuffer>]),
        });
      }
    });
    const elapsed = performance.now() - started;
    await engine.query("DROP TABLE bench_copy_reference");
    return elapsed;
  }
  const client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  try {
    await client.query(create);
    const started = performance.now();
    await client.query("BEGIN");
    await pipeline(
      fs.createReadStream(file),
      client.query(copyFrom("COPY bench_copy_reference FROM STDIN WITH (FORMAT csv, HEADER true)")),
    );
    await client.query("COMMIT");
    const elapsed = performance.now() - started;
    await client.query("DROP TABLE bench_copy_reference");
    return elapsed;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------------
// (b) Computing Appendix A, and DuckDB
// ---------------------------------------------------------------------------------------------------

async function computeTimed(database: Database) {
  const times: number[] = [];
  let results: IndicatorResult[] = [];
  for (let run = 0; run < 2; run++) {
    const started = performance.now();
    results = await computeIndicators(database.db, { framework: "A", periodEnd });
    times.push(performance.now() - started);
  }
  const started = performance.now();
  await computeIndicators(database.db, { framework: "A", periodEnd, providerCode: "P01" });
  const oneProvider = performance.now() - started;
  return { first: times[0] ?? 0, best: Math.min(...times), oneProvider, results };
}

// ---------------------------------------------------------------------------------------------------
// (c) Peak memory of the CLI import
// ---------------------------------------------------------------------------------------------------

function vmHwmMiB(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

async function cliImportPeak(kind: Kind, file: string): Promise<{ peakMiB: number; ms: number }> {
  const scratch = await scratchDatabase(kind);
  try {
    const database = await prepare(scratch);
    await database.close();
    const env: NodeJS.ProcessEnv = { ...process.env, ...scratch.env };
    if (kind === "pglite") delete env.DATABASE_URL;
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [path.join(root, "bin/commissioner.js"), "import", "treatment-journeys", file],
      {
        cwd: root,
        env,
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    let peak = 0;
    const state = { done: false };
    const status = exited(child).finally(() => {
      state.done = true;
    });
    while (!state.done && child.pid !== undefined) {
      peak = Math.max(peak, vmHwmMiB(child.pid) ?? 0);
      await sleep(20);
    }
    const code = await status;
    const elapsed = performance.now() - started;
    if (code !== 0) throw new Error(`commissioner import exited ${String(code)}:\n${stderr}`);
    return { peakMiB: peak, ms: elapsed };
  } finally {
    await scratch.drop();
  }
}

// ---------------------------------------------------------------------------------------------------
// (d) Cross-checks
// ---------------------------------------------------------------------------------------------------

const keyOf = (r: { code: string; providerCode: string | null }) => `${r.code} ${r.providerCode ?? "(all)"}`;

function compareEngines(a: IndicatorResult[], b: IndicatorResult[], names: [string, string]): string[] {
  const problems: string[] = [];
  const other = new Map(b.map((r) => [keyOf(r), r]));
  for (const x of a) {
    const y = other.get(keyOf(x));
    other.delete(keyOf(x));
    const same =
      x.numerator === y?.numerator &&
      x.denominator === y.denominator &&
      x.value === y.value &&
      x.complete === y.complete;
    if (!same)
      problems.push(
        `${keyOf(x)}: ${names[0]} ${JSON.stringify([x.numerator, x.denominator, x.value, x.complete])}, ` +
          `${names[1]} ${y ? JSON.stringify([y.numerator, y.denominator, y.value, y.complete]) : "missing"}`,
      );
  }
  for (const y of other.values()) problems.push(`${keyOf(y)}: missing from ${names[0]}`);
  return problems;
}

function compareDuckdb(results: IndicatorResult[], figures: DuckFigure[], name: string): string[] {
  const problems: string[] = [];
  const duck = new Map(figures.map((f) => [`${f.code} ${f.scope === "" ? "(all)" : f.scope}`, f]));
  for (const r of results.filter((x) => DUCKDB_CODES.includes(x.code))) {
    const f = duck.get(keyOf(r));
    // A provider with rows in the table but none in the period: DuckDB has no row, ours has zeros.
    const numerator = f?.numerator ?? 0;
    const denominator = f ? f.denominator : r.denominator === null ? null : 0;
    if (numerator !== r.numerator || denominator !== r.denominator)
      problems.push(
        `${keyOf(r)}: ${name} ${r.numerator}/${String(r.denominator)}, DuckDB ${numerator}/${String(denominator)}`,
      );
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------

interface EngineResult {
  kind: Kind;
  importMs: number;
  copyMs: number;
  compute: Awaited<ReturnType<typeof computeTimed>> & { error?: string };
  memory: { small: { peakMiB: number; ms: number }; full: { peakMiB: number; ms: number } };
}

const label = (kind: Kind) => (kind === "pglite" ? "PGlite" : "PostgreSQL");
const perSecond = (n: number, milliseconds: number) =>
  `${Math.round((n * 1000) / milliseconds).toLocaleString("en-GB")}/s`;

async function benchEngine(kind: Kind, file: string, smallFile: string): Promise<EngineResult> {
  console.log(`\n== ${label(kind)}: importing ${rows.toLocaleString("en-GB")} rows…`);
  const scratch = await scratchDatabase(kind);
  let database: Database | undefined;
  try {
    database = await prepare(scratch);
    const importMs = await importThroughApp(database, scratch.config, file);
    console.log(`   imported in ${seconds(importMs)} (${perSecond(rows, importMs)}); bare COPY…`);
    const copyMs = await bareCopy(database, scratch, file);
    console.log(
      `   bare COPY in ${seconds(copyMs)} (${perSecond(rows, copyMs)}): import ÷ COPY speed ${Math.round((copyMs / importMs) * 100)}%`,
    );
    console.log(`   computing Appendix A for ${periodEnd}…`);
    // A failure here is reported with the rest (and fails the run), not allowed to lose the figures above.
    const compute = await computeTimed(database).catch((error: unknown) => ({
      first: Number.NaN,
      best: Number.NaN,
      oneProvider: Number.NaN,
      results: [] as IndicatorResult[],
      error: error instanceof Error ? error.message.split("\n")[0] : String(error),
    }));
    await database.close();
    database = undefined;
    await scratch.drop();
    console.log(
      "error" in compute
        ? `   computing failed (${compute.error}); peak memory of the CLI import…`
        : `   computed in ${seconds(compute.best)}; peak memory of the CLI import…`,
    );
    const small = await cliImportPeak(kind, smallFile);
    const full = await cliImportPeak(kind, file);
    return { kind, importMs, copyMs, compute, memory: { small, full } };
  } finally {
    if (database) {
      await database.close().catch(() => undefined);
      await scratch.drop().catch(() => undefined);
    }
  }
}

async function main() {
  const file = path.join(work, `treatment-${rows}.csv`);
  const smallFile = path.join(work, `treatment-${smallRows}.csv`);
  let started = performance.now();
  const bytes = await writeCsv(file, rows);
  await writeCsv(smallFile, smallRows);
  console.log(
    `Generated ${rows.toLocaleString("en-GB")} episodes (${Math.round(rows * 0.4).toLocaleString("en-GB")} clients, ` +
      `${PROVIDERS} providers, 2022-04-01 to 2025-03-31; ${(bytes / 1e6).toFixed(1)} MB) and ` +
      `${smallRows.toLocaleString("en-GB")} for the memory check in ${seconds(performance.now() - started)}`,
  );

  started = performance.now();
  console.log(
    `\n== DuckDB: loading the CSV and computing ${DUCKDB_CODES[0] ?? ""}–${DUCKDB_CODES.at(-1) ?? ""}…`,
  );
  const duck = await duckdbIndicators(file, periodEnd);
  console.log(`   done in ${seconds(performance.now() - started)}`);

  const results: EngineResult[] = [];
  for (const kind of kinds) results.push(await benchEngine(kind, file, smallFile));

  console.log(
    `\n(a) Import of ${rows.toLocaleString("en-GB")} rows, beside a bare COPY on the same database\n`,
  );
  console.log(
    table([
      ["database", "import", "rows/s", "bare COPY", "rows/s", "import ÷ COPY speed"],
      ...results.map((r) => [
        label(r.kind),
        seconds(r.importMs),
        perSecond(rows, r.importMs),
        seconds(r.copyMs),
        perSecond(rows, r.copyMs),
        `${Math.round((r.copyMs / r.importMs) * 100)}%`,
      ]),
    ]),
  );

  console.log(
    `\n(b) Appendix A for the period ending ${periodEnd}: all providers together and each of ${PROVIDERS} (one call);` +
      ` DuckDB computes the same ${String(DUCKDB_CODES.length)} indicators from the CSV\n`,
  );
  console.log(
    table([
      ["engine", "first run", "best of 2", "one provider", "÷ DuckDB query"],
      ...results.map((r) => [
        `${label(r.kind)} (SM01–SM14R)`,
        seconds(r.compute.first),
        seconds(r.compute.best),
        seconds(r.compute.oneProvider),
        `${(r.compute.best / duck.queryMs).toFixed(1)}×`,
      ]),
      [`DuckDB (${DUCKDB_CODES[0]}–${DUCKDB_CODES.at(-1)})`, "", seconds(duck.queryMs), "", "1.0×"],
      ["DuckDB loading the CSV", "", seconds(duck.loadMs), "", ""],
    ]),
  );

  console.log(
    `\n(c) Peak memory (VmHWM) of \`commissioner import\` as a child process (wall time includes start-up)\n`,
  );
  console.log(
    table([
      [
        "database",
        `${smallRows.toLocaleString("en-GB")} rows`,
        `${rows.toLocaleString("en-GB")} rows`,
        "growth",
      ],
      ...results.map((r) => [
        label(r.kind),
        `${Math.round(r.memory.small.peakMiB)} MiB (${seconds(r.memory.small.ms)})`,
        `${Math.round(r.memory.full.peakMiB)} MiB (${seconds(r.memory.full.ms)})`,
        `${Math.round(((r.memory.full.peakMiB - r.memory.small.peakMiB) / r.memory.small.peakMiB) * 100)}%`,
      ]),
    ]),
  );

  console.log("\n(d) Cross-checks\n");
  const problems: string[] = [];
  const [first, second] = results;
  if (first && second) {
    const diff = compareEngines(first.compute.results, second.compute.results, ["PGlite", "PostgreSQL"]);
    console.log(
      `  PGlite = PostgreSQL (${first.compute.results.length} figures): ${diff.length === 0 ? "equal" : `${diff.length} differ`}`,
    );
    problems.push(...diff);
  }
  for (const r of results) {
    if (r.compute.error !== undefined) {
      console.log(`  ${label(r.kind)}: Appendix A could not be computed: ${r.compute.error}`);
      problems.push(`${label(r.kind)}: Appendix A failed`);
      continue;
    }
    const diff = compareDuckdb(r.compute.results, duck.figures, label(r.kind));
    const compared = r.compute.results.filter((x) => DUCKDB_CODES.includes(x.code)).length;
    console.log(
      `  ${label(r.kind)} = DuckDB on ${DUCKDB_CODES.join(", ")} (${compared} figures): ${diff.length === 0 ? "equal" : `${diff.length} differ`}`,
    );
    problems.push(...diff);
  }
  for (const p of problems.slice(0, 50)) console.log(`    ! ${p}`);
  if (problems.length > 50) console.log(`    … and ${problems.length - 50} more`);

  console.log("\nTargets\n");
  const targetRows: (string | number)[][] = [["target", "measured", "wanted", "result"]];
  const postgres = results.find((r) => r.kind === "postgres");
  for (const r of results) {
    const ratio = r.copyMs / r.importMs;
    const onTarget = r.kind === "postgres";
    targetRows.push([
      `import ÷ bare COPY speed, ${label(r.kind)}`,
      `${Math.round(ratio * 100)}%`,
      onTarget ? `≥ ${TARGETS.importOverCopy * 100}%` : "(reported)",
      onTarget ? passFail(ratio >= TARGETS.importOverCopy) : "",
    ]);
  }
  for (const r of results) {
    const ratio = r.compute.best / duck.queryMs;
    const onTarget = r.kind === "postgres";
    targetRows.push([
      `Appendix A ÷ DuckDB, ${label(r.kind)}`,
      `${ratio.toFixed(1)}×`,
      onTarget ? `≤ ${TARGETS.computeOverDuckdb}×` : "(reported)",
      onTarget ? passFail(ratio <= TARGETS.computeOverDuckdb) : "",
    ]);
  }
  targetRows.push([
    "engines agree",
    problems.length === 0 ? "yes" : `${problems.length} differences`,
    "yes",
    passFail(problems.length === 0),
  ]);
  console.log(table(targetRows));
  if (!postgres) console.log("  (the targets are on PostgreSQL: set DATABASE_URL to measure them)");
  console.log(
    "\nThe figures depend on the machine and what else runs on it; the ratios are what to compare.",
  );
  return problems.length === 0;
}

main().then(
  (ok) => {
    process.exit(ok ? 0 : 1);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
