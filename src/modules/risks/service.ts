import type { Clock } from "../../domain/clock.js";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client.js";
import { riskHistory, risks } from "../../db/schema/index.js";
import type { Actor } from "../../domain/policy.js";
import { recordAudit } from "../audit/service.js";
import { recordEvidence } from "../checklist/service.js";
import { isoDateField } from "../../inputs.js";
import { findProject } from "../checklist/queries.js";
import { NotFoundError, StaleVersionError } from "../../errors.js";
import { riskScore } from "./heatmap.js";
import { presentHistory, presentRisk, type RiskRow } from "./presenter.js";
import { findRisk, historyRows, overdueReviewCounts, registerRows } from "./queries.js";

export const RISK_STATUSES = ["open", "closed"] as const;

export const STALE_RISK_MESSAGE = "Someone else changed this risk while you were editing it";

const scale = (label: string) =>
  z
    .number({ error: `Select the ${label}, from 1 to 5` })
    .int(`Select the ${label}, from 1 to 5`)
    .min(1, `Select the ${label}, from 1 to 5`)
    .max(5, `Select the ${label}, from 1 to 5`);

const riskFields = {
  title: z.string().trim().min(1, "Enter what the risk is").max(200, "Title must be 200 characters or fewer"),
  description: z.string().trim().max(4000, "Description must be 4,000 characters or fewer"),
  likelihood: scale("likelihood"),
  impact: scale("impact"),
  owner: z
    .string()
    .trim()
    .min(1, "Enter who owns the risk")
    .max(200, "Owner must be 200 characters or fewer"),
  mitigation: z.string().trim().max(4000, "Mitigation must be 4,000 characters or fewer"),
  reviewOn: isoDateField("Review date"),
};

/** POST /projects/:id/risks (docs/api.md): `{title, likelihood, impact, owner, mitigation, reviewOn}`. */
export const riskInput = z.object({
  ...riskFields,
  description: riskFields.description.optional(),
  mitigation: riskFields.mitigation.optional(),
});
export type RiskInput = z.output<typeof riskInput>;

/** PATCH /risks/:id: any of the fields, the status, and the version that was read. */
export const riskUpdateInput = z.object({
  title: riskFields.title.optional(),
  description: riskFields.description.optional(),
  likelihood: riskFields.likelihood.optional(),
  impact: riskFields.impact.optional(),
  owner: riskFields.owner.optional(),
  mitigation: riskFields.mitigation.optional(),
  reviewOn: riskFields.reviewOn.optional(),
  status: z.enum(RISK_STATUSES, { error: "Select whether the risk is open or closed" }).optional(),
  version: z.number({ error: "Send the version of the risk you read" }).int().min(1),
});
export type RiskUpdateInput = z.output<typeof riskUpdateInput>;

/** The fields a person edits: what history keeps before each change. */
function snapshot(row: RiskRow) {
  return {
    title: row.title,
    description: row.description,
    likelihood: row.likelihood,
    impact: row.impact,
    score: riskScore(row.likelihood, row.impact),
    owner: row.owner,
    mitigation: row.mitigation,
    reviewOn: row.reviewOn,
    status: row.status,
    version: row.version,
  };
}

/** The project's risks, open ones first, highest score first, then the earliest review; null for no such project. */
async function list(db: Db, today: string, projectId: string) {
  const project = await findProject(db, projectId);
  if (!project) return null;
  const items = (await registerRows(db, projectId)).map((r) => presentRisk(r, today));
  return { project, items, overdue: items.filter((r) => r.overdue).length };
}

/** A risk with every change made to it, newest first. */
async function getWithHistory(db: Db, today: string, riskId: string) {
  const row = await findRisk(db, riskId);
  if (!row) return null;
  const history = await historyRows(db, riskId);
  return { risk: presentRisk(row, today), history: history.map(presentHistory) };
}

async function create(db: Db, today: string, actor: Actor, projectId: string, input: RiskInput) {
  const project = await findProject(db, projectId);
  if (!project) throw new NotFoundError("No project has this id");
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(risks)
      .values({
        projectId,
        title: input.title,
        description: input.description ?? "",
        likelihood: input.likelihood,
        impact: input.impact,
        owner: input.owner,
        mitigation: input.mitigation ?? "",
        reviewOn: input.reviewOn,
      })
      .returning();
    if (!row) throw new Error("risk not stored");
    const after = snapshot(row);
    await tx.insert(riskHistory).values({
      riskId: row.id,
      version: row.version,
      snapshot: { action: "created", before: null, changes: changesBetween(null, after), after },
      changedById: actor.id,
    });
    await recordAudit(tx, actor, {
      entityType: "risk",
      entityId: row.id,
      action: "created",
      summary: { projectId, ...after },
    });
    // The register has begun (App C 1, "Risk Register Developed").
    await recordEvidence(tx, {
      projectId,
      type: "record",
      kind: "risk-register-started",
      id: row.id,
      on: today,
      actor,
    });
    return presentRisk(row, today);
  });
}

/** The risk's fields after the update: what the input gives, else what is stored. */
function updatedFields(current: RiskRow, input: RiskUpdateInput) {
  return {
    title: input.title ?? current.title,
    description: input.description ?? current.description,
    likelihood: input.likelihood ?? current.likelihood,
    impact: input.impact ?? current.impact,
    owner: input.owner ?? current.owner,
    mitigation: input.mitigation ?? current.mitigation,
    reviewOn: input.reviewOn ?? current.reviewOn,
    status: input.status ?? current.status,
  };
}

/** Changes a risk; a stale version is refused (409) and nothing changes. Returns the risk as saved. */
async function update(db: Db, today: string, actor: Actor, riskId: string, input: RiskUpdateInput) {
  const current = await findRisk(db, riskId);
  if (!current) throw new NotFoundError("No risk has this id");
  if (current.version !== input.version) {
    throw new StaleVersionError(STALE_RISK_MESSAGE, [], { current: presentRisk(current, today) });
  }
  const next = updatedFields(current, input);
  const before = snapshot(current);
  const changes = changesBetween(before, { ...next, score: riskScore(next.likelihood, next.impact) });
  if (Object.keys(changes).length === 0) return presentRisk(current, today);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(risks)
      .set({ ...next, version: sql`${risks.version} + 1`, updatedAt: new Date() })
      .where(and(eq(risks.id, riskId), eq(risks.version, input.version)))
      .returning();
    if (!row) throw new StaleVersionError(STALE_RISK_MESSAGE);
    await tx.insert(riskHistory).values({
      riskId: row.id,
      version: row.version,
      snapshot: { action: changes.status ? `status-${next.status}` : "updated", before, changes },
      changedById: actor.id,
    });
    await recordAudit(tx, actor, {
      entityType: "risk",
      entityId: row.id,
      action: changes.status ? (next.status === "closed" ? "closed" : "reopened") : "updated",
      summary: { projectId: row.projectId, version: row.version, changes },
    });
    return presentRisk(row, today);
  });
}

/** The live risk register of a project (App C 1): every change kept in risk_history and the audit trail. */
export function createRisksService(db: Db, clock: Clock) {
  return {
    /** The project the register belongs to (title, value), or null. */
    project: (projectId: string) => findProject(db, projectId),
    list: (projectId: string) => list(db, clock.today(), projectId),
    get: async (riskId: string) => {
      const row = await findRisk(db, riskId);
      return row ? presentRisk(row, clock.today()) : null;
    },
    getWithHistory: (riskId: string) => getWithHistory(db, clock.today(), riskId),
    create: (actor: Actor, projectId: string, input: RiskInput) =>
      create(db, clock.today(), actor, projectId, input),
    update: (actor: Actor, riskId: string, input: RiskUpdateInput) =>
      update(db, clock.today(), actor, riskId, input),
    /** Open risks whose review date has passed, per project (pipeline dashboard). */
    overdueReviews: (projectIds: string[]) => overdueReviewCounts(db, projectIds, clock.today()),
  };
}

function changesBetween(
  before: Record<string, unknown> | null,
  after: Record<string, unknown>,
): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const [key, to] of Object.entries(after)) {
    if (key === "version") continue;
    const from = before ? before[key] : null;
    if (from !== to) out[key] = { from, to };
  }
  return out;
}
