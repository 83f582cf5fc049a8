import type { Command } from "commander";
import { createBackup, restoreBackup } from "../modules/backup/service.js";
import { SKIPPED_TABLES } from "../modules/backup/tables.js";
import { consoleOutput, withServices, type CliContext, type Output } from "./context.js";
import { refused } from "./errors.js";

export async function runBackup(
  context: CliContext,
  file: string,
  options: { force?: boolean },
  output: Output = consoleOutput,
) {
  output.out(`Backing up to ${file}`);
  const summary = await createBackup({
    database: context.database,
    storage: context.services.documents.storage,
    file,
    overwrite: options.force ?? false,
    log: (line) => {
      output.out(line);
    },
  });
  const rows = summary.tables.reduce((sum, t) => sum + t.rows, 0);
  output.out(
    `Backup written: ${summary.file} (${rows} rows in ${summary.tables.length} tables, ${summary.documents} documents, ${formatBytes(summary.bytes)})`,
  );
  return summary;
}

export async function runRestore(
  context: CliContext,
  file: string,
  options: { allowBrokenAuditChain?: boolean },
  output: Output = consoleOutput,
) {
  output.out(`Restoring ${file}`);
  const summary = await restoreBackup({
    database: context.database,
    storage: context.services.documents.storage,
    file,
    workDir: context.config.dataDir,
    allowBrokenAuditChain: options.allowBrokenAuditChain ?? false,
    log: (line) => {
      output.out(line);
    },
  });
  const rows = summary.tables.reduce((sum, t) => sum + t.rows, 0);
  output.out(
    `Restored the backup of ${summary.createdAt} (${summary.sourceEngine}): ${rows} rows, ${summary.documents} documents.`,
  );
  if (summary.audit.ok) output.out(`Audit chain intact: ${summary.audit.count} records`);
  else {
    const { seq, id, reason } = summary.audit.brokenAt;
    throw refused(`Restored, but the audit chain is broken at record ${seq} (id ${id}): ${reason}`);
  }
  output.out(`Sessions and sign-in attempts are not in a backup: everyone signs in again.`);
  return summary;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1_048_576) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

export function registerBackup(program: Command): void {
  program
    .command("backup")
    .description("write a consistent copy of the database and stored documents to FILE (.tar.gz)")
    .argument("<file>", "the archive to write, e.g. commissioner-2025-01-31.tar.gz")
    .option("--force", "replace FILE if it exists")
    .addHelpText(
      "after",
      `\nThe archive is engine-neutral: a backup of the embedded database restores onto PostgreSQL and back.\nLeft out: ${SKIPPED_TABLES.join(", ")} (sign-in state). The file holds personal data and sealed tenders: keep it safe.`,
    )
    .action(async (file: string, options: { force?: boolean }) => {
      await withServices((context) => runBackup(context, file, options));
    });

  program
    .command("restore")
    .description("restore a backup FILE into a new, empty database (refused if it holds any data)")
    .argument("<file>", "an archive written by `commissioner backup`")
    .option("--allow-broken-audit-chain", "restore even if the restored audit chain does not verify")
    .addHelpText(
      "after",
      "\nThe database is migrated, every table is restored in one transaction, each document's SHA-256 is\n" +
        `checked, and the audit chain is verified. Not restored: ${SKIPPED_TABLES.join(", ")} (everyone signs in again).\n` +
        "With the embedded database, stop the server first.",
    )
    .action(async (file: string, options: { allowBrokenAuditChain?: boolean }) => {
      await withServices((context) => runRestore(context, file, options));
    });
}
