import fs from "node:fs";
import path from "node:path";
import type { ChainVerdict } from "../../domain/audit-chain.js";
import type { RowMismatch } from "../../domain/audit-rows.js";
import type { Executor } from "../../db/client.js";
import { SIGNATURE_FILE, type Manifest } from "./manifest.js";
import { tablesWithRows } from "./queries.js";
import { BackupRefusedError } from "./refusal.js";
import type { RestoreOptions, RestoreSummary } from "./service.js";
import { manifestSignatureValid } from "./signature.js";
import { schemaTables, SKIPPED_TABLES, type TableSpec } from "./tables.js";

/** What a restore checks before it changes anything, and what it checks of the rows it restored. */

/** Refuses a database that holds application data (a restore goes only into a new one). */
export async function refuseUnlessEmpty(executor: Executor): Promise<void> {
  const busy = await tablesWithRows(executor);
  if (busy.length > 0)
    throw new BackupRefusedError(
      `The database is not empty (${busy.map((b) => `${b.name}: ${b.rows}`).join(", ")}): ` +
        "a backup is restored only into a new, empty database. Nothing was changed.",
    );
}

/** The manifest was signed with this installation's SESSION_SECRET; false when told not to check. */
export function checkSignature(staging: string, options: RestoreOptions): boolean {
  if (options.skipSignatureCheck) return false;
  const signatureFile = path.join(staging, SIGNATURE_FILE);
  const advice =
    "Restore it with the SESSION_SECRET of the installation that made it (DATA_DIR/session-secret there, " +
    "or the SESSION_SECRET setting), or add --skip-signature-check if you trust the file: its rows are then " +
    "still checked against the audit trail. Nothing was changed.";
  if (!fs.existsSync(signatureFile))
    throw new BackupRefusedError(
      `The backup is not signed (it has no ${SIGNATURE_FILE}: made by an older version, or not by Commissioner). ${advice}`,
    );
  const manifest = fs.readFileSync(path.join(staging, "manifest.json"));
  const signature = fs.readFileSync(signatureFile, "utf8").trim();
  if (!manifestSignatureValid(manifest, signature, options.sessionSecret))
    throw new BackupRefusedError(
      "The backup's signature does not verify: its manifest was changed after the backup was made, " +
        `or it was made by an installation with another SESSION_SECRET. ${advice}`,
    );
  return true;
}

/**
 * The datasets' client hashes are keyed by PSEUDONYMISATION_SECRET: restored under another key, the next
 * import would be refused (the datasets module never mixes keys). So a restore under another key is
 * refused before anything changes, unless asked for.
 */
export function checkPseudonymisationKey(
  manifest: Manifest,
  options: RestoreOptions,
): RestoreSummary["pseudonymisationKey"] {
  const named = manifest.pseudonymisationKeyId;
  if (named === undefined) return "unnamed";
  if (named === options.pseudonymisationKeyId) return "same";
  if (options.newPseudonymisationKey) return "new";
  throw new BackupRefusedError(
    `The backup was made under the pseudonymisation key ${named}, and this installation's PSEUDONYMISATION_SECRET is ${options.pseudonymisationKeyId}. ` +
      "Set PSEUDONYMISATION_SECRET to the key of the installation that made the backup (DATA_DIR/pseudonymisation-secret there) and run the restore again. " +
      "Or add --new-pseudonymisation-key to keep this installation's key: client identifiers imported from then on cannot be matched with the restored ones, " +
      "and imports are refused while datasets hashed under the old key are active. Nothing was changed.",
  );
}

export interface PlannedTable {
  table: TableSpec;
  part: Manifest["tables"][number];
}

/** The backup's tables in foreign-key order, once its migrations and columns are known to this version. */
export function checkCompatible(manifest: Manifest, targetMigrations: string[]): PlannedTable[] {
  const { count, lastHash } = manifest.migrations;
  if (count > targetMigrations.length)
    throw new BackupRefusedError(
      `The backup was made by a newer version of Commissioner (${count} migrations; this one has ${targetMigrations.length}). Restore it with that version or a later one.`,
    );
  if (count > 0 && targetMigrations[count - 1] !== lastHash)
    throw new BackupRefusedError(
      `The backup's migrations (${count}, last ${String(lastHash).slice(0, 12)}) are not this version's: it was made by a different Commissioner.`,
    );
  const known = new Map(schemaTables().map((t) => [t.name, t]));
  const parts = new Map(manifest.tables.map((p) => [p.name, p]));
  for (const part of manifest.tables) {
    const table = known.get(part.name);
    if (!table || SKIPPED_TABLES.includes(part.name))
      throw new BackupRefusedError(
        `The backup holds a table "${part.name}" that this version does not restore`,
      );
    const missing = part.columns.filter((c) => !table.columns.some((t) => t.name === c.name));
    if (missing.length > 0)
      throw new BackupRefusedError(
        `The backup's table ${part.name} has columns this version does not have: ${missing.map((c) => c.name).join(", ")}`,
      );
  }
  return schemaTables().flatMap((table) => {
    const part = parts.get(table.name);
    return part ? [{ table, part }] : [];
  });
}

/** Refuses a restored audit chain that does not verify, unless allowed. */
export function refuseBrokenChain(audit: ChainVerdict, allowBrokenAuditChain: boolean | undefined): void {
  if (!audit.ok && !allowBrokenAuditChain)
    throw new BackupRefusedError(
      `The restored audit chain does not verify: record ${audit.brokenAt.seq} (${audit.brokenAt.id}) ${audit.brokenAt.reason}. ` +
        "Nothing was restored. Add --allow-broken-audit-chain to restore it anyway.",
    );
}

/** Refuses restored rows that do not match what the audit chain records, unless allowed. */
export function refuseUnrecordedRows(
  problems: RowMismatch[],
  allowBrokenAuditChain: boolean | undefined,
): void {
  if (problems.length > 0 && !allowBrokenAuditChain) {
    const shown = problems.slice(0, 5).map((p) => `${p.table} row ${p.id} ${p.problem}`);
    const more = problems.length - shown.length;
    throw new BackupRefusedError(
      `The backup's rows do not match what the audit trail records: ${shown.join("; ")}${more > 0 ? ` (and ${more} more)` : ""}. ` +
        "The rows were changed outside the application. Nothing was restored. Add --allow-broken-audit-chain to restore it anyway.",
    );
  }
}
