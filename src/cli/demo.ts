import type { Command } from "commander";
import { sql } from "drizzle-orm";
import { users } from "../db/schema/index.js";
import { ensureDemoData, formatSignIns, type DemoSignIn } from "../modules/demo/demo.js";
import { consoleOutput, withServices, type CliContext, type Output } from "./context.js";
import { refused } from "./errors.js";

/** Loads the demo data set into a database with no users yet; refuses (changing nothing) otherwise. */
export async function runDemo(context: CliContext, output: Output = consoleOutput): Promise<DemoSignIn[]> {
  const [count] = await context.database.db.select({ n: sql<number>`count(*)::int` }).from(users);
  const existing = count?.n ?? 0;
  if (existing > 0)
    throw refused(
      `The database already has ${existing} user${existing === 1 ? "" : "s"}: demo data goes only into an empty database. Nothing was changed.`,
    );
  const signIns = (await ensureDemoData(context.services, context.config)) ?? [];
  output.out("Demo data loaded. Sign-ins (demo data only — change or remove these before real use):");
  for (const line of formatSignIns(signIns)) output.out(line);
  return signIns;
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "load the demo data set (organisations, people, board members, projects, providers' client data) into an empty database",
    )
    .action(async () => {
      await withServices((context) => runDemo(context));
    });
}
