import { eq, sql } from "drizzle-orm";
import type { Db, Executor } from "../../../db/client.js";
import { projects } from "../../../db/schema/index.js";
import type { Clock } from "../../../domain/clock.js";
import type { Actor } from "../../../domain/policy.js";
import { evaluateGate, rejectRecommendation, type Gate } from "../../../domain/stages.js";
import { ConflictError } from "../../../errors.js";
import { recordAudit } from "../../audit/service.js";
import type { MessageLinks } from "../../notifications/links.js";
import { announceAwaitedDecisions } from "../decision-notices.js";
import { stageOf } from "../presenter.js";
import { loadSnapshot } from "../queries.js";
import { requireProject, staleProject } from "../refusals.js";

/** A project's moves through the stages (§3.3): on when its gate is met, or ended by a rejection (§3.17). */

interface Deps {
  db: Db;
  links: MessageLinks;
  clock: Clock;
}

/** 409 with what is missing, when the gate does not let the project move on. */
function refuseUnmet(gate: Gate): asserts gate is Gate & { nextStage: NonNullable<Gate["nextStage"]> } {
  if (gate.nextStage === null) {
    throw new ConflictError(`The project cannot move on: ${gate.missing[0]?.reason ?? "it has ended"}`, [], {
      missing: gate.missing,
    });
  }
  if (!gate.canAdvance) {
    const to = gate.nextStage === "closed" ? "close" : `move to stage ${gate.nextStage}`;
    const n = gate.missing.length;
    throw new ConflictError(
      `The project cannot ${to}: ${n} required ${n === 1 ? "output is" : "outputs are"} missing`,
      [],
      { missing: gate.missing },
    );
  }
}

/** Writes where the project now stands, as a new version of it. */
async function moveProject(
  tx: Executor,
  id: string,
  to: Pick<typeof projects.$inferInsert, "stage" | "outcome" | "outcomeReason">,
) {
  const [updated] = await tx
    .update(projects)
    .set({ ...to, version: sql`${projects.version} + 1`, updatedAt: new Date() })
    .where(eq(projects.id, id))
    .returning();
  if (!updated) throw new Error("project not updated");
  return updated;
}

/** Moves the project to its next stage when its gate is met; otherwise 409 with what is missing. */
async function advance({ db, links, clock }: Deps, actor: Actor, id: string, expectedVersion?: number) {
  return db.transaction(async (tx) => {
    const row = await requireProject(tx, id, { lock: true });
    if (expectedVersion !== undefined && row.version !== expectedVersion) throw staleProject(row.version);
    const gate = evaluateGate(await loadSnapshot(tx, row));
    refuseUnmet(gate);
    const updated = await moveProject(tx, id, {
      stage: String(gate.nextStage),
      outcome: gate.nextStage === "closed" ? "completed" : row.outcome,
    });
    await recordAudit(tx, actor, {
      entityType: "project",
      entityId: id,
      action: "advanced",
      summary: { from: stageOf(row), to: gate.nextStage },
    });
    await announceAwaitedDecisions(tx, links, id, gate, clock.today());
    return { stage: gate.nextStage, version: updated.version };
  });
}

/** §3.17: the recommendation was rejected; the procurement ends and the project records it. */
async function reject(
  { db }: Deps,
  actor: Actor,
  id: string,
  input: { reason: string; version?: number | undefined },
) {
  return db.transaction(async (tx) => {
    const row = await requireProject(tx, id, { lock: true });
    if (input.version !== undefined && row.version !== input.version) throw staleProject(row.version);
    const snapshot = await loadSnapshot(tx, row);
    const result = rejectRecommendation(snapshot);
    if (!result.ok) {
      throw new ConflictError(`${result.reason} (${result.paragraph})`, [], { paragraph: result.paragraph });
    }
    const { record } = result;
    const updated = await moveProject(tx, id, {
      stage: record.stage,
      outcome: record.outcome,
      outcomeReason: input.reason,
    });
    await recordAudit(tx, actor, {
      entityType: "project",
      entityId: id,
      action: "rejected",
      summary: {
        reason: input.reason,
        fromStage: snapshot.stage,
        costAvoidancePaperRequired: record.costAvoidancePaper.required,
        paragraph: record.paragraph,
      },
    });
    return {
      stage: record.stage,
      outcome: record.outcome,
      version: updated.version,
      costAvoidancePaper: record.costAvoidancePaper,
    };
  });
}

export function createStagesService(deps: Deps) {
  return {
    advance: (actor: Actor, id: string, expectedVersion?: number) =>
      advance(deps, actor, id, expectedVersion),
    reject: (actor: Actor, id: string, input: { reason: string; version?: number | undefined }) =>
      reject(deps, actor, id, input),
  };
}
