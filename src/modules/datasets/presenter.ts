import type { datasets } from "../../db/schema/index.js";
import { DATASET_KINDS, type DatasetKind, type RowError } from "../../domain/indicators/formats.js";

/** What the API and the data files page show of imports (no I/O). */

export function presentDataset(row: typeof datasets.$inferSelect) {
  return {
    id: row.id,
    kind: row.kind,
    providerCodes: row.providerCodes,
    fileName: row.fileName,
    sha256: row.sha256,
    bytes: row.bytes,
    rows: row.rows,
    activeRows: row.activeRows,
    replacedRows: row.replacedRows,
    replacesDatasetIds: row.replacesDatasetIds,
    status: row.status,
    periodStart: row.periodStart,
    periodEnd: row.periodEnd,
    uploadedBy: row.uploadedByLabel,
    uploadedAt: row.createdAt.toISOString(),
  };
}
export type PresentedDataset = ReturnType<typeof presentDataset>;

export const DATASET_KIND_NAMES: Record<DatasetKind, { name: string; hint: string }> = {
  "treatment-journeys": {
    name: "Treatment journeys",
    hint: "Substance misuse: one row per treatment episode (Appendix A indicators)",
  },
  "sp-outcomes": {
    name: "Housing-related support outcomes",
    hint: "Supporting People: one row per service user's stay (KPI1, KPI2 and outcomes)",
  },
  "hia-activity": {
    name: "Home improvement agency activity",
    hint: "Home improvement agency and handyperson: one row per referral (G1, G2, H1, H2)",
  },
};

const dateFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});
const longDate = (iso: string) => dateFormat.format(new Date(`${iso}T00:00:00Z`));

/** The page's table rows (presenter, no I/O): providers by name with their code, dates in words. */
export function presentForPage(items: PresentedDataset[], providerNames: ReadonlyMap<string, string>) {
  const provider = (code: string) => {
    const name = providerNames.get(code);
    return name ? `${name} (${code})` : code;
  };
  return items.map((d) => ({
    ...d,
    kindName: DATASET_KIND_NAMES[d.kind].name,
    providers: d.providerCodes.map(provider).join(", "),
    period:
      d.periodStart === d.periodEnd
        ? longDate(d.periodStart)
        : `${longDate(d.periodStart)} to ${longDate(d.periodEnd)}`,
    rowsText:
      d.activeRows === d.rows
        ? d.rows.toLocaleString("en-GB")
        : `${d.activeRows.toLocaleString("en-GB")} of ${d.rows.toLocaleString("en-GB")}`,
  }));
}

/** The refusal report as the page shows it. */
export function presentRefusal(fileName: string, kind: DatasetKind, rows: RowError[], totalErrors: number) {
  return {
    fileName,
    kindName: DATASET_KIND_NAMES[kind].name,
    totalErrors,
    totalText: totalErrors.toLocaleString("en-GB"),
    shownText: rows.length.toLocaleString("en-GB"),
    truncated: totalErrors > rows.length,
    rows: rows.map((r) => ({ line: r.line, column: r.column ?? "", message: r.message })),
  };
}

/** The choice of kind on the upload form. */
export const KIND_ITEMS = DATASET_KINDS.map((kind) => ({
  value: kind,
  text: DATASET_KIND_NAMES[kind].name,
  hint: DATASET_KIND_NAMES[kind].hint,
}));

/** The success message after an import. */
export function importedMessage(fileName: string, outcome: { rows: number; replacedRows: number }): string {
  const replaced = outcome.replacedRows
    ? `, replacing ${outcome.replacedRows.toLocaleString("en-GB")} earlier row${outcome.replacedRows === 1 ? "" : "s"}`
    : "";
  return `${fileName}: ${outcome.rows.toLocaleString("en-GB")} row${outcome.rows === 1 ? "" : "s"} imported${replaced}`;
}
