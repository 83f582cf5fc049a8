import { asc, eq, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { organisations, users } from "../../db/schema/index.js";
import { ValidationError } from "../../errors.js";
import { presentUser } from "./presenter.js";

export interface FoundOrganisation {
  id: string;
  code: string | null;
  name: string;
  kind: string;
}

/** Every user, by name, with their organisation. */
export async function listUsers(ex: Executor) {
  const rows = await ex
    .select({ user: users, code: organisations.code, orgName: organisations.name })
    .from(users)
    .leftJoin(organisations, eq(organisations.id, users.organisationId))
    .orderBy(asc(users.name));
  return rows.map((r) => presentUser(r.user, r.code, r.orgName));
}

export async function getUser(ex: Executor, id: string) {
  const [r] = await ex
    .select({ user: users, code: organisations.code, orgName: organisations.name })
    .from(users)
    .leftJoin(organisations, eq(organisations.id, users.organisationId))
    .where(eq(users.id, id));
  return r ? presentUser(r.user, r.code, r.orgName) : null;
}

export async function findUserByEmail(ex: Executor, email: string) {
  const [row] = await ex
    .select({ id: users.id })
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.trim().toLowerCase()));
  return row ? getUser(ex, row.id) : null;
}

/** What a user's page and the roles check need of their organisation. */
const ORGANISATION_FIELDS = {
  id: organisations.id,
  code: organisations.code,
  name: organisations.name,
  kind: organisations.kind,
};

/** The organisation a user form names by code or exact name; 400 on `organisationCode` when none does. */
export async function organisationNamed(tx: Executor, value: string): Promise<FoundOrganisation> {
  const [org] = await tx
    .select(ORGANISATION_FIELDS)
    .from(organisations)
    .where(
      sql`${organisations.code} = ${value.toUpperCase()} OR lower(${organisations.name}) = ${value.toLowerCase()}`,
    )
    // A code match wins over another organisation whose name happens to be the same text.
    .orderBy(sql`(${organisations.code} IS NOT DISTINCT FROM ${value.toUpperCase()}) DESC`)
    .limit(1);
  if (!org)
    throw new ValidationError([
      { path: "organisationCode", message: `No organisation has the code or name "${value}"` },
    ]);
  return org;
}

export async function organisationById(tx: Executor, id: string | null): Promise<FoundOrganisation | null> {
  if (!id) return null;
  const [org] = await tx.select(ORGANISATION_FIELDS).from(organisations).where(eq(organisations.id, id));
  return org ?? null;
}

/** A user row as shown, with the organisation it belongs to read on the same executor. */
export async function presentWithOrganisation(tx: Executor, row: typeof users.$inferSelect) {
  const org = await organisationById(tx, row.organisationId);
  return presentUser(row, org?.code ?? null, org?.name ?? null);
}
