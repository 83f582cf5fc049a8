import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { configFromEnvironment, type Config, type KeptSecret } from "./config.js";
import { openDatabase, type Database } from "./db/client.js";
import { loadReferenceData } from "./modules/programmes/service.js";

/**
 * Secrets for the embedded database (SESSION_SECRET, PSEUDONYMISATION_SECRET, SEALING_SECRET): made
 * once and kept beside the data, so restarts keep sessions, pseudonyms and the tenders' seals.
 */
export function readOrCreateSecret(dataDir: string, name: KeptSecret): string {
  const file = path.join(dataDir, name);
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(file))
    fs.writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
  return fs.readFileSync(file, "utf8").trim();
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return configFromEnvironment(env, readOrCreateSecret);
}

/** Opens the database (taking the data-directory lock on PGlite), migrates it and loads reference data. */
export async function openAndPrepare(config: Config): Promise<Database> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await database.migrate();
    await loadReferenceData(database.db);
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}
