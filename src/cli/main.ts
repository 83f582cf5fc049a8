import { buildProgram } from "./program.js";
import { describeFailure } from "./errors.js";

/**
 * `commissioner`: every failure ends here and becomes one clear message on stderr and an exit code
 * (1 refused or failed, 2 bad usage or configuration) rather than a stack trace.
 */
try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  const failure = describeFailure(error);
  if (failure.message) console.error(failure.message);
  if (!failure.expected && ["debug", "trace"].includes(process.env.LOG_LEVEL ?? "") && error instanceof Error)
    console.error(error.stack);
  process.exitCode = failure.exitCode;
}
