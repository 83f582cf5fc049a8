import { and, eq, gt, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.js";
import { organisations, sessions, users } from "../../db/schema/index.js";
import type { Actor } from "../../domain/policy.js";
import { isRole, type Role } from "../../domain/roles.js";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  organisationId: string | null;
  totpEnabled: boolean;
}

export interface LoadedSession {
  id: string;
  user: SessionUser | null;
  pendingUserId: string | null;
  flash: unknown;
  oidcState: unknown;
  expiresAt: Date;
}

export function actorFor(user: SessionUser): Actor {
  return {
    id: user.id,
    label: `${user.name} <${user.email}>`,
    roles: user.roles,
    organisationId: user.organisationId,
  };
}

export function toRoles(values: readonly string[]): Role[] {
  return values.filter(isRole);
}

/** The signed-in person a user row describes. */
export function sessionUserOf(row: {
  id: string;
  email: string;
  name: string;
  roles: readonly string[];
  organisationId: string | null;
  totpEnabled: boolean;
}): SessionUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    roles: toRoles(row.roles),
    organisationId: row.organisationId,
    totpEnabled: row.totpEnabled,
  };
}

export async function userById(ex: Executor, id: string): Promise<SessionUser | null> {
  const [row] = await ex
    .select()
    .from(users)
    .where(and(eq(users.id, id), eq(users.active, true)))
    .limit(1);
  return row ? sessionUserOf(row) : null;
}

export async function organisationName(ex: Executor, id: string | null): Promise<string | null> {
  if (!id) return null;
  const [row] = await ex
    .select({ name: organisations.name })
    .from(organisations)
    .where(eq(organisations.id, id));
  return row?.name ?? null;
}

/** Built once: the signed-in path runs this on every request (bench/http.ts measured its cost). */
export function prepareSessionLookup(db: Db) {
  return db
    .select({
      id: sessions.id,
      pendingUserId: sessions.pendingUserId,
      flash: sessions.flash,
      oidcState: sessions.oidcState,
      expiresAt: sessions.expiresAt,
      userId: users.id,
      email: users.email,
      name: users.name,
      roles: users.roles,
      organisationId: users.organisationId,
      totpEnabled: users.totpEnabled,
      active: users.active,
    })
    .from(sessions)
    .leftJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.tokenHash, sql.placeholder("tokenHash")),
        gt(sessions.expiresAt, sql.placeholder("now")),
      ),
    )
    .limit(1)
    .prepare("load_session");
}
