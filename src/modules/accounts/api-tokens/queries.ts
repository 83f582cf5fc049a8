import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db, Executor } from "../../../db/client.js";
import { apiTokens, users } from "../../../db/schema/index.js";

/** A person's live tokens, oldest first: what the account page lists (never the token itself). */
export async function listApiTokens(ex: Executor, userId: string) {
  return ex
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      prefix: apiTokens.prefix,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
    })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .orderBy(apiTokens.createdAt);
}

/** Built once: every API request runs it. */
export function prepareTokenLookup(db: Db) {
  return db
    .select({
      tokenId: apiTokens.id,
      lastUsedAt: apiTokens.lastUsedAt,
      id: users.id,
      email: users.email,
      name: users.name,
      roles: users.roles,
      organisationId: users.organisationId,
      totpEnabled: users.totpEnabled,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(
      and(
        eq(apiTokens.tokenHash, sql.placeholder("tokenHash")),
        isNull(apiTokens.revokedAt),
        eq(users.active, true),
      ),
    )
    .limit(1)
    .prepare("user_by_token");
}
