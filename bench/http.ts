/**
 * npm run bench:http — requests per second and latency of the signed-in home page and the JSON API,
 * each beside its reference (the same GOV.UK layout with no session or database; a bare route), on a
 * real listening server: the embedded database (PGlite), and PostgreSQL too when DATABASE_URL is set.
 * It reports; it does not gate (exit 0 unless a server or a route check failed).
 *
 *   npx tsx bench/http.ts [--duration 10] [--connections 50] [--warmup 2]
 *                         [--routes hello,layout,home,api] [--cpu-prof <dir>]
 *
 * --cpu-prof writes a V8 CPU profile of the server (not of autocannon) to <dir> when it stops.
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import type { FromServer, ServerMeasure, ToServer } from "./lib.js";
import { killChildrenOnExit, median, ms, passFail, signIn, sleep, table } from "./lib.js";

const here = path.dirname(fileURLToPath(import.meta.url));

const TARGETS = {
  homeOverLayout: 0.5,
  homeP99Ms: 100,
  apiOverHello: 0.25,
};
/** Requests sent one at a time to count what each request costs the server. */
const PROFILE_REQUESTS = 200;

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    warmup: { type: "string", default: "2" },
    routes: { type: "string", default: "hello,layout,home,api" },
    "cpu-prof": { type: "string" },
    database: { type: "string", default: "both" },
  },
});
const only = new Set(flags.routes.split(","));
const duration = Number(flags.duration);
const connections = Number(flags.connections);
const warmup = Number(flags.warmup);
if (!(duration > 0) || !(connections > 0) || !(warmup >= 0)) {
  console.error(
    "usage: tsx bench/http.ts [--duration s] [--connections n] [--warmup s] [--routes a,b] [--cpu-prof dir]",
  );
  process.exit(2);
}

const children = new Set<ChildProcess>();
killChildrenOnExit(children);

interface Route {
  name: "hello" | "layout" | "home" | "api";
  label: string;
  path: string;
  headers: Record<string, string>;
  /** What the body must hold for the route to count as really answering. */
  check: (body: string) => string | null;
}

interface RouteResult {
  route: Route;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  server: ServerMeasure;
  /** Per request, measured one at a time. */
  profile: { latencyMs: number; statements: number; dbMs: number; cpuMs: number; sql: ServerMeasure["sql"] };
}

/** The app under test in a process of its own, so autocannon does not share its event loop. */
class BenchServer {
  private waiting: ((message: FromServer) => void) | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly ready: Extract<FromServer, { type: "ready" }>,
  ) {
    const deliver = (message: FromServer) => {
      const waiter = this.waiting;
      this.waiting = undefined;
      waiter?.(message);
    };
    child.on("message", deliver);
    child.on("exit", (code) => {
      deliver({ type: "failed", message: `the bench server exited (${String(code)})` });
    });
  }

  static async start(kind: "pglite" | "postgres"): Promise<BenchServer> {
    const child = fork(path.join(here, "lib-server.ts"), [kind], {
      execArgv: [
        "--import",
        import.meta.resolve("tsx"),
        ...(flags["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(flags["cpu-prof"])}`] : []),
      ],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.add(child);
    child.once("exit", () => children.delete(child));
    const first = await new Promise<FromServer>((resolve, reject) => {
      child.once("message", resolve);
      child.once("exit", (code) => {
        reject(new Error(`the bench server exited (${String(code)}) before it was ready`));
      });
    });
    if (first.type === "failed") throw new Error(`the bench server failed to start:\n${first.message}`);
    if (first.type !== "ready") throw new Error(`unexpected message from the bench server: ${first.type}`);
    return new BenchServer(child, first);
  }

  get base() {
    return `http://127.0.0.1:${this.ready.port}`;
  }

  private post(message: ToServer) {
    this.child.send(message);
  }

  measureStart() {
    this.post({ type: "measure-start" });
  }

  measureStop(): Promise<ServerMeasure> {
    return new Promise((resolve, reject) => {
      this.waiting = (message) => {
        if (message.type === "measured") resolve(message.measure);
        else if (message.type === "failed") reject(new Error(message.message));
        else reject(new Error(`unexpected message from the bench server: ${message.type}`));
      };
      this.post({ type: "measure-stop" });
    });
  }

  async close() {
    if (this.child.exitCode !== null) return;
    const gone = new Promise((resolve) => this.child.once("exit", resolve));
    this.post({ type: "close" });
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
    await gone;
    clearTimeout(timer);
  }
}

function routesFor(server: BenchServer, cookie: string): Route[] {
  const welcome = (body: string) => (body.includes("Welcome,") ? null : 'the page has no "Welcome,"');
  const all: Route[] = [
    { name: "hello", label: "hello (bare route)", path: "/bench/hello", headers: {}, check: () => null },
    {
      name: "layout",
      label: "layout (no session, no DB)",
      path: "/bench/layout",
      headers: {},
      check: welcome,
    },
    { name: "home", label: "home, signed in", path: "/", headers: { cookie }, check: welcome },
    {
      name: "api",
      label: "API programmes (bearer)",
      path: "/api/v1/programmes",
      headers: { authorization: `Bearer ${server.ready.apiToken}` },
      check: (body) => {
        const parsed = JSON.parse(body) as { items?: unknown[] };
        return Array.isArray(parsed.items) && parsed.items.length > 0 ? null : "no programmes in the answer";
      },
    },
  ];
  return all.filter((r) => only.has(r.name));
}

/** One request per route before measuring: each must answer 200 with what it should. */
async function checkRoutes(server: BenchServer, routes: Route[]) {
  for (const route of routes) {
    const response = await fetch(server.base + route.path, { headers: route.headers, redirect: "manual" });
    const body = await response.text();
    if (response.status !== 200) {
      throw new Error(
        `${route.path} answered ${response.status}${response.headers.get("location") ? ` to ${String(response.headers.get("location"))}` : ""}, not 200`,
      );
    }
    const problem = route.check(body);
    if (problem) throw new Error(`${route.path}: ${problem}`);
  }
}

async function cannon(server: BenchServer, route: Route, options: Partial<autocannon.Options>) {
  return autocannon({ url: server.base + route.path, headers: route.headers, ...options });
}

/** Requests sent one after another: the time each takes with nothing queued, and what it costs the server. */
async function profileRoute(server: BenchServer, route: Route) {
  const times: number[] = [];
  let failed = 0;
  server.measureStart();
  for (let i = 0; i < PROFILE_REQUESTS; i++) {
    const started = performance.now();
    const response = await fetch(server.base + route.path, { headers: route.headers, redirect: "manual" });
    await response.arrayBuffer();
    times.push(performance.now() - started);
    if (response.status < 200 || response.status > 299) failed++;
  }
  const measure = await server.measureStop();
  return {
    latencyMs: median(times),
    failed,
    statements: measure.statements / PROFILE_REQUESTS,
    dbMs: measure.dbMs / PROFILE_REQUESTS,
    cpuMs: measure.cpuMs / PROFILE_REQUESTS,
    sql: measure.sql,
  };
}

async function measureRoute(server: BenchServer, route: Route): Promise<RouteResult> {
  if (warmup > 0) await cannon(server, route, { connections, duration: warmup });
  // Let requests still queued in the server finish, so they are not counted in the next phase.
  await sleep(500);
  server.measureStart();
  const result = await cannon(server, route, { connections, duration });
  const measure = await server.measureStop();
  await sleep(500);
  const profile = await profileRoute(server, route);
  return {
    route,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx + profile.failed,
    errors: result.errors + result.timeouts,
    server: measure,
    profile,
  };
}

function report(kind: string, results: RouteResult[]) {
  console.log(`\n${kind}: ${connections} connections, ${duration} s per route (after ${warmup} s warm-up)\n`);
  console.log(
    table([
      [
        "route",
        "req/s",
        "p50",
        "p99",
        "max",
        "non-2xx",
        "errors",
        "server busy",
        "longest stall",
        "server RSS",
      ],
      ...results.map((r) => [
        r.route.label,
        Math.round(r.rps),
        ms(r.p50),
        ms(r.p99),
        ms(r.max),
        r.non2xx,
        r.errors,
        `${Math.round(r.server.elu * 100)}%`,
        ms(r.server.stallMs),
        `${Math.round(r.server.rssMiB)} MiB`,
      ]),
    ]),
  );

  console.log(`\nPer request, ${PROFILE_REQUESTS} requests one at a time:\n`);
  console.log(
    table([
      ["route", "latency (median)", "server CPU", "SQL statements", "time in SQL"],
      ...results.map((r) => [
        r.route.label,
        ms(r.profile.latencyMs),
        ms(r.profile.cpuMs),
        r.profile.statements.toFixed(2),
        ms(r.profile.dbMs),
      ]),
    ]),
  );
  for (const r of results.filter((x) => x.profile.sql.length > 0)) {
    console.log(`\n  SQL run by ${r.route.label} (count over ${PROFILE_REQUESTS} requests):`);
    for (const s of r.profile.sql.slice(0, 8)) {
      const text = s.text.replace(/\s+/g, " ");
      console.log(
        `    ${String(s.count).padStart(5)}  ${text.length > 150 ? `${text.slice(0, 147)}...` : text}`,
      );
    }
  }

  const by = (name: Route["name"]) => results.find((r) => r.route.name === name);
  const home = by("home");
  const layout = by("layout");
  const api = by("api");
  const hello = by("hello");
  const rows: (string | number)[][] = [["target", "measured", "wanted", "result"]];
  if (home && layout) {
    const ratio = home.rps / layout.rps;
    rows.push([
      "home ÷ layout (req/s)",
      `${Math.round(ratio * 100)}%`,
      `≥ ${TARGETS.homeOverLayout * 100}%`,
      passFail(ratio >= TARGETS.homeOverLayout),
    ]);
    rows.push([
      "home p99",
      ms(home.p99),
      `< ${TARGETS.homeP99Ms} ms`,
      passFail(home.p99 < TARGETS.homeP99Ms),
    ]);
  }
  if (api && hello) {
    const ratio = api.rps / hello.rps;
    rows.push([
      "API ÷ hello (req/s)",
      `${Math.round(ratio * 100)}%`,
      `≥ ${TARGETS.apiOverHello * 100}%`,
      passFail(ratio >= TARGETS.apiOverHello),
    ]);
  }
  console.log(`\nTargets (${kind}):\n`);
  console.log(rows.length > 1 ? table(rows) : "  (none: each target needs its route and its reference)");
  const failures = results.filter((r) => r.non2xx > 0 || r.errors > 0);
  for (const r of failures)
    console.log(`  ! ${r.route.label}: ${r.non2xx} non-2xx responses, ${r.errors} errors or timeouts`);
}

async function benchDatabase(kind: "pglite" | "postgres"): Promise<boolean> {
  const title = kind === "pglite" ? "Embedded database (PGlite)" : "PostgreSQL (DATABASE_URL)";
  console.log(`\n== ${title}: starting the server…`);
  let server: BenchServer;
  try {
    server = await BenchServer.start(kind);
  } catch (error) {
    console.error(String(error instanceof Error ? error.message : error));
    return false;
  }
  try {
    const cookie = await signIn(server.base, server.ready.email, server.ready.password);
    const routes = routesFor(server, cookie);
    await checkRoutes(server, routes);
    const results: RouteResult[] = [];
    for (const route of routes) {
      process.stdout.write(`   measuring ${route.label}…\n`);
      results.push(await measureRoute(server, route));
    }
    report(title, results);
    return true;
  } catch (error) {
    console.error(`\n${title}: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  } finally {
    await server.close();
  }
}

const kinds: ("pglite" | "postgres")[] = [];
if (flags.database !== "postgres") kinds.push("pglite");
if (flags.database !== "embedded") {
  if (process.env.DATABASE_URL) kinds.push("postgres");
  else console.log("(DATABASE_URL is not set: measuring the embedded database only)");
}

let ok = true;
for (const kind of kinds) ok = (await benchDatabase(kind)) && ok;
console.log("\nThe figures depend on the machine and what else runs on it; the ratios are what to compare.");
process.exit(ok ? 0 : 1);
