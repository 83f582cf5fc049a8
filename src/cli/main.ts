import { buildProgram } from "./program.js";
import { errorForLog } from "../db/errors.js";
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
  // The error as the server logs it: a failed query's parameters and the driver's detail are left out.
  if (!failure.expected && ["debug", "trace"].includes(process.env.LOG_LEVEL ?? ""))
    console.error(JSON.stringify(errorForLog(error), null, 2));
  process.exitCode = failure.exitCode;
}
