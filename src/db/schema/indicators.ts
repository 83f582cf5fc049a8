import { sql } from "drizzle-orm";
import { bigint, date, index, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { emptyTextArray, idColumn, timestamps } from "./common.js";
import { users } from "./core.js";

/**
 * Client-level data that providers upload (docs/indicators.md), from which the indicators are computed.
 *
 * One `datasets` row per imported file. The rows of a file go to the table of its kind, pseudonymised:
 * `client_hash` is HMAC-SHA-256 of `client_ref` under the installation's pseudonymisation key (hex), and
 * a date of birth is kept only as `age_at_triage`. The tables hold the current data only: a replacing
 * import deletes the rows it supersedes (same id, same provider) in its own transaction, so every row
 * here counts, and each id is unique across the table. `line` is where the row was in its file, so a
 * number can be traced back to what the provider sent.
 */
export const datasets = pgTable(
  "datasets",
  {
    id: idColumn(),
    kind: text("kind", { enum: ["treatment-journeys", "sp-outcomes", "hia-activity"] }).notNull(),
    /** The provider codes of its rows, sorted. */
    providerCodes: text("provider_codes").array().notNull().default(emptyTextArray),
    fileName: text("file_name").notNull(),
    /** SHA-256 of the bytes as they arrived (hex). */
    sha256: text("sha256").notNull(),
    bytes: bigint("bytes", { mode: "number" }).notNull(),
    /** Rows imported from the file. */
    rows: integer("rows").notNull(),
    /** Of those, the rows not yet replaced by a later import. */
    activeRows: integer("active_rows").notNull(),
    /** Rows of earlier imports that this one replaced. */
    replacedRows: integer("replaced_rows").notNull().default(0),
    /** The earlier datasets some of whose rows this one replaced. */
    replacesDatasetIds: uuid("replaces_dataset_ids")
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    /** `replaced` once every one of its rows has been replaced by later imports. */
    status: text("status", { enum: ["active", "replaced"] })
      .notNull()
      .default("active"),
    /** Earliest and latest event date in the file (dates of birth excluded). */
    periodStart: date("period_start", { mode: "string" }).notNull(),
    periodEnd: date("period_end", { mode: "string" }).notNull(),
    /** Fingerprint of the pseudonymisation key: hashes made under different keys must never mix. */
    keyId: text("key_id").notNull(),
    uploadedBy: uuid("uploaded_by").references(() => users.id),
    /** Who imported it, as the audit trail names them ("system" for the command line). */
    uploadedByLabel: text("uploaded_by_label").notNull(),
    ...timestamps(),
  },
  (t) => [index("datasets_kind_created_at").on(t.kind, t.createdAt), index("datasets_status").on(t.status)],
);

/** Common to the three row tables. */
const rowColumns = () => ({
  id: idColumn(),
  datasetId: uuid("dataset_id")
    .notNull()
    .references(() => datasets.id),
  line: integer("line").notNull(),
  clientHash: text("client_hash").notNull(),
  providerCode: text("provider_code").notNull(),
});

/** treatment-journeys: one row per treatment episode. */
export const treatmentEpisodes = pgTable(
  "treatment_episodes",
  {
    ...rowColumns(),
    episodeId: text("episode_id").notNull(),
    /** Whole years at triage_date (the date of birth is not kept). */
    ageAtTriage: integer("age_at_triage").notNull(),
    triageDate: date("triage_date", { mode: "string" }).notNull(),
    dischargeDate: date("discharge_date", { mode: "string" }),
    dischargeReason: text("discharge_reason"),
    substances: text("substances").array().notNull(),
    referralSource: text("referral_source").notNull(),
    injectingStatus: text("injecting_status"),
    hepbStatus: text("hepb_status"),
    hepcTestedOn: date("hepc_tested_on", { mode: "string" }),
    ...timestamps(),
  },
  // Each index is paid for on every imported row (a million-row import spends seconds on each), so only
  // these: the ids' uniqueness (docs/indicators.md), the foreign key's (deleting a dataset must not read the
  // whole table), and the two the indicator queries read by (a client's time line, a provider's
  // episodes). No query reads by discharge_date alone: its index only cost imports time.
  (t) => [
    uniqueIndex("treatment_episodes_episode_id_unique").on(t.episodeId),
    index("treatment_episodes_dataset_id").on(t.datasetId),
    index("treatment_episodes_client_triage").on(t.clientHash, t.triageDate),
    index("treatment_episodes_provider_triage").on(t.providerCode, t.triageDate),
  ],
);

/** sp-outcomes: one row per service user's stay. */
export const spStays = pgTable(
  "sp_stays",
  {
    ...rowColumns(),
    stayId: text("stay_id").notNull(),
    serviceType: text("service_type").notNull(),
    startDate: date("start_date", { mode: "string" }).notNull(),
    endDate: date("end_date", { mode: "string" }),
    departure: text("departure"),
    accommodation: text("accommodation").notNull(),
    needs: text("needs").array().notNull().default(emptyTextArray),
    achieved: text("achieved").array().notNull().default(emptyTextArray),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex("sp_stays_stay_id_unique").on(t.stayId),
    index("sp_stays_dataset_id").on(t.datasetId),
    index("sp_stays_client_hash").on(t.clientHash),
    index("sp_stays_provider_start").on(t.providerCode, t.startDate),
    index("sp_stays_end_date").on(t.endDate),
  ],
);

/** hia-activity: one row per home improvement agency or handyperson referral. */
export const hiaReferrals = pgTable(
  "hia_referrals",
  {
    ...rowColumns(),
    referralId: text("referral_id").notNull(),
    service: text("service").notNull(),
    referralDate: date("referral_date", { mode: "string" }).notNull(),
    contactedOn: date("contacted_on", { mode: "string" }),
    visitedOn: date("visited_on", { mode: "string" }),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex("hia_referrals_referral_id_unique").on(t.referralId),
    index("hia_referrals_dataset_id").on(t.datasetId),
    index("hia_referrals_client_hash").on(t.clientHash),
    index("hia_referrals_provider_referral").on(t.providerCode, t.referralDate),
    index("hia_referrals_referral_date").on(t.referralDate),
  ],
);
