import { asc, eq, or, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { organisations, users } from "../../db/schema/index.js";
import { isRole } from "../../domain/roles.js";
import { presentOrganisation } from "./presenter.js";

/** Every organisation, by kind and then name. */
export async function listOrganisations(ex: Executor) {
  const rows = await ex
    .select()
    .from(organisations)
    .orderBy(asc(organisations.kind), asc(organisations.name));
  return rows.map(presentOrganisation);
}

export async function getOrganisation(ex: Executor, id: string) {
  const [row] = await ex.select().from(organisations).where(eq(organisations.id, id));
  return row ? presentOrganisation(row) : null;
}

/** The people who belong to an organisation, by name. */
export async function organisationMembers(ex: Executor, id: string) {
  const rows = await ex
    .select({ id: users.id, name: users.name, roles: users.roles, active: users.active })
    .from(users)
    .where(eq(users.organisationId, id))
    .orderBy(asc(users.name));
  return rows.map((r) => ({ id: r.id, name: r.name, roles: r.roles.filter(isRole), active: r.active }));
}

/** An organisation by its code or exact name (CLI `--org`); a code match wins over a name match. */
export async function findByCodeOrName(ex: Executor, value: string) {
  const [row] = await ex
    .select()
    .from(organisations)
    .where(
      or(
        eq(organisations.code, value.toUpperCase()),
        eq(sql`lower(${organisations.name})`, value.toLowerCase()),
      ),
    )
    .orderBy(sql`(${organisations.code} IS NOT DISTINCT FROM ${value.toUpperCase()}) DESC`)
    .limit(1);
  return row ? presentOrganisation(row) : null;
}

/** Organisations that already have this name (in any case) or this code. */
export async function nameOrCodeClashes(ex: Executor, name: string, code: string | undefined) {
  return ex
    .select({ name: organisations.name, code: organisations.code })
    .from(organisations)
    .where(
      or(
        eq(sql`lower(${organisations.name})`, name.toLowerCase()),
        code ? eq(organisations.code, code) : sql`false`,
      ),
    );
}
