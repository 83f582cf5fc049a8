import fs from "node:fs";
import type { FastifyInstance } from "fastify";
import type { Config } from "./config.js";
import type { Database } from "./db/client.js";
import { buildApp } from "./web/app.js";
import { demoSignInsFile, ensureDemoData, formatSignIns, type DemoSignIn } from "./modules/demo/demo.js";
import { openAndPrepare } from "./startup.js";

/** Starts the web app: open, migrate, demo data on first run, listen, and close cleanly on a signal. */
export async function startServer(
  config: Config,
  port = config.port,
): Promise<{ app: FastifyInstance; database: Database }> {
  const database = await openAndPrepare(config);
  const app = await buildApp(config, { database });
  app.addHook("onClose", async () => database.close());
  if (config.demoData) {
    const signIns = await ensureDemoData(app.services, config);
    if (signIns) printSignIns(signIns);
    else if (fs.existsSync(demoSignInsFile(config)))
      console.log(
        `\nThe demo sign-ins were printed at the first start; they are kept in ${demoSignInsFile(config)}`,
      );
  }
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

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

function printSignIns(signIns: DemoSignIn[]) {
  console.log("\nDemo sign-ins (demo data only — change or remove these before real use):");
  for (const line of formatSignIns(signIns)) console.log(line);
}
