import type { Command } from "commander";
import type { Database } from "../db/client.js";
import { verifyAuditChain } from "../modules/audit/service.js";
import { consoleOutput, withServices, type Output } from "./context.js";
import { refused } from "./errors.js";

/** Checks the whole audit hash chain; refuses (exit 1) naming the first record that does not hold. */
export async function runAuditVerify(
  context: { database: Database },
  output: Output = consoleOutput,
): Promise<number> {
  const verdict = await verifyAuditChain(context.database.db);
  if (!verdict.ok) {
    const { seq, id, reason } = verdict.brokenAt;
    const before = verdict.count - 1;
    throw refused(
      `Audit chain broken at record ${seq} (id ${id}): ${reason}.` +
        (before > 0 ? ` The ${plural(before, "record")} before it verified.` : ""),
    );
  }
  output.out(`Audit chain intact: ${plural(verdict.count, "record")}`);
  return verdict.count;
}

export function registerAudit(program: Command): void {
  program
    .command("audit:verify")
    .description("check the audit trail's hash chain; exit 1 naming the first broken record")
    .action(async () => {
      await withServices((context) => runAuditVerify(context));
    });
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
