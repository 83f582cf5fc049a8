import type { Clock } from "../../domain/clock.js";
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client.js";
import { riskHistory, risks, users } from "../../db/schema/index.js";
import type { Actor } from "../../domain/policy.js";
import { recordAudit } from "../audit/service.js";
import { recordEvidence } from "../checklist/service.js";
import { isoDateField } from "../../inputs.js";
import { findProject } from "../checklist/queries.js";
import { NotFoundError, StaleVersionError } from "../../errors.js";
import { ratingFor, riskScore } from "./heatmap.js";
import { overdueReviewCounts } from "./queries.js";
import { isReviewOverdue } from "../../domain/risk-review.js";

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

type RiskRow = typeof risks.$inferSelect;

const FIELD_NAMES: Partial<Record<string, string>> = {
  title: "Risk",
  description: "Description",
  likelihood: "Likelihood",
  impact: "Impact",
  score: "Score",
  owner: "Owner",
  mitigation: "Mitigation",
  reviewOn: "Review date",
  status: "Status",
};

function shown(value: unknown): string {
  if (value === null || value === undefined || value === "") return "none";
  return typeof value === "string" || typeof value === "number" ? String(value) : JSON.stringify(value);
}

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

export function presentRisk(row: RiskRow, today: string) {
  const score = riskScore(row.likelihood, row.impact);
  const rating = ratingFor(score);
  return {
    id: row.id,
    projectId: row.projectId,
    title: row.title,
    description: row.description,
    likelihood: row.likelihood,
    impact: row.impact,
    score,
    rating: rating.code,
    ratingName: rating.name,
    owner: row.owner,
    mitigation: row.mitigation,
    reviewOn: row.reviewOn,
    status: row.status,
    /** An open risk whose review date has passed. */
    overdue: isReviewOverdue(row, today),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
export type PresentedRisk = ReturnType<typeof presentRisk>;

/** The live risk register of a project (App C 1): every change kept in risk_history and the audit trail. */
export function createRisksService(db: Db, clock: Clock) {
  /** The project's risks, open ones first, highest score first, then the earliest review; null for no such project. */
  async function list(projectId: string) {
    const project = await findProject(db, projectId);
    if (!project) return null;
    const rows = await db
      .select()
      .from(risks)
      .where(eq(risks.projectId, projectId))
      .orderBy(
        asc(sql`CASE WHEN ${risks.status} = 'open' THEN 0 ELSE 1 END`),
        desc(sql`${risks.likelihood} * ${risks.impact}`),
        asc(risks.reviewOn),
        asc(risks.createdAt),
      );
    const today = clock.today();
    const items = rows.map((r) => presentRisk(r, today));
    return { project, items, overdue: items.filter((r) => r.overdue).length };
  }

  async function get(riskId: string) {
    if (!z.uuid().safeParse(riskId).success) return null;
    const [row] = await db.select().from(risks).where(eq(risks.id, riskId));
    return row ? presentRisk(row, clock.today()) : null;
  }

  /** A risk with every change made to it, newest first. */
  async function getWithHistory(riskId: string) {
    const risk = await get(riskId);
    if (!risk) return null;
    const history = await db
      .select({
        version: riskHistory.version,
        snapshot: riskHistory.snapshot,
        changedAt: riskHistory.changedAt,
        changedBy: users.name,
      })
      .from(riskHistory)
      .leftJoin(users, eq(users.id, riskHistory.changedById))
      .where(eq(riskHistory.riskId, riskId))
      .orderBy(desc(riskHistory.version));
    return {
      risk,
      history: history.map((h) => ({
        version: h.version,
        changedAt: h.changedAt.toISOString(),
        changedBy: h.changedBy ?? "the system",
        action: typeof h.snapshot.action === "string" ? h.snapshot.action : "updated",
        before: (h.snapshot.before ?? null) as Record<string, unknown> | null,
        changes: (h.snapshot.changes ?? {}) as Record<string, { from: unknown; to: unknown }>,
        /** The same changes in words, for the page. */
        changeList: Object.entries(
          (h.snapshot.changes ?? {}) as Record<string, { from: unknown; to: unknown }>,
        ).map(([field, c]) => ({ field: FIELD_NAMES[field] ?? field, from: shown(c.from), to: shown(c.to) })),
      })),
    };
  }

  async function create(actor: Actor, projectId: string, input: RiskInput) {
    const project = await findProject(db, projectId);
    if (!project) throw new NotFoundError("No project has this id");
    const today = clock.today();
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

  /** Changes a risk; a stale version is refused (409) and nothing changes. Returns the risk as saved. */
  async function update(actor: Actor, riskId: string, input: RiskUpdateInput) {
    if (!z.uuid().safeParse(riskId).success) throw new NotFoundError("No risk has this id");
    const [current] = await db.select().from(risks).where(eq(risks.id, riskId));
    if (!current) throw new NotFoundError("No risk has this id");
    const today = clock.today();
    if (current.version !== input.version) {
      throw new StaleVersionError(STALE_RISK_MESSAGE, [], { current: presentRisk(current, today) });
    }
    const next = {
      title: input.title ?? current.title,
      description: input.description ?? current.description,
      likelihood: input.likelihood ?? current.likelihood,
      impact: input.impact ?? current.impact,
      owner: input.owner ?? current.owner,
      mitigation: input.mitigation ?? current.mitigation,
      reviewOn: input.reviewOn ?? current.reviewOn,
      status: input.status ?? current.status,
    };
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

  /** Open risks whose review date has passed, per project (pipeline dashboard). */
  async function overdueReviews(projectIds: string[]) {
    return overdueReviewCounts(db, projectIds, clock.today());
  }

  /** The project the register belongs to (title, value), or null. */
  async function project(projectId: string) {
    return findProject(db, projectId);
  }

  return { project, list, get, getWithHistory, create, update, overdueReviews };
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
