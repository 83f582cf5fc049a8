import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import { createServices, type Services } from "../services.js";
import { loadConfig, openAndPrepare } from "../startup.js";

/** Where a command writes: stdout for results (scripts capture it), stderr for notes and errors. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** What a command that needs the database is given. */
export interface CliContext {
  config: Config;
  database: Database;
  services: Services;
}

/**
 * The one way a command opens the database: configuration from the environment, the data-directory lock
 * (embedded database), migrations and reference data, the services; and everything closed after, whether
 * the command succeeded or not. On the embedded database a running server holds the lock, and opening
 * fails with DataDirectoryLockedError, which main.ts prints.
 */
export async function withServices<T>(
  run: (context: CliContext) => Promise<T>,
  config: Config = loadConfig(),
): Promise<T> {
  const database = await openAndPrepare(config);
  try {
    return await run({ config, database, services: createServices(database, config) });
  } finally {
    await database.close();
  }
}
