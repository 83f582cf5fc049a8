import type { Command } from "commander";
import type { Config } from "../config.js";
import { openDatabase } from "../db/client.js";
import { appliedMigrationHashes } from "../modules/backup/queries.js";
import { loadReferenceData } from "../modules/programmes/service.js";
import { loadConfig } from "../startup.js";
import { consoleOutput, type Output } from "./context.js";

/**
 * Applies the migrations that are due and says how many. The same steps as openAndPrepare (which every
 * other command uses), with a count of the applied migrations taken before and after.
 */
export async function runMigrate(config: Config, output: Output = consoleOutput): Promise<number> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const before = (await appliedMigrationHashes(database.db)).length;
    await database.migrate();
    await loadReferenceData(database.db);
    const after = (await appliedMigrationHashes(database.db)).length;
    const where = database.kind === "pglite" ? `embedded database in ${config.dataDir}` : "PostgreSQL";
    const applied = after - before;
    output.out(
      applied > 0
        ? `Applied ${applied} migration${applied === 1 ? "" : "s"} to the ${where}; it is up to date (${after} in all).`
        : `The ${where} is up to date (${after} migrations applied before); nothing to do.`,
    );
    return applied;
  } finally {
    await database.close();
  }
}

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("apply database migrations (also done at start; safe with several instances)")
    .action(async () => {
      await runMigrate(loadConfig());
    });
}
