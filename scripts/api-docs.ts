/**
 * Writes docs/api.md from the OpenAPI document the routes generate (`npm run docs:api`). The app is
 * built on a throwaway in-memory database: only its routes are read.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { configFromEnvironment } from "../src/config.js";
import { openDatabase } from "../src/db/client.js";
import { buildApp } from "../src/web/app.js";
import { openApiMarkdown, type OpenApiDocument } from "../src/web/openapi-markdown.js";

const target = path.resolve(import.meta.dirname, "../docs/api.md");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "commissioner-api-docs-"));
const config = configFromEnvironment({
  DATA_DIR: dataDir,
  SESSION_SECRET: randomBytes(32).toString("hex"),
  PSEUDONYMISATION_SECRET: randomBytes(32).toString("hex"),
  LOG_LEVEL: "silent",
  JOBS_ENABLED: "false",
  DEMO_DATA: "false",
});
const database = await openDatabase({ dataDir, pglite: await PGlite.create() });
await database.migrate();
const app = await buildApp(config, { database, logger: false });
await app.ready();
fs.writeFileSync(target, openApiMarkdown(app.swagger() as unknown as OpenApiDocument));
await app.close();
await database.close();
fs.rmSync(dataDir, { recursive: true, force: true });
console.log(`wrote ${path.relative(process.cwd(), target)}`);
