import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../../db/client.js";
import { users } from "../../../db/schema/index.js";
import { recordAudit } from "../../audit/service.js";
import { type SessionUser, userById } from "../queries.js";

/** Single sign-on: the user whose email the identity provider vouched for (linked by subject after). */
export async function userForOidc(
  db: Db,
  subject: string,
  email: string | undefined,
): Promise<SessionUser | null> {
  const [bySubject] = await db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.oidcSubject, subject))
    .limit(1);
  if (bySubject) return userById(db, bySubject.id);
  if (!email) return null;
  // A deactivated account is neither signed in nor linked: linking is a change of the account.
  const [byEmail] = await db
    .select({ id: users.id, oidcSubject: users.oidcSubject })
    .from(users)
    .where(and(eq(sql`lower(${users.email})`, email.toLowerCase()), eq(users.active, true)))
    .limit(1);
  if (!byEmail || byEmail.oidcSubject) return null;
  await db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ oidcSubject: subject, updatedAt: new Date() })
      .where(eq(users.id, byEmail.id));
    await recordAudit(
      tx,
      { id: byEmail.id, label: "single sign-on", roles: [], organisationId: null },
      {
        entityType: "user",
        entityId: byEmail.id,
        action: "single-sign-on-linked",
        summary: {},
      },
    );
  });
  return userById(db, byEmail.id);
}
