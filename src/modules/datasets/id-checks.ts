import { sql } from "drizzle-orm";
import {
  DATASET_KINDS,
  FORMATS,
  quote,
  type DatasetKind,
  type RowError,
} from "../../domain/indicators/formats.js";
import type { CopyTransaction } from "./copy.js";
import { DatasetRefusedError, mergeReports } from "./problems.js";
import { idClashes, type IdClashes } from "./queries.js";
import type { ScanResult } from "./scan.js";

/**
 * The duplicate checks of an import, made by the database inside the import's transaction: the file's
 * ids against each other and against the stored rows of their kind (docs/indicators.md).
 */

/** One lock key per kind: imports of one kind run one at a time, so their duplicate checks hold. */
const IMPORT_LOCK_KEY_BASE = 741_852_970;

/** Waits for the other imports of `kind` to end, and keeps new ones waiting until this one ends. */
export async function lockKind(tx: CopyTransaction, kind: DatasetKind) {
  await tx.db.execute(
    sql`SELECT pg_advisory_xact_lock(${IMPORT_LOCK_KEY_BASE + DATASET_KINDS.indexOf(kind)})`,
  );
}

function dateOf(value: unknown): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);
}

/**
 * Ids repeated in the file, and ids already stored, as row problems. Only staff, who see every
 * provider's data, are told that an id belongs to another provider; a provider's users hear "already
 * imported" only of their own provider code's rows, and of another provider's id only that it cannot be
 * used, so that the report is no way to look up which ids (treatment episodes, stays, referrals) other
 * providers hold (docs/security.md).
 */
function idProblems(kind: DatasetKind, clashes: IdClashes, seesAllProviders: boolean) {
  const format = FORMATS[kind];
  const name = format.idColumn;
  const { repeated, stored } = clashes;
  const fromRepeated: RowError[] = repeated.map((r) => ({
    line: r.line,
    column: name,
    message: `${name} ${quote(r.id)} is also on line ${r.first_line}: each ${format.rowName} needs an id of its own`,
  }));
  const fromStored: RowError[] = stored.map((r) => ({
    line: r.line,
    column: name,
    message: r.same_provider
      ? `${name} ${quote(r.id)} was imported before (file ${quote(r.file_name)}, ${dateOf(r.imported_at)}): to replace those rows, import this file as a replacement`
      : seesAllProviders
        ? `${name} ${quote(r.id)} is already used by another provider's ${format.rowName}: ids must be unique across providers`
        : `${name} ${quote(r.id)} cannot be used: choose another id. Ids must be unique across every provider's data; starting each with your provider code keeps them apart`,
  }));
  return {
    rows: mergeReports(fromRepeated, fromStored),
    total: (repeated[0]?.total ?? 0) + (stored[0]?.total ?? 0),
  };
}

/**
 * Checks the file's ids (in `idsFile`) against each other and the stored rows, and refuses the file
 * with every problem, the row problems of the scan included (docs/indicators.md: every bad row, line and
 * column). Leaves the ids in `import_ids` for `replaceRows`.
 */
export async function checkIds(
  tx: CopyTransaction,
  kind: DatasetKind,
  replace: boolean,
  scan: ScanResult,
  idsFile: string,
  seesAllProviders: boolean,
) {
  // PGlite runs one statement per call: each of these is its own.
  await tx.db.execute(
    sql`CREATE TEMP TABLE import_ids (line integer NOT NULL, id text NOT NULL, provider_code text NOT NULL) ON COMMIT DROP`,
  );
  await tx.copyFile("import_ids", ["line", "id", "provider_code"], idsFile);
  await tx.db.execute(sql`CREATE INDEX ON import_ids (id)`);
  await tx.db.execute(sql`ANALYZE import_ids`);
  const ids = idProblems(kind, await idClashes(tx.db, kind, replace), seesAllProviders);
  const totalErrors = scan.totalErrors + ids.total;
  if (totalErrors > 0) throw new DatasetRefusedError(mergeReports(scan.errors, ids.rows), totalErrors);
}
