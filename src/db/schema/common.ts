import { sql } from "drizzle-orm";
import { integer, timestamp, uuid } from "drizzle-orm/pg-core";

/** Every table has these (docs/architecture.md, data rules). */
export const idColumn = () => uuid("id").primaryKey().defaultRandom();
export const timestamps = () => ({
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
/** Editable records carry a version for optimistic locking. */
export const versionColumn = () => integer("version").notNull().default(1);
export const emptyTextArray = sql`'{}'::text[]`;
