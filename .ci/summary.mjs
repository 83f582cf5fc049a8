// Prints one closing line, "N passed, N failed, N skipped", from the JSON reports of the runs in .ci/run.
import fs from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  const report = JSON.parse(fs.readFileSync(file, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
console.log(`total: ${passed} passed, ${failed} failed, ${skipped} skipped`);
