import { Command } from "commander";
import { registerAudit } from "./audit.js";
import { registerBackup } from "./backup.js";
import { registerDemo } from "./demo.js";
import { registerImport } from "./import.js";
import { registerIndicators } from "./indicators.js";
import { registerMigrate } from "./migrate.js";
import { registerServe } from "./serve.js";
import { registerUsers } from "./users.js";

/** The `commissioner` command and its subcommands (docs/api.md, "Command line"). */
export function buildProgram(): Command {
  const program = new Command("commissioner")
    .description(
      "Commissioner: the commissioning cycle for commissioned services.\nConfiguration comes from environment variables (see the README).",
    )
    // Usage errors throw instead of exiting, so main.ts gives them exit code 2; subcommands inherit this.
    .exitOverride()
    .showSuggestionAfterError();
  registerServe(program);
  registerMigrate(program);
  registerDemo(program);
  registerUsers(program);
  registerAudit(program);
  registerBackup(program);
  registerImport(program);
  registerIndicators(program);
  return program;
}
