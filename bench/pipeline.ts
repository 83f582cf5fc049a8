/**
 * npm run bench:pipeline — the pipeline dashboard and one project page with 2,000 projects in the
 * database (46 checklist tasks each: 92,000 rows; 3 risks each; a decision on every fourth), beside the
 * hello-world route, on a real listening server in a process of its own (this file, forked with
 * `--serve`): PGlite, and PostgreSQL when DATABASE_URL is set (a database of its own, dropped after).
 *
 *   npx tsx bench/pipeline.ts [--projects 2000] [--duration 10] [--connections 20] [--database embedded|postgres|both]
 *                             [--cpu-prof <dir>]
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";
import { configFromEnvironment } from "../src/config.js";
import { ensureDemoData } from "../src/modules/demo/demo.js";
import { openAndPrepare } from "../src/startup.js";
import { buildApp } from "../src/web/app.js";
import { BENCH_EMAIL, seedPipeline } from "./pipeline-seed.js";
import {
  killChildrenOnExit,
  ms,
  passFail,
  removeDir,
  scratchPostgresDatabase,
  signIn,
  sleep,
  table,
  tempDir,
} from "./lib.js";

const P99_TARGET_MS = 150;

const { values: flags } = parseArgs({
  options: {
    projects: { type: "string", default: "2000" },
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "20" },
    database: { type: "string", default: "both" },
    serve: { type: "string" },
    "cpu-prof": { type: "string" },
  },
});
const projectCount = Number(flags.projects);
const duration = Number(flags.duration);
const connections = Number(flags.connections);

interface Ready {
  type: "ready";
  port: number;
  email: string;
  password: string;
  projectId: string;
  seedMs: number;
}
type Message = Ready | { type: "failed"; message: string };

// ---------------------------------------------------------------------------------------------------
// The server (forked with --serve pglite|postgres)
// ---------------------------------------------------------------------------------------------------

async function serve(kind: "pglite" | "postgres") {
  const dataDir = tempDir("commissioner-bench-pipeline-");
  let databaseUrl: string | undefined;
  let dropDatabase = (): Promise<void> => Promise.resolve();
  if (kind === "postgres") {
    const scratch = await scratchPostgresDatabase(process.env.DATABASE_URL ?? "", "commissioner_bench_pipe");
    databaseUrl = scratch.url;
    dropDatabase = scratch.drop;
  }
  const config = configFromEnvironment({
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    PORT: "0",
    SESSION_SECRET: randomBytes(32).toString("hex"),
    PSEUDONYMISATION_SECRET: randomBytes(32).toString("hex"),
    SEALING_SECRET: randomBytes(32).toString("hex"),
    LOG_LEVEL: "warn",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const database = await openAndPrepare(config);
  const app = await buildApp(config, { database });
  app.get("/bench/hello", { schema: { hide: true } }, () => "hello");
  const signIns = await ensureDemoData(app.services, config);
  const signIn = signIns?.find((s) => s.email === BENCH_EMAIL);
  if (!signIn) throw new Error(`demo data has no ${BENCH_EMAIL}`);
  const started = performance.now();
  const templateId = await seedPipeline(app.services, database.db, projectCount);
  const seedMs = performance.now() - started;

  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;
  const close = async () => {
    await app.close().catch(() => undefined);
    const pool = (database.db as unknown as { $client?: unknown }).$client;
    if (pool instanceof pg.Pool) pool.on("error", () => undefined);
    await database.close().catch(() => undefined);
    await dropDatabase().catch((error: unknown) => {
      console.error(`could not drop the bench database: ${String(error)}`);
    });
    removeDir(dataDir);
    process.exit(0);
  };
  process.on("message", () => void close());
  process.on("disconnect", () => void close());
  process.send?.({
    type: "ready",
    port,
    email: signIn.email,
    password: signIn.password,
    projectId: templateId,
    seedMs,
  } satisfies Ready);
}

// ---------------------------------------------------------------------------------------------------
// The load generator
// ---------------------------------------------------------------------------------------------------

const children = new Set<ChildProcess>();

/** What one request costs with nothing else in flight: the median of 50, each awaited in turn. */
async function oneAtATime(base: string, routes: { path: string; headers: Record<string, string> }[]) {
  const medians = new Map<string, number>();
  for (const r of routes) {
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      const response = await fetch(base + r.path, { headers: r.headers, redirect: "manual" });
      await response.arrayBuffer();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    medians.set(r.path, times[25] ?? Number.NaN);
  }
  return medians;
}

async function benchDatabase(kind: "pglite" | "postgres"): Promise<boolean> {
  const title = kind === "pglite" ? "Embedded database (PGlite)" : "PostgreSQL (DATABASE_URL)";
  console.log(
    `\n== ${title}: seeding ${projectCount.toLocaleString("en-GB")} projects and starting the server…`,
  );
  const child = fork(fileURLToPath(import.meta.url), ["--serve", kind, "--projects", String(projectCount)], {
    execArgv: [
      "--import",
      import.meta.resolve("tsx"),
      ...(flags["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", flags["cpu-prof"]] : []),
    ],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.add(child);
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      child.once("message", (m: Message) => {
        if (m.type === "ready") resolve(m);
        else reject(new Error(m.message));
      });
      child.once("exit", (code) => {
        reject(new Error(`the bench server exited (${String(code)}) before it was ready`));
      });
    });
    console.log(`   seeded in ${(ready.seedMs / 1000).toFixed(1)} s`);
    const base = `http://127.0.0.1:${ready.port}`;
    const cookie = await signIn(base, ready.email, ready.password);
    const routes: { label: string; path: string; headers: Record<string, string> }[] = [
      { label: "hello (bare route)", path: "/bench/hello", headers: {} },
      { label: "/pipeline", path: "/pipeline", headers: { cookie } },
      { label: "/projects/:id", path: `/projects/${ready.projectId}`, headers: { cookie } },
    ];
    for (const r of routes) {
      const response = await fetch(base + r.path, { headers: r.headers, redirect: "manual" });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${r.path} answered ${response.status}, not 200`);
    }
    const alone = await oneAtATime(base, routes);
    const rows: (string | number)[][] = [
      ["route", "alone (median)", "req/s", "answered", "p50", "p99", "non-2xx", "errors", "p99 < 150 ms"],
    ];
    for (const r of routes) {
      await autocannon({ url: base + r.path, headers: r.headers, connections, duration: 1 });
      // Let requests still queued in the server finish, so they are not counted in the next phase.
      await sleep(3000);
      const result = await autocannon({ url: base + r.path, headers: r.headers, connections, duration });
      rows.push([
        r.label,
        ms(alone.get(r.path) ?? Number.NaN),
        Math.round(result.requests.average),
        result.requests.total,
        ms(result.latency.p50),
        ms(result.latency.p99),
        result.non2xx,
        result.errors + result.timeouts,
        r.path === "/bench/hello"
          ? "(reference)"
          : passFail(
              result.requests.total > 0 &&
                result.non2xx + result.errors + result.timeouts === 0 &&
                result.latency.p99 < P99_TARGET_MS,
            ),
      ]);
    }
    console.log(`\n${title}: ${connections} connections, ${duration} s per route (after 1 s warm-up)\n`);
    console.log(table(rows));
    return true;
  } catch (error) {
    console.error(`\n${title}: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  } finally {
    // Let the last requests autocannon left in flight finish before the server closes its pool.
    await sleep(3000);
    if (child.connected) child.send({ type: "close" });
    await new Promise((resolve) => {
      if (child.exitCode !== null) resolve(null);
      else child.once("exit", resolve);
    });
  }
}

if (flags.serve) {
  serve(flags.serve === "postgres" ? "postgres" : "pglite").catch((error: unknown) => {
    process.send?.({
      type: "failed",
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exit(1);
  });
} else {
  if (!(projectCount >= 1) || !(duration > 0) || !(connections > 0)) {
    console.error(
      "usage: tsx bench/pipeline.ts [--projects n] [--duration s] [--connections n] [--database both|embedded|postgres]",
    );
    process.exit(2);
  }
  killChildrenOnExit(children);
  const kinds: ("pglite" | "postgres")[] = [];
  if (flags.database !== "postgres") kinds.push("pglite");
  if (flags.database !== "embedded") {
    if (process.env.DATABASE_URL) kinds.push("postgres");
    else console.log("(DATABASE_URL is not set: measuring the embedded database only)");
  }
  let ok = true;
  for (const kind of kinds) ok = (await benchDatabase(kind)) && ok;
  console.log(
    "\nThe figures depend on the machine and what else runs on it; the ratios are what to compare.",
  );
  process.exit(ok ? 0 : 1);
}
