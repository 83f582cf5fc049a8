import fs from "node:fs";
import type { FastifyInstance } from "fastify";
import type { Config } from "./config.js";
import type { Database } from "./db/client.js";
import { buildApp } from "./web/app.js";
import { demoSignInsFile, formatSignIns, startDemoData, type DemoSignIn } from "./modules/demo/demo.js";
import { openAndPrepare } from "./startup.js";

/** Starts the web app: open, migrate, demo data on first run, listen, and close cleanly on a signal. */
export async function startServer(
  config: Config,
  port = config.port,
): Promise<{ app: FastifyInstance; database: Database }> {
  const database = await openAndPrepare(config);
  const app = await buildApp(config, { database });
  let demoLoading: Promise<void> = Promise.resolve();
  app.addHook("onClose", async () => {
    // A stop during the first start lets the demo's last use case finish before the database closes.
    await demoLoading;
    await database.close();
  });
  const demoRest = config.demoData ? await demoPeople(app, config) : null;
  // Slow clients must not hold the server: bounded timeouts (fastify/demo's server.ts).
  app.server.requestTimeout = 30_000;
  app.server.headersTimeout = 20_000;
  app.server.keepAliveTimeout = 5_000;
  await app.listen({ port, host: config.host });
  const shown = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  console.log(
    `\nCommissioner is running at http://${shown}:${port} (${database.kind === "pglite" ? `embedded database in ${config.dataDir}` : "PostgreSQL"})`,
  );
  if (isLoopback(config.host))
    console.log("Only this computer can reach it: set HOST=0.0.0.0 to serve your network (README).");
  console.log("");
  if (demoRest) demoLoading = loadDemoWork(demoRest);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "closing: finishing requests in flight");
    // Fastify stops accepting, lets requests in flight finish, then runs onClose (worker, database).
    const force = setTimeout(() => process.exit(1), 25_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", () => {
    shutdown("SIGTERM");
  });
  process.once("SIGINT", () => {
    shutdown("SIGINT");
  });
  return { app, database };
}

/**
 * The demo's people before the server listens, so their sign-ins work as soon as they are printed;
 * returns what loads their work (projects, client data), or null when the demo was loaded before.
 */
async function demoPeople(app: FastifyInstance, config: Config): Promise<(() => Promise<void>) | null> {
  const started = await startDemoData(app.services, config);
  if (started) {
    printSignIns(started.signIns);
    return started.rest;
  }
  if (fs.existsSync(demoSignInsFile(config)))
    console.log(
      `\nThe demo sign-ins were printed at the first start; they are kept in ${demoSignInsFile(config)}`,
    );
  return null;
}

/**
 * The demo's projects and client-level data, loaded while the server already answers (README, "Quick
 * start": they appear within seconds of the first start); says when they are in, or why not.
 */
async function loadDemoWork(rest: () => Promise<void>): Promise<void> {
  console.log("Loading the demo's projects and providers' client-level data…");
  try {
    await rest();
    console.log("The demo's projects and client-level data are loaded.");
  } catch (error) {
    console.error(
      `The demo's projects and client-level data could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

function printSignIns(signIns: DemoSignIn[]) {
  console.log("\nDemo sign-ins (demo data only — change or remove these before real use):");
  for (const line of formatSignIns(signIns)) console.log(line);
}
