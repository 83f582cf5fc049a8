/**
 * npm run bench:startup — how long `node bin/commissioner.js serve` takes, from spawning it to
 * /readyz answering 200, on the embedded database: a first start on an empty data directory (create
 * the database, migrate, reference and demo data), then a second start on the same directory. Each
 * pair runs several times, each first start on a fresh empty directory. Also reports the server's
 * resident memory once ready. It reports; it does not gate (exit 0 unless a start failed).
 *
 *   npx tsx bench/startup.ts [--runs 3]
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  exited,
  freePort,
  killChildrenOnExit,
  median,
  passFail,
  removeDir,
  rssMiB,
  seconds,
  sleep,
  table,
  tempDir,
} from "./lib.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TARGETS = { firstMs: 10_000, againMs: 3_000 };
const POLL_MS = 50;
const GIVE_UP_MS = 120_000;

const { values: flags } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const runs = Number(flags.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error("usage: tsx bench/startup.ts [--runs n]");
  process.exit(2);
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];
killChildrenOnExit(children);
process.once("exit", () => {
  for (const dir of dirs) removeDir(dir);
});

interface Start {
  readyMs: number;
  /** Spawn to the demo's projects and client data loaded (first start only). */
  demoMs: number | null;
  stopMs: number;
  rssMiB: number | null;
}

/** Starts the server, waits for /readyz, notes its memory, stops it with SIGTERM and waits for it to exit. */
async function startAndStop(dataDir: string): Promise<Start> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: "127.0.0.1",
  };
  delete env.DATABASE_URL;
  delete env.SESSION_SECRET;
  delete env.PSEUDONYMISATION_SECRET;
  delete env.SEALING_SECRET;
  const output: string[] = [];
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(root, "bin/commissioner.js"), "serve"], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const keep = (chunk: Buffer) => output.push(chunk.toString());
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const gone = exited(child);

  let ready = false;
  while (!ready) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the server exited (${String(await gone)}) before it was ready:\n${output.join("")}`);
    }
    if (performance.now() - started > GIVE_UP_MS) {
      throw new Error(`the server was not ready after ${seconds(GIVE_UP_MS)}:\n${output.join("")}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      ready = response.status === 200;
    } catch {
      // Not listening yet.
    }
    if (!ready) await sleep(POLL_MS);
  }
  const readyMs = performance.now() - started;
  const memory = child.pid ? rssMiB(child.pid) : null;
  const demoMs = await demoLoaded(output, started);

  const stopping = performance.now();
  child.kill("SIGTERM");
  const code = await gone;
  children.delete(child);
  if (code !== 0) throw new Error(`the server stopped with ${String(code)}:\n${output.join("")}`);
  return { readyMs, demoMs, stopMs: performance.now() - stopping, rssMiB: memory };
}

/**
 * On a first start the demo's projects and client-level data load just after the server answers
 * (src/server.ts): the time until the server says they are in, or null when it is not loading them.
 */
async function demoLoaded(output: string[], started: number): Promise<number | null> {
  const said = () => output.join("");
  if (!said().includes("Demo sign-ins")) return null; // printed only at the first start
  while (!/are loaded\.|could not be loaded/.test(said())) {
    if (performance.now() - started > GIVE_UP_MS) throw new Error(`the demo did not load:\n${said()}`);
    await sleep(POLL_MS);
  }
  if (said().includes("could not be loaded")) throw new Error(`the demo failed to load:\n${said()}`);
  return performance.now() - started;
}

const first: Start[] = [];
const again: Start[] = [];
let failed = false;
console.log(`Timing ${runs} first starts (empty data directory) and ${runs} second starts (same directory)…`);
for (let i = 1; i <= runs; i++) {
  const dataDir = tempDir("commissioner-startup-");
  dirs.push(dataDir);
  try {
    const a = await startAndStop(dataDir);
    first.push(a);
    const b = await startAndStop(dataDir);
    again.push(b);
    console.log(`  run ${i}: first ${seconds(a.readyMs)}, second ${seconds(b.readyMs)}`);
  } catch (error) {
    console.error(`  run ${i} failed: ${error instanceof Error ? error.message : String(error)}`);
    failed = true;
    break;
  } finally {
    removeDir(dataDir);
  }
}

const mib = (value: number | null) => (value === null ? "n/a" : `${Math.round(value)} MiB`);
const row = (label: string, starts: Start[], target: number) => {
  const med = median(starts.map((s) => s.readyMs));
  const rss = median(starts.flatMap((s) => (s.rssMiB === null ? [] : [s.rssMiB])));
  return [
    label,
    starts.length ? seconds(med) : "n/a",
    starts.map((s) => seconds(s.readyMs)).join(", "),
    `< ${seconds(target)}`,
    starts.length ? passFail(med < target) : "n/a",
    Number.isNaN(rss) ? "n/a" : mib(rss),
    starts.length ? seconds(median(starts.map((s) => s.stopMs))) : "n/a",
  ];
};

console.log("\nSpawn to /readyz 200 (embedded database; polled every 50 ms):\n");
console.log(
  table([
    ["start", "median", "each run", "target", "result", "RSS when ready", "SIGTERM to exit"],
    row("first (empty data dir)", first, TARGETS.firstMs),
    row("second (same data dir)", again, TARGETS.againMs),
  ]),
);
const demo = first.flatMap((s) => (s.demoMs === null ? [] : [s.demoMs]));
if (demo.length) {
  const med = median(demo);
  console.log(
    `\nFirst start, spawn to the demo world loaded (projects and a year of client data): median ${seconds(med)} ` +
      `(${demo.map(seconds).join(", ")}), target < ${seconds(TARGETS.firstMs)}: ${passFail(med < TARGETS.firstMs)}`,
  );
}
console.log("\nThe figures depend on the machine and what else runs on it.");
process.exit(failed ? 1 : 0);
