import type { IsoDate } from "../../domain/dates.js";
import { and, asc, eq } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { governanceBodies, governanceMembers, users } from "../../db/schema/index.js";
import { newlyAwaitedDecisions } from "../../domain/messages.js";
import { evaluateGate, type Gate } from "../../domain/stages.js";
import type { MessageLinks } from "../notifications/links.js";
import { enqueueMessage } from "../notifications/service.js";
import { membershipHeldOn } from "../governance/queries.js";
import { nextDecisions } from "./presenter.js";

import { findProject, loadSnapshots } from "./queries.js";

/** The project's gate as it stands on this transaction, or null when there is no such project. */
export async function gateNow(tx: Executor, projectId: string): Promise<Gate | null> {
  const row = await findProject(tx, projectId);
  if (!row) return null;
  const snapshot = (await loadSnapshots(tx, [row])).get(projectId);
  return snapshot ? evaluateGate(snapshot) : null;
}

/**
 * The people a body's decision is asked of: its chair and members, and its officers (the clerk puts
 * the item on the agenda, §2), while their accounts are active.
 */
/** Who sits on the body today (its chairs, members and officers), once each, with an active account. */
async function recipientsOf(tx: Executor, bodyCode: string, today: IsoDate) {
  return tx
    .selectDistinct({ email: users.email })
    .from(governanceMembers)
    .innerJoin(governanceBodies, eq(governanceBodies.id, governanceMembers.bodyId))
    .innerJoin(users, eq(users.id, governanceMembers.userId))
    .where(and(eq(governanceBodies.code, bodyCode), eq(users.active, true), membershipHeldOn(today)))
    .orderBy(asc(users.email));
}

/**
 * "A decision awaits your body" (§2, §3.4–3.10): after a change to a project, on the change's own
 * transaction, every approval the change made decidable (a document uploaded, or a new version of it;
 * the project moved into a stage whose gate asks a body) is put to each person of that body.
 */
export async function announceAwaitedDecisions(
  tx: Executor,
  links: MessageLinks,
  projectId: string,
  before: Gate | null,
  today: IsoDate,
): Promise<void> {
  const after = await gateNow(tx, projectId);
  const project = await findProject(tx, projectId);
  if (!after || !project) return;
  const newly = newlyAwaitedDecisions(before, after);
  if (newly.length === 0) return;
  const bodies = await tx
    .select({ code: governanceBodies.code, name: governanceBodies.name })
    .from(governanceBodies);
  for (const body of nextDecisions({ ...after, missing: newly }, bodies)) {
    const recipients = await recipientsOf(tx, body.bodyCode, today);
    for (const item of body.items) {
      for (const { email } of recipients) {
        await enqueueMessage(tx, {
          templateKey: "decision-awaited",
          recipient: email,
          personalisation: {
            bodyName: body.bodyName,
            projectTitle: project.title,
            what: item.text,
            paragraph: item.paragraph,
            link: links.awaiting(body.bodyCode),
          },
        });
      }
    }
  }
}
