import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProgressReporter, parseImportArguments } from "../../src/cli/import.js";
import { CliError, EXIT } from "../../src/cli/errors.js";
import { buildProgram } from "../../src/cli/program.js";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import { DEMO_ORGANISATIONS } from "../../src/modules/demo/demo.js";
import { createServices } from "../../src/services.js";
import { loadConfig, openAndPrepare } from "../../src/startup.js";
import { withDatabase } from "../global-setup.js";

/**
 * `commissioner import`, spawned for real (twice: each spawn costs about two seconds) on a database
 * made ready beforehand with two provider organisations: the embedded one in a new DATA_DIR, or a new
 * PostgreSQL database with TEST_DATABASE_URL.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "commissioner-cli-import-"));
const adminUrl = process.env.TEST_DATABASE_URL;
const databaseName = `commissioner_t_cli_import_${process.pid}_${randomBytes(3).toString("hex")}`;
const sessionSecret = randomBytes(32).toString("hex");

function environment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "silent" };
  delete env.DATABASE_URL;
  delete env.SESSION_SECRET;
  delete env.PSEUDONYMISATION_SECRET;
  delete env.SEALING_SECRET;
  if (adminUrl) {
    env.DATABASE_URL = withDatabase(adminUrl, databaseName);
    env.SESSION_SECRET = sessionSecret;
    env.PSEUDONYMISATION_SECRET = sessionSecret;
    env.SEALING_SECRET = sessionSecret;
  }
  return env;
}

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Opens the same database the command uses (the command is not running), for a moment. */
async function withDatabaseOfCommand<T>(run: (services: ReturnType<typeof createServices>) => Promise<T>) {
  const config = loadConfig(environment());
  const database = await openAndPrepare(config);
  try {
    return await run(createServices(database, config));
  } finally {
    await database.close();
  }
}

beforeAll(async () => {
  if (adminUrl) await admin(`CREATE DATABASE ${databaseName}`);
  await withDatabaseOfCommand(async (services) => {
    // The sample files (test/fixtures/datasets) are the demo providers' (README, "Quick start").
    for (const org of DEMO_ORGANISATIONS.filter((o) => o.kind === "provider"))
      await services.organisations.create(SYSTEM_ACTOR, org);
  });
}, 60_000);
afterAll(async () => {
  if (adminUrl) await admin(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function commissioner(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/commissioner.js", ...args], {
      cwd: root,
      env: environment(),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

async function storedCounts() {
  return withDatabaseOfCommand(async (services) => {
    const [row] = await services.database.rows<{ datasets: number; episodes: number }>(
      sql`SELECT (SELECT count(*)::int FROM datasets) AS datasets, (SELECT count(*)::int FROM treatment_episodes) AS episodes`,
    );
    return row;
  });
}

describe("commissioner import", () => {
  it("imports a good file, printing progress on stderr and the dataset on stdout", async () => {
    const result = await commissioner(
      "import",
      "treatment-journeys",
      path.join(root, "test/fixtures/datasets/treatment-journeys.csv"),
    );
    expect(result.stderr).toMatch(/^Read 0\.0 MB of 0\.0 MB {2}5 rows {2}[\d,]+ rows\/s \(100%\)$/m);
    expect(result.stderr).toContain("Checking ids against the file and the stored data…");
    expect(result.stderr).toContain("Loading into the database…");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Imported 5 rows of treatment-journeys from treatment-journeys\.csv as dataset [0-9a-f-]{36}\.\n$/,
    );
    expect(await storedCounts()).toEqual({ datasets: 1, episodes: 5 });
  }, 60_000);

  it("refuses a bad file with exit code 1 and a line-by-line report, storing nothing", async () => {
    const file = path.join(dataDir, "bad.csv");
    fs.writeFileSync(
      file,
      "episode_id,client_ref,provider_code,date_of_birth,triage_date,discharge_date,discharge_reason,substances,referral_source,injecting_status,hepb_status,hepc_tested_on\n" +
        "X-1,C-1,P001,1980-01-01,2025-01-10,,,opiate,self,,,\n" +
        "X-2,C-2,P001,1980-01-01,2025-02-30,,,opiate,self,,,\n" +
        "TJ-1,C-3,P001,1980-01-01,2025-01-10,,dropped-out,opiate,police,,,\n",
    );
    const result = await commissioner("import", "treatment-journeys", file);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    const report = result.stderr.split("\n").filter((l) => l.startsWith("line "));
    expect(report).toEqual([
      'line 3, column triage_date: triage_date "2025-02-30" is not a real date',
      'line 4, column referral_source: referral_source "police" is not one of: self, gp, hospital, social-care, criminal-justice, other',
      "line 4, column discharge_reason: discharge_reason is given but discharge_date is empty: leave discharge_reason empty while the episode goes on",
      'line 4, column episode_id: episode_id "TJ-1" was imported before (file "treatment-journeys.csv", ' +
        `${new Date().toISOString().slice(0, 10)}): to replace those rows, import this file as a replacement`,
    ]);
    expect(result.stderr).toMatch(
      /bad\.csv was refused\. The file was refused and nothing was stored: 4 problems\.\n$/,
    );
    expect(await storedCounts()).toEqual({ datasets: 1, episodes: 5 });
  }, 60_000);
});

describe("its arguments", () => {
  it("are checked before the database is opened", () => {
    const usage = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof CliError ? [error.exitCode, error.message] : error;
      }
      return null;
    };
    expect(usage(() => parseImportArguments("episodes", "x.csv", {}))).toEqual([
      EXIT.usage,
      'Unknown kind "episodes". Valid kinds: treatment-journeys, sp-outcomes, hia-activity',
    ]);
    expect(usage(() => parseImportArguments("sp-outcomes", path.join(dataDir, "missing.csv"), {}))).toEqual([
      EXIT.usage,
      `Cannot read ${path.join(dataDir, "missing.csv")}: there is no such file`,
    ]);
    const good = path.join(root, "test/fixtures/datasets/sp-outcomes.csv");
    expect(parseImportArguments("sp-outcomes", good, { replace: true })).toEqual({
      kind: "sp-outcomes",
      file: good,
      bytes: fs.statSync(good).size,
      replace: true,
    });
  });

  it("are listed in the help", () => {
    const command = buildProgram().commands.find((c) => c.name() === "import");
    const help = command?.helpInformation() ?? "";
    expect(help).toContain("import [options] <kind> <file>");
    expect(help).toContain("--replace");
    expect(command?.description()).toMatch(/^[a-z].+[^.]$/);
  });
});

describe("the progress display", () => {
  function sink(isTTY: boolean) {
    const written: string[] = [];
    return { written, stream: { isTTY, write: (text: string) => written.push(text) } };
  }

  it("is a bar redrawn in place on a terminal, with rows per second and bytes read of the total", () => {
    let clock = 0;
    const { written, stream } = sink(true);
    const progress = createProgressReporter(stream, 10_000_000, () => clock);
    clock = 2_000;
    progress.update({ phase: "reading", bytes: 2_500_000, rows: 40_000 });
    clock = 2_050; // too soon to redraw
    progress.update({ phase: "reading", bytes: 2_600_000, rows: 41_000 });
    clock = 4_000;
    progress.update({ phase: "reading", bytes: 10_000_000, rows: 160_000 });
    progress.update({ phase: "checking", rows: 160_000 });
    progress.update({ phase: "loading", rows: 160_000 });
    progress.finish();
    expect(written).toEqual([
      "\r[######------------------]  25%  2.5 MB of 10.0 MB  40,000 rows  20,000 rows/s\u001b[K",
      "\r[########################] 100%  10.0 MB of 10.0 MB  160,000 rows  40,000 rows/s\u001b[K",
      "\nChecking ids against the file and the stored data…\n",
      "Loading into the database…\n",
    ]);
  });

  it("is a plain line every few seconds when not on a terminal", () => {
    let clock = 0;
    const { written, stream } = sink(false);
    const progress = createProgressReporter(stream, 4_000_000, () => clock);
    clock = 1_000;
    progress.update({ phase: "reading", bytes: 100_000, rows: 1_000 }); // the first line comes at once
    clock = 3_000;
    progress.update({ phase: "reading", bytes: 1_000_000, rows: 10_000 }); // within 5 s: not shown
    clock = 6_500;
    progress.update({ phase: "reading", bytes: 3_000_000, rows: 30_000 });
    clock = 7_000;
    progress.update({ phase: "reading", bytes: 4_000_000, rows: 40_000 }); // the end is always shown
    progress.update({ phase: "checking", rows: 40_000 });
    progress.finish();
    expect(written).toEqual([
      "Read 0.1 MB of 4.0 MB  1,000 rows  1,000 rows/s (3%)\n",
      "Read 3.0 MB of 4.0 MB  30,000 rows  4,615 rows/s (75%)\n",
      "Read 4.0 MB of 4.0 MB  40,000 rows  5,714 rows/s (100%)\n",
      "Checking ids against the file and the stored data…\n",
    ]);
  });
});
