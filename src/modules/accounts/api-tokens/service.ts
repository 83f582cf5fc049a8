import { and, eq, isNull } from "drizzle-orm";
import type { TtlCache } from "../../../cache.js";
import type { Db } from "../../../db/client.js";
import { apiTokens } from "../../../db/schema/index.js";
import type { Actor } from "../../../domain/policy.js";
import { recordAudit } from "../../audit/service.js";
import { type SessionUser, sessionUserOf } from "../queries.js";
import { newApiToken, sha256Hex } from "../tokens.js";
import { listApiTokens, prepareTokenLookup } from "./queries.js";

/** What the token use cases share: the database, the lookup every API request runs, and its cache. */
interface Tokens {
  db: Db;
  cache: TtlCache<SessionUser | null>;
  lookup: ReturnType<typeof prepareTokenLookup>;
}

async function createApiToken(db: Db, actor: Actor, userId: string, name: string) {
  const token = newApiToken();
  const [row] = await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(apiTokens)
      .values({ userId, name, tokenHash: sha256Hex(token), prefix: token.slice(0, 10) })
      .returning({
        id: apiTokens.id,
        name: apiTokens.name,
        prefix: apiTokens.prefix,
        createdAt: apiTokens.createdAt,
      });
    await recordAudit(tx, actor, {
      entityType: "api-token",
      entityId: inserted[0]?.id ?? "",
      action: "created",
      summary: { userId, name },
    });
    return inserted;
  });
  if (!row) throw new Error("token not stored");
  return { ...row, token };
}

async function revokeApiToken(tokens: Tokens, actor: Actor, userId: string, tokenId: string) {
  tokens.cache.clear();
  return tokens.db.transaction(async (tx) => {
    const revoked = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    if (revoked.length === 0) return false;
    await recordAudit(tx, actor, {
      entityType: "api-token",
      entityId: tokenId,
      action: "revoked",
      summary: { userId },
    });
    return true;
  });
}

/** The user behind a bearer token, or null. */
async function userForApiToken(tokens: Tokens, token: string): Promise<SessionUser | null> {
  const tokenHash = sha256Hex(token);
  const cached = tokens.cache.get(tokenHash);
  if (cached !== undefined) return cached;
  const [row] = await tokens.lookup.execute({ tokenHash });
  if (row && (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000)) {
    // Recorded at most once a minute so that API reads stay reads.
    await tokens.db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, row.tokenId));
  }
  const user = row ? sessionUserOf(row) : null;
  tokens.cache.set(tokenHash, user);
  return user;
}

/** Personal API tokens: made and revoked by their owner (or an administrator), looked up per request. */
export function createApiTokensService(db: Db, cache: TtlCache<SessionUser | null>) {
  const tokens: Tokens = { db, cache, lookup: prepareTokenLookup(db) };
  return {
    createApiToken: (actor: Actor, userId: string, name: string) => createApiToken(db, actor, userId, name),
    listApiTokens: (userId: string) => listApiTokens(db, userId),
    revokeApiToken: (actor: Actor, userId: string, tokenId: string): Promise<boolean> =>
      revokeApiToken(tokens, actor, userId, tokenId),
    userForApiToken: (token: string) => userForApiToken(tokens, token),
  };
}
