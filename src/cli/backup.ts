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
    sessionSecret: context.config.sessionSecret,
    pseudonymisationKeyId: context.services.datasets.keyId,
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
  options: RestoreFlags,
  output: Output = consoleOutput,
) {
  output.out(`Restoring ${file}`);
  const summary = await restoreBackup({
    database: context.database,
    storage: context.services.documents.storage,
    file,
    workDir: context.config.dataDir,
    sessionSecret: context.config.sessionSecret,
    pseudonymisationKeyId: context.services.datasets.keyId,
    skipSignatureCheck: options.skipSignatureCheck ?? false,
    newPseudonymisationKey: options.newPseudonymisationKey ?? false,
    allowBrokenAuditChain: options.allowBrokenAuditChain ?? false,
    log: (line) => {
      output.out(line);
    },
  });
  const rows = summary.tables.reduce((sum, t) => sum + t.rows, 0);
  output.out(
    `Restored the backup of ${summary.createdAt} (${summary.sourceEngine}): ${rows} rows, ${summary.documents} documents.`,
  );
  output.out(
    summary.signatureVerified
      ? "Signature verified: the manifest was signed with this installation's SESSION_SECRET."
      : "Signature not checked (--skip-signature-check).",
  );
  if (summary.pseudonymisationKey === "new")
    output.out(
      "The backup's datasets were pseudonymised under another key: imports are refused while they are active.",
    );
  if (summary.audit.ok) output.out(`Audit chain intact: ${summary.audit.count} records`);
  else {
    const { seq, id, reason } = summary.audit.brokenAt;
    throw refused(`Restored, but the audit chain is broken at record ${seq} (id ${id}): ${reason}`);
  }
  const checked = summary.rowsChecked.map((t) => `${t.name} ${t.rows}`).join(", ");
  if (summary.rowProblems.length === 0) output.out(`Rows matching the audit trail: ${checked}`);
  else
    throw refused(
      `Restored, but ${summary.rowProblems.length} rows do not match the audit trail (first: ${summary.rowProblems[0]?.table ?? ""} row ${summary.rowProblems[0]?.id ?? ""})`,
    );
  output.out(`Sessions and sign-in attempts are not in a backup: everyone signs in again.`);
  return summary;
}

interface RestoreFlags {
  skipSignatureCheck?: boolean;
  newPseudonymisationKey?: boolean;
  allowBrokenAuditChain?: boolean;
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
      `\nThe archive is engine-neutral: a backup of the embedded database restores onto PostgreSQL and back.\nLeft out: ${SKIPPED_TABLES.join(", ")} (sign-in state). The file holds personal data and sealed tenders: keep it safe.\n` +
        "Its manifest is signed with a key derived from SESSION_SECRET, and it names the fingerprint of\n" +
        "PSEUDONYMISATION_SECRET: keep both secrets (apart from the backups) to restore it.",
    )
    .action(async (file: string, options: { force?: boolean }) => {
      await withServices((context) => runBackup(context, file, options));
    });

  program
    .command("restore")
    .description("restore a backup FILE into a new, empty database (refused if it holds any data)")
    .argument("<file>", "an archive written by `commissioner backup`")
    .option(
      "--skip-signature-check",
      "restore an archive whose signature does not verify (another installation's, or SESSION_SECRET is lost)",
    )
    .option(
      "--new-pseudonymisation-key",
      "restore although the backup was made under another PSEUDONYMISATION_SECRET (imports are then refused while its datasets are active)",
    )
    .option(
      "--allow-broken-audit-chain",
      "restore even if the audit chain does not verify or rows do not match what it records",
    )
    .addHelpText(
      "after",
      "\nRefused before anything changes: an archive whose manifest signature does not verify with this\n" +
        "installation's SESSION_SECRET, and a backup made under another PSEUDONYMISATION_SECRET (the manifest\n" +
        "names its fingerprint). Then the database is migrated, every table is restored in one transaction, each\n" +
        "document's SHA-256 is checked, the audit chain is verified, and the rows of organisations, users and\n" +
        "projects are checked against what the chain records. Not restored: " +
        `${SKIPPED_TABLES.join(", ")} (everyone signs in again).\n` +
        "With the embedded database, stop the server first.",
    )
    .action(async (file: string, options: RestoreFlags) => {
      await withServices((context) => runRestore(context, file, options));
    });
}
