/**
 * Writes the generated parts of docs/ (`npm run docs`): api.md from the OpenAPI document the routes
 * generate, indicators.md from the indicator catalogue, rules.md from the rules held as data. The app
 * is built on a throwaway in-memory database: only its routes are read.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { configFromEnvironment } from "../src/config.js";
import { openDatabase } from "../src/db/client.js";
import { buildApp } from "../src/web/app.js";
import { openApiMarkdown, type OpenApiDocument } from "./markdown/api.js";
import { indicatorsMarkdown } from "./markdown/indicators.js";
import { rulesMarkdown } from "./markdown/rules.js";

const docs = path.resolve(import.meta.dirname, "../docs");

async function openApiDocument(): Promise<OpenApiDocument> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "commissioner-docs-"));
  const config = configFromEnvironment({
    DATA_DIR: dataDir,
    SESSION_SECRET: randomBytes(32).toString("hex"),
    PSEUDONYMISATION_SECRET: randomBytes(32).toString("hex"),
    LOG_LEVEL: "silent",
    JOBS_ENABLED: "false",
    DEMO_DATA: "false",
  });
  const database = await openDatabase({ dataDir, pglite: await PGlite.create() });
  try {
    await database.migrate();
    const app = await buildApp(config, { database, logger: false });
    await app.ready();
    const document = app.swagger() as unknown as OpenApiDocument;
    await app.close();
    return document;
  } finally {
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const written = {
  "api.md": openApiMarkdown(await openApiDocument()),
  "indicators.md": indicatorsMarkdown(),
  "rules.md": rulesMarkdown(),
};
for (const [name, text] of Object.entries(written)) {
  fs.writeFileSync(path.join(docs, name), text);
  console.log(`wrote docs/${name}`);
}
