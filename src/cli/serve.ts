import type { Command } from "commander";
import { loadConfig } from "../startup.js";
import { usageError } from "./errors.js";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the web app (what `npm start` runs)")
    .option("--port <port>", "port to listen on (default: PORT or 3000)")
    .action(async (options: { port?: string }) => {
      const config = loadConfig();
      const port = options.port === undefined ? config.port : Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw usageError(`--port must be a whole number from 0 to 65535, not "${String(options.port)}"`);
      // Loaded only when serving: the other commands do not need the web app.
      const { startServer } = await import("../server.js");
      await startServer(config, port);
    });
}
