/**
 * The app under test for bench/http.ts, in a process of its own so that the load generator does not
 * share its event loop. Started with one argument, `pglite` or `postgres`; talks to its parent over IPC
 * (the messages are in bench/lib.ts). It builds the real app as `startServer` does (open, migrate,
 * reference data, demo data, listen) on a database of its own, and adds two reference routes.
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { eq } from "drizzle-orm";
import pg from "pg";
import { configFromEnvironment } from "../src/config.js";
import { users } from "../src/db/schema/index.js";
import { can, SYSTEM_ACTOR, type Action, type Actor } from "../src/domain/policy.js";
import { hmacHex } from "../src/modules/accounts/tokens.js";
import { ensureDemoData } from "../src/modules/demo/demo.js";
import { NO_WORK, presentHome } from "../src/modules/home/presenter.js";
import { openAndPrepare } from "../src/startup.js";
import { buildApp } from "../src/web/app.js";
import { navigationFor } from "../src/web/navigation.js";
import type { FromServer, ServerMeasure, ToServer } from "./lib.js";
import { removeDir, rssMiB, scratchPostgresDatabase, tempDir } from "./lib.js";

const BENCH_EMAIL = "commissioner@commissioner.example";

function send(message: FromServer): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      resolve();
      return;
    }
    process.send(message, undefined, undefined, () => {
      resolve();
    });
  });
}

type QueryFn = (...args: unknown[]) => unknown;

/** Counts and times the statements Drizzle sends through its client (PGlite, or pg's pool). */
function instrument(db: unknown) {
  const stats = { on: false, statements: 0, dbMs: 0, sql: new Map<string, number>() };
  const client = (db as { $client?: { query?: QueryFn } }).$client;
  const original = client?.query;
  if (!client || typeof original !== "function") return stats;
  client.query = function (this: unknown, ...args: unknown[]) {
    if (!stats.on) return original.apply(this, args);
    const started = performance.now();
    const result = original.apply(this, args);
    // PGlite takes the SQL text; pg takes a query config with `text`.
    const first = args[0] as string | { text?: unknown } | null | undefined;
    const text = typeof first === "string" ? first : typeof first?.text === "string" ? first.text : "?";
    stats.statements++;
    stats.sql.set(text, (stats.sql.get(text) ?? 0) + 1);
    if (result instanceof Promise) {
      return result.finally(() => {
        stats.dbMs += performance.now() - started;
      });
    }
    return result;
  };
  return stats;
}

/** What to undo if set-up fails part way (the normal close does the same). */
const undo: (() => Promise<void>)[] = [];

async function main() {
  const kind = process.argv[2] === "postgres" ? "postgres" : "pglite";
  const dataDir = tempDir("commissioner-bench-");
  undo.push(async () => {
    removeDir(dataDir);
  });
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;

  if (kind === "postgres") {
    const adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) throw new Error("DATABASE_URL is not set");
    // A database of its own on that server, dropped afterwards: the bench writes demo users and sessions.
    const scratch = await scratchPostgresDatabase(adminUrl, "commissioner_bench");
    databaseUrl = scratch.url;
    dropDatabase = scratch.drop;
    undo.push(dropDatabase);
  }

  const config = configFromEnvironment({
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    PORT: "0",
    SESSION_SECRET: randomBytes(32).toString("hex"),
    PSEUDONYMISATION_SECRET: randomBytes(32).toString("hex"),
    SEALING_SECRET: randomBytes(32).toString("hex"),
    // Request logging off (warnings and errors still show): both sides of each ratio would pay it alike.
    LOG_LEVEL: "warn",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });

  const database = await openAndPrepare(config);
  undo.unshift(() => database.close());
  const app = await buildApp(config, { database });
  app.server.keepAliveTimeout = 5_000;

  // (d) The HTTP reference: a bare route through the app's global hooks.
  app.get("/bench/hello", { schema: { hide: true } }, () => "hello");

  // (b) The home page's layout and context for a made-up commissioner, with no session and no database.
  const fakeActor: Actor = {
    id: "00000000-0000-0000-0000-000000000000",
    label: "Chris Commissioner <commissioner@commissioner.example>",
    roles: ["commissioner"],
    organisationId: null,
  };
  const fakeUser = {
    id: fakeActor.id,
    email: "commissioner@commissioner.example",
    name: "Chris Commissioner",
    roles: fakeActor.roles,
    organisationId: null,
    totpEnabled: false,
  };
  app.get("/bench/layout", { schema: { hide: true } }, async (_request, reply) =>
    reply.view("home/views/home.njk", {
      pageTitle: "Home",
      ...presentHome(fakeActor, NO_WORK),
      currentUser: fakeUser,
      navigation: navigationFor(fakeActor, "/"),
      // The same HMAC the real page computes for its sign-out form, without issuing a cookie.
      csrfToken: () => hmacHex(config.sessionSecret, "csrf:bench"),
      can: (action: Action) => can(fakeActor, action),
      currentPath: "/",
    }),
  );

  const signIns = await ensureDemoData(app.services, config);
  const signIn = signIns?.find((s) => s.email === BENCH_EMAIL);
  if (!signIn) throw new Error(`demo data has no ${BENCH_EMAIL}`);
  const [user] = await database.db.select({ id: users.id }).from(users).where(eq(users.email, BENCH_EMAIL));
  if (!user) throw new Error(`no user ${BENCH_EMAIL}`);
  const { token } = await app.services.accounts.createApiToken(SYSTEM_ACTOR, user.id, "bench");

  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;

  const stats = instrument(database.db);
  let elu = performance.eventLoopUtilization();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let cpu = process.cpuUsage();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close().catch(() => undefined);
      // pg's pool.end() resolves before its sockets have closed: a connection still closing when the
      // database is dropped gets "terminating connection", which is expected here, not a failure.
      const pool = (database.db as unknown as { $client?: unknown }).$client;
      if (pool instanceof pg.Pool) pool.on("error", () => undefined);
      await database.close().catch(() => undefined);
      await dropDatabase?.().catch((error: unknown) => {
        console.error(`could not drop the bench database: ${String(error)}`);
      });
      removeDir(dataDir);
    })());

  process.on("message", (message: ToServer) => {
    if (message.type === "measure-start") {
      stats.on = true;
      stats.statements = 0;
      stats.dbMs = 0;
      stats.sql.clear();
      elu = performance.eventLoopUtilization();
      cpu = process.cpuUsage();
      loopDelay.reset();
    } else if (message.type === "measure-stop") {
      stats.on = false;
      const used = process.cpuUsage(cpu);
      const measure: ServerMeasure = {
        statements: stats.statements,
        dbMs: stats.dbMs,
        sql: [...stats.sql].map(([text, count]) => ({ text, count })).sort((a, b) => b.count - a.count),
        elu: performance.eventLoopUtilization(elu).utilization,
        stallMs: loopDelay.max / 1e6,
        cpuMs: (used.user + used.system) / 1000,
        rssMiB: rssMiB(process.pid) ?? process.memoryUsage().rss / 1_048_576,
      };
      void send({ type: "measured", measure });
    } else {
      void close().then(() => process.exit(0));
    }
  });
  // The parent went away: tidy up rather than linger.
  process.on("disconnect", () => {
    void close().then(() => process.exit(0));
  });

  await send({
    type: "ready",
    port,
    database: database.kind,
    email: signIn.email,
    password: signIn.password,
    apiToken: token,
  });
}

main().catch(async (error: unknown) => {
  await send({
    type: "failed",
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  for (const step of undo) await step().catch(() => undefined);
  process.exit(1);
});
