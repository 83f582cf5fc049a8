import type { Clock } from "../../domain/clock.js";
import type { IsoDate } from "../../domain/dates.js";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Executor } from "../../db/client.js";
import {
  documentVersions,
  equalityAssessments,
  governanceBodies,
  governanceMembers,
  projectDocuments,
  projects,
  users,
} from "../../db/schema/index.js";
import { heldOn, type MembershipPeriod } from "../../domain/decision-authority.js";
import { mayRecordDecision, type Actor } from "../../domain/policy.js";
import { recordAudit } from "../audit/service.js";
import { hasLedProject } from "../projects/queries.js";
import { recordEvidence } from "../checklist/service.js";
import { findProject } from "../checklist/queries.js";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  StaleVersionError,
  ValidationError,
} from "../../errors.js";
import {
  CHARACTERISTICS,
  CHARACTERISTIC_CODES,
  IMPACTS,
  eqiaScreeningDone,
  missingScreening,
  screeningRequiresFullAssessment,
  type ScreeningEntry,
} from "./screening.js";

/** The governance body whose members sign off equality impact assessments (App C 3). */
export const EQUALITIES_TEAM = "EQUALITIES_TEAM";

export const STALE_EQIA_MESSAGE =
  "Someone else changed this equality impact assessment while you were editing it";
export const NOT_EQUALITIES_TEAM_MESSAGE =
  "Only a member of the Equalities team can sign off an equality impact assessment";

export const screeningEntryInput = z.object({
  characteristic: z.enum(CHARACTERISTIC_CODES, { error: "Choose a protected characteristic from the list" }),
  impact: z
    .enum(IMPACTS, { error: "Select positive, neutral, negative or not known yet" })
    .nullable()
    .optional(),
  evidence: z.string().trim().max(4000, "Evidence must be 4,000 characters or fewer").optional(),
  mitigation: z
    .string()
    .trim()
    .max(4000, "Mitigation must be 4,000 characters or fewer")
    .nullable()
    .optional(),
});

/** PUT /projects/:id/eqia (docs/api.md): the screening, the full assessment, the consultation flag, sign-off. */
export const eqiaInput = z.object({
  screening: z
    .array(screeningEntryInput)
    .max(CHARACTERISTICS.length)
    .superRefine((entries, ctx) => {
      const seen = new Set<string>();
      entries.forEach((e, i) => {
        if (seen.has(e.characteristic))
          ctx.addIssue({
            code: "custom",
            path: [i, "characteristic"],
            message: `${e.characteristic} is screened twice`,
          });
        seen.add(e.characteristic);
      });
    }),
  fullAssessmentRequired: z
    .boolean()
    .optional()
    .describe("set by hand; a negative or unknown impact requires a full assessment whatever this says"),
  fullAssessmentDocumentId: z.uuid("Choose a document of this project").nullable().optional(),
  updatedAfterConsultation: z.boolean().optional(),
  signOff: z.boolean().optional().describe("sign off as a member of the Equalities team, after saving"),
  version: z.number({ error: "Send the version you read (0 when there is no assessment yet)" }).int().min(0),
});
export type EqiaInput = z.output<typeof eqiaInput>;

type Row = typeof equalityAssessments.$inferSelect;

export function presentEqia(projectId: string, row: Row | null, signedOffByName: string | null) {
  const entries: ScreeningEntry[] = row?.entries ?? [];
  const byScreening = screeningRequiresFullAssessment(entries);
  const required = Boolean(row?.fullAssessmentRequired) || byScreening;
  const screeningDone = eqiaScreeningDone({ entries });
  const missing = missingScreening(entries);
  const blockers: string[] = [];
  if (!screeningDone)
    blockers.push(
      `Screen every characteristic: ${missing.length} of ${CHARACTERISTICS.length} still need an impact and the evidence for it`,
    );
  if (required && !row?.fullAssessmentDocumentId)
    blockers.push("Add the full assessment document: a full assessment is required");
  return {
    projectId,
    id: row?.id ?? null,
    screening: CHARACTERISTICS.map((c) => {
      const e = entries.find((x) => x.characteristic === c.code);
      return {
        characteristic: c.code,
        name: c.name,
        impact: ((IMPACTS as readonly string[]).includes(e?.impact ?? "") ? e?.impact : null) as
          (typeof IMPACTS)[number] | null,
        evidence: e?.evidence ?? "",
        mitigation: e?.mitigation ?? null,
      };
    }),
    screeningDone,
    missing,
    fullAssessmentRequired: required,
    fullAssessmentRequiredByScreening: byScreening,
    fullAssessmentRequiredByHand: Boolean(row?.fullAssessmentRequired) && !byScreening,
    fullAssessmentDocumentId: row?.fullAssessmentDocumentId ?? null,
    updatedAfterConsultation: row?.updatedAfterConsultation ?? false,
    signedOff:
      row?.signedOffById && row.signedOffOn
        ? { byId: row.signedOffById, byName: signedOffByName ?? "", on: row.signedOffOn }
        : null,
    /** What stands between this assessment and sign-off (empty when it can be signed off). */
    signOffBlockers: blockers,
    version: row?.version ?? 0,
  };
}
export type PresentedEqia = ReturnType<typeof presentEqia>;

/** The user's periods in the Equalities team, past and present (governance_members). */
async function equalitiesTeamPeriods(db: Executor, userId: string): Promise<MembershipPeriod[]> {
  return db
    .select({ role: governanceMembers.role, from: governanceMembers.from, to: governanceMembers.to })
    .from(governanceMembers)
    .innerJoin(governanceBodies, eq(governanceBodies.id, governanceMembers.bodyId))
    .where(and(eq(governanceBodies.code, EQUALITIES_TEAM), eq(governanceMembers.userId, userId)));
}

/** Whether this user is a chair or member of the Equalities team today (who may be offered sign-off). */
export async function isEqualitiesTeamMember(
  db: Executor,
  userId: string | null,
  today: IsoDate,
): Promise<boolean> {
  if (!userId) return false;
  return (await equalitiesTeamPeriods(db, userId)).some((p) => p.role !== "officer" && heldOn(p, today));
}

/**
 * May this person sign off this assessment (App C 3)? The same rule as a body's decision
 * (decision-authority.ts): a member of the Equalities team on the day, who neither uploaded the full
 * assessment nor leads the project. The sign-off carries no minutes reference, so the team's officers
 * do not sign off on its behalf. Refuses with 403 naming the rule.
 */
async function checkSignOffAllowed(
  tx: Executor,
  actor: Actor,
  projectId: string,
  fullAssessmentDocumentId: string | null,
  today: IsoDate,
) {
  const actorId = actor.id ?? "";
  const [project] = await tx
    .select({ leadId: projects.leadCommissionerId })
    .from(projects)
    .where(eq(projects.id, projectId));
  const uploadedAssessment = fullAssessmentDocumentId
    ? (
        await tx
          .select({ id: documentVersions.id })
          .from(documentVersions)
          .where(
            and(
              eq(documentVersions.documentId, fullAssessmentDocumentId),
              eq(documentVersions.uploadedById, actorId),
            ),
          )
          .limit(1)
      ).length > 0
    : false;
  const verdict = mayRecordDecision(actor, "eqia:sign-off", {
    bodyName: "the Equalities team",
    memberships: actor.id ? await equalitiesTeamPeriods(tx, actor.id) : [],
    decidedOn: today,
    today,
    minutesRef: null,
    decision: "approved",
    uploadedSubject: uploadedAssessment,
    leadsProject: project?.leadId === actor.id || (await hasLedProject(tx, projectId, actorId)),
  });
  if (verdict.allowed) return;
  const inTeam = verdict.rule === "own-document" || verdict.rule === "own-project";
  throw new ForbiddenError(inTeam ? verdict.reason : NOT_EQUALITIES_TEAM_MESSAGE, { rule: verdict.rule });
}

/**
 * "EqIA screening done" for the stage 2 gate (App C 1), read inside the caller's transaction:
 * every characteristic screened with its evidence.
 */
export async function isEqiaScreeningDone(db: Executor, projectId: string): Promise<boolean> {
  const [row] = await db
    .select({ entries: equalityAssessments.entries })
    .from(equalityAssessments)
    .where(eq(equalityAssessments.projectId, projectId));
  return eqiaScreeningDone(row ? { entries: row.entries } : null);
}

/** The equality impact assessment of a project (App C 1 and 3): one per project, versioned. */
export function createEqiaService(db: Db, clock: Clock) {
  async function load(tx: Executor, projectId: string) {
    const [found] = await tx
      .select({ row: equalityAssessments, signedOffByName: users.name })
      .from(equalityAssessments)
      .leftJoin(users, eq(users.id, equalityAssessments.signedOffById))
      .where(eq(equalityAssessments.projectId, projectId));
    return found ?? null;
  }

  /** The project and its assessment (an empty one, version 0, before the first save); null for no project. */
  async function get(projectId: string) {
    const project = await findProject(db, projectId);
    if (!project) return null;
    const found = await load(db, projectId);
    return { project, eqia: presentEqia(projectId, found?.row ?? null, found?.signedOffByName ?? null) };
  }

  /** Documents of the project that may be the full assessment. */
  async function documentOptions(projectId: string) {
    return db
      .select({ id: projectDocuments.id, title: projectDocuments.title, kind: projectDocuments.kind })
      .from(projectDocuments)
      .where(eq(projectDocuments.projectId, projectId))
      .orderBy(projectDocuments.title);
  }

  async function signOffInside(tx: Executor, actor: Actor, projectId: string, row: Row) {
    await checkSignOffAllowed(tx, actor, projectId, row.fullAssessmentDocumentId, clock.today());
    const presented = presentEqia(projectId, row, null);
    if (presented.signOffBlockers.length) {
      throw new ConflictError(
        `This assessment cannot be signed off yet. ${presented.signOffBlockers.join(". ")}.`,
        [],
        {
          missing: presented.signOffBlockers,
        },
      );
    }
    const today = clock.today();
    const [signed] = await tx
      .update(equalityAssessments)
      .set({
        signedOffById: actor.id,
        signedOffOn: today,
        version: sql`${equalityAssessments.version} + 1`,
        updatedAt: new Date(),
      })
      .where(and(eq(equalityAssessments.id, row.id), eq(equalityAssessments.version, row.version)))
      .returning();
    if (!signed) throw new StaleVersionError(STALE_EQIA_MESSAGE);
    await recordAudit(tx, actor, {
      entityType: "eqia",
      entityId: signed.id,
      action: "signed-off",
      summary: {
        projectId,
        version: signed.version,
        updatedAfterConsultation: signed.updatedAfterConsultation,
      },
    });
    // App C 3: "Amended EqIA and agreement from Equalities team".
    if (signed.updatedAfterConsultation) {
      await recordEvidence(tx, {
        projectId,
        type: "record",
        kind: "eqia-signed-off",
        id: signed.id,
        on: today,
        actor,
      });
    }
    return signed;
  }

  /**
   * Saves the screening (PUT). A stale version is refused (409) and nothing changes. A change to a
   * signed-off assessment withdraws the sign-off: the changed assessment needs signing off again.
   */
  async function save(actor: Actor, projectId: string, input: EqiaInput) {
    const project = await findProject(db, projectId);
    if (!project) throw new NotFoundError("No project has this id");
    if (input.fullAssessmentDocumentId) {
      const [document] = await db
        .select({ id: projectDocuments.id })
        .from(projectDocuments)
        .where(
          and(
            eq(projectDocuments.id, input.fullAssessmentDocumentId),
            eq(projectDocuments.projectId, projectId),
          ),
        );
      if (!document)
        throw new ValidationError(
          [{ path: "fullAssessmentDocumentId", message: "Choose a document of this project" }],
          "The full assessment must be a document of this project",
        );
    }
    const today = clock.today();
    return db.transaction(async (tx) => {
      const existing = (await load(tx, projectId))?.row ?? null;
      if ((existing?.version ?? 0) !== input.version) {
        throw new StaleVersionError(STALE_EQIA_MESSAGE, [], {
          current: presentEqia(projectId, existing, null),
        });
      }
      const entries = input.screening.map((e) => ({
        characteristic: e.characteristic,
        impact: e.impact ?? "",
        evidence: e.evidence ?? "",
        ...(e.mitigation ? { mitigation: e.mitigation } : {}),
      }));
      const byScreening = screeningRequiresFullAssessment(entries);
      const previousByHand =
        Boolean(existing?.fullAssessmentRequired) &&
        !screeningRequiresFullAssessment(existing?.entries ?? []);
      const byHand = input.fullAssessmentRequired ?? previousByHand;
      const values = {
        entries,
        fullAssessmentRequired: byHand || byScreening,
        fullAssessmentDocumentId:
          input.fullAssessmentDocumentId === undefined
            ? (existing?.fullAssessmentDocumentId ?? null)
            : input.fullAssessmentDocumentId,
        updatedAfterConsultation:
          input.updatedAfterConsultation ?? existing?.updatedAfterConsultation ?? false,
      };
      const changed =
        !existing ||
        JSON.stringify(existing.entries) !== JSON.stringify(values.entries) ||
        existing.fullAssessmentRequired !== values.fullAssessmentRequired ||
        existing.fullAssessmentDocumentId !== values.fullAssessmentDocumentId ||
        existing.updatedAfterConsultation !== values.updatedAfterConsultation;
      let row: Row | undefined = existing ?? undefined;
      if (changed) {
        const withdrawn = Boolean(existing?.signedOffById);
        if (existing) {
          [row] = await tx
            .update(equalityAssessments)
            .set({
              ...values,
              signedOffById: null,
              signedOffOn: null,
              version: sql`${equalityAssessments.version} + 1`,
              updatedAt: new Date(),
            })
            .where(
              and(eq(equalityAssessments.id, existing.id), eq(equalityAssessments.version, input.version)),
            )
            .returning();
        } else {
          [row] = await tx
            .insert(equalityAssessments)
            .values({ projectId, ...values })
            .onConflictDoNothing({ target: equalityAssessments.projectId })
            .returning();
        }
        if (!row) throw new StaleVersionError(STALE_EQIA_MESSAGE);
        const done = eqiaScreeningDone({ entries });
        await recordAudit(tx, actor, {
          entityType: "eqia",
          entityId: row.id,
          action: existing ? "updated" : "created",
          summary: {
            projectId,
            version: row.version,
            screeningDone: done,
            impacts: Object.fromEntries(entries.map((e) => [e.characteristic, e.impact])),
            fullAssessmentRequired: values.fullAssessmentRequired,
            updatedAfterConsultation: values.updatedAfterConsultation,
            ...(withdrawn ? { signOffWithdrawn: true } : {}),
          },
        });
        // App C 1: "EIA screening".
        if (done) {
          await recordEvidence(tx, {
            projectId,
            type: "record",
            kind: "eqia-screening-done",
            id: row.id,
            on: today,
            actor,
          });
        }
      }
      if (!row) throw new ConflictError("Save the screening before signing it off");
      if (input.signOff) await signOffInside(tx, actor, projectId, row);
      const found = await load(tx, projectId);
      return presentEqia(projectId, found?.row ?? null, found?.signedOffByName ?? null);
    });
  }

  /** Sign-off by a member of the Equalities team (App C 3); others are refused with 403 (checkSignOffAllowed). */
  async function signOff(actor: Actor, projectId: string, version: number) {
    const project = await findProject(db, projectId);
    if (!project) throw new NotFoundError("No project has this id");
    return db.transaction(async (tx) => {
      const existing = (await load(tx, projectId))?.row ?? null;
      // Refused before "nothing to sign off": who may sign is said first.
      await checkSignOffAllowed(
        tx,
        actor,
        projectId,
        existing?.fullAssessmentDocumentId ?? null,
        clock.today(),
      );
      if (!existing)
        throw new ConflictError("There is no assessment to sign off yet: save the screening first");
      if (existing.version !== version) {
        throw new StaleVersionError(STALE_EQIA_MESSAGE, [], {
          current: presentEqia(projectId, existing, null),
        });
      }
      await signOffInside(tx, actor, projectId, existing);
      const found = await load(tx, projectId);
      return presentEqia(projectId, found?.row ?? null, found?.signedOffByName ?? null);
    });
  }

  async function canSignOff(actor: Actor | null | undefined) {
    return isEqualitiesTeamMember(db, actor?.id ?? null, clock.today());
  }

  return { get, save, signOff, canSignOff, documentOptions };
}
