import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Database } from "../src/db/client.js";
import {
  checklistTasks,
  tenderInterests,
  tenderSubmissions,
  tenders,
  users,
} from "../src/db/schema/index.js";
import { tasksTouchedBy } from "../src/domain/checklist-template.js";
import type { Clock } from "../src/domain/clock.js";
import { dateInLondon } from "../src/domain/dates.js";
import { sealContent, type SealedContent } from "../src/modules/tenders/sealed-content.js";
import type { Services } from "../src/services.js";
import { asFixture, createUser } from "./helpers.js";

/** A clock the test moves: the opening compares the server's clock with the deadline. */
export function movableClock(start: Date): Clock & { set(at: Date): void } {
  let at = new Date(start.getTime());
  return {
    now: () => new Date(at.getTime()),
    today: () => dateInLondon(at),
    set(next: Date) {
      at = new Date(next.getTime());
    },
  };
}

/**
 * A supplier's submission written as the submissions use case writes it: its content sealed under the
 * tender's data key, bound to the submission's id.
 */
export async function insertSubmission(
  t: { services: Services; database: Database },
  values: {
    tenderId: string;
    organisationId: string;
    section?: "pqq" | "itt";
    status?: "draft" | "submitted" | "superseded" | "withdrawn";
    content: SealedContent;
    submittedAt?: Date;
  },
): Promise<{ id: string; sha256: string }> {
  const db = t.database.db;
  const [tender] = await db.select().from(tenders).where(eq(tenders.id, values.tenderId));
  if (!tender) throw new Error("no such tender");
  const dataKey = t.services.sealer.dataKey(tender.id, tender.wrappedDataKey);
  const id = randomUUID();
  const status = values.status ?? "submitted";
  const sha256 = randomUUID().replace(/-/g, "").padEnd(64, "0");
  await asFixture(db, (tx) =>
    tx.insert(tenderSubmissions).values({
      id,
      tenderId: values.tenderId,
      organisationId: values.organisationId,
      section: values.section ?? "itt",
      status,
      sealedContent: sealContent(dataKey, id, values.content),
      submittedAt: status === "draft" ? null : (values.submittedAt ?? new Date("2027-01-20T10:00:00Z")),
      sha256: status === "draft" ? null : sha256,
      withdrawnAt: status === "withdrawn" ? new Date("2027-01-21T10:00:00Z") : null,
    }),
  );
  return { id, sha256 };
}

/** A supplier organisation with a verified, active user, and its interest in the tender. */
export async function supplierWithUser(
  t: { services: Services; database: Database },
  tenderId: string | null,
  options: { verified?: boolean; invited?: boolean } = {},
) {
  const user = await createUser(t.services, ["supplier-user"]);
  const organisationId = user.organisationId;
  if (!organisationId) throw new Error("supplier user without organisation");
  await asFixture(t.database.db, async (tx) => {
    if (options.verified !== false) {
      await tx.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, user.id));
    }
    if (tenderId) {
      await tx.insert(tenderInterests).values({
        tenderId,
        organisationId,
        invitedToTenderAt: options.invited ? new Date() : null,
      });
    }
  });
  return { user, organisationId };
}

/**
 * Another user of the same organisation; an unconfirmed one is as a self-registered person who has not
 * yet used the link: no confirmed address and no password (suppliers/queries.ts reachableSupplierUser).
 */
export async function colleagueOf(
  t: { services: Services; database: Database },
  organisationId: string,
  verified: boolean,
) {
  const user = await createUser(t.services, ["supplier-user"]);
  await asFixture(t.database.db, (tx) =>
    tx
      .update(users)
      .set({
        roles: ["supplier-user"],
        organisationId,
        ...(verified ? { emailVerifiedAt: new Date() } : { emailVerifiedAt: null, passwordHash: null }),
      })
      .where(eq(users.id, user.id)),
  );
  return user;
}

/** The statuses of the checklist tasks a record of this kind completes. */
export async function taskStatuses(db: Database["db"], projectId: string, kind: string) {
  const keys = tasksTouchedBy({ type: "record", kind });
  const rows = await db.select().from(checklistTasks).where(eq(checklistTasks.projectId, projectId));
  return rows.filter((r) => keys.includes(r.taskKey)).map((r) => r.status);
}
