import { Command } from "commander";
import { ConfigError } from "../config.js";
import { DataDirectoryLockedError } from "../db/client.js";
import { loadConfig } from "../startup.js";
import { startServer } from "../server.js";

const program = new Command("commissioner")
  .description(
    "Commissioner: the commissioning cycle for commissioned services.\nConfiguration comes from environment variables (see the README).",
  )
  .showHelpAfterError();

program
  .command("serve")
  .description("run the web app (what `npm start` runs)")
  .option("--port <port>", "port to listen on (default: PORT or 3000)")
  .action(async (options: { port?: string }) => {
    const config = loadConfig();
    await startServer(config, options.port ? Number(options.port) : config.port);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError || error instanceof DataDirectoryLockedError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
