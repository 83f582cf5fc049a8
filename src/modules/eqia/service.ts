import type { Clock } from "../../domain/clock.js";
import type { IsoDate } from "../../domain/dates.js";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Executor } from "../../db/client.js";
import { equalityAssessments } from "../../db/schema/index.js";
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
import { presentEqia, type EqiaRow } from "./presenter.js";
import {
  documentOptions,
  equalitiesTeamPeriods,
  isDocumentOf,
  isEqualitiesTeamMember,
  leadCommissionerOf,
  loadEqia,
  uploadedAVersionOf,
} from "./queries.js";
import {
  CHARACTERISTICS,
  CHARACTERISTIC_CODES,
  IMPACTS,
  eqiaScreeningDone,
  screeningRequiresFullAssessment,
} from "./screening.js";

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
  const leadId = await leadCommissionerOf(tx, projectId);
  const uploadedAssessment = fullAssessmentDocumentId
    ? await uploadedAVersionOf(tx, fullAssessmentDocumentId, actorId)
    : false;
  const verdict = mayRecordDecision(actor, "eqia:sign-off", {
    bodyName: "the Equalities team",
    memberships: actor.id ? await equalitiesTeamPeriods(tx, actor.id) : [],
    decidedOn: today,
    today,
    minutesRef: null,
    decision: "approved",
    uploadedSubject: uploadedAssessment,
    leadsProject: leadId === actor.id || (await hasLedProject(tx, projectId, actorId)),
  });
  if (verdict.allowed) return;
  const inTeam = verdict.rule === "own-document" || verdict.rule === "own-project";
  throw new ForbiddenError(inTeam ? verdict.reason : NOT_EQUALITIES_TEAM_MESSAGE, { rule: verdict.rule });
}

/** The project and its assessment (an empty one, version 0, before the first save); null for no project. */
async function get(db: Db, projectId: string) {
  const project = await findProject(db, projectId);
  if (!project) return null;
  const found = await loadEqia(db, projectId);
  return { project, eqia: presentEqia(projectId, found?.row ?? null, found?.signedOffByName ?? null) };
}

/** The assessment as saved now, presented (inside the transaction that changed it). */
async function presentSaved(tx: Executor, projectId: string) {
  const found = await loadEqia(tx, projectId);
  return presentEqia(projectId, found?.row ?? null, found?.signedOffByName ?? null);
}

async function signOffInside(tx: Executor, actor: Actor, projectId: string, row: EqiaRow, today: IsoDate) {
  await checkSignOffAllowed(tx, actor, projectId, row.fullAssessmentDocumentId, today);
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

/** What the save makes of the assessment: its entries, its flags and its full assessment document. */
function savedValues(existing: EqiaRow | null, input: EqiaInput) {
  const entries = input.screening.map((e) => ({
    characteristic: e.characteristic,
    impact: e.impact ?? "",
    evidence: e.evidence ?? "",
    ...(e.mitigation ? { mitigation: e.mitigation } : {}),
  }));
  const byScreening = screeningRequiresFullAssessment(entries);
  const previousByHand =
    Boolean(existing?.fullAssessmentRequired) && !screeningRequiresFullAssessment(existing?.entries ?? []);
  const byHand = input.fullAssessmentRequired ?? previousByHand;
  return {
    entries,
    fullAssessmentRequired: byHand || byScreening,
    fullAssessmentDocumentId:
      input.fullAssessmentDocumentId === undefined
        ? (existing?.fullAssessmentDocumentId ?? null)
        : input.fullAssessmentDocumentId,
    updatedAfterConsultation: input.updatedAfterConsultation ?? existing?.updatedAfterConsultation ?? false,
  };
}
type SavedValues = ReturnType<typeof savedValues>;

function differs(existing: EqiaRow | null, values: SavedValues): boolean {
  return (
    !existing ||
    JSON.stringify(existing.entries) !== JSON.stringify(values.entries) ||
    existing.fullAssessmentRequired !== values.fullAssessmentRequired ||
    existing.fullAssessmentDocumentId !== values.fullAssessmentDocumentId ||
    existing.updatedAfterConsultation !== values.updatedAfterConsultation
  );
}

/** Writes the changed assessment (a change withdraws the sign-off); a stale version is refused. */
async function writeAssessment(
  tx: Executor,
  projectId: string,
  existing: EqiaRow | null,
  values: SavedValues,
  version: number,
) {
  let row: EqiaRow | undefined;
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
      .where(and(eq(equalityAssessments.id, existing.id), eq(equalityAssessments.version, version)))
      .returning();
  } else {
    [row] = await tx
      .insert(equalityAssessments)
      .values({ projectId, ...values })
      .onConflictDoNothing({ target: equalityAssessments.projectId })
      .returning();
  }
  if (!row) throw new StaleVersionError(STALE_EQIA_MESSAGE);
  return row;
}

/** Saves a changed assessment with its audit record, and the screening as evidence once it is done. */
async function saveChanged(
  tx: Executor,
  actor: Actor,
  projectId: string,
  existing: EqiaRow | null,
  values: SavedValues,
  { version, today }: { version: number; today: IsoDate },
) {
  const withdrawn = Boolean(existing?.signedOffById);
  const row = await writeAssessment(tx, projectId, existing, values, version);
  const { entries } = values;
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
  return row;
}

/**
 * Saves the screening (PUT). A stale version is refused (409) and nothing changes. A change to a
 * signed-off assessment withdraws the sign-off: the changed assessment needs signing off again.
 */
async function save(db: Db, clock: Clock, actor: Actor, projectId: string, input: EqiaInput) {
  const project = await findProject(db, projectId);
  if (!project) throw new NotFoundError("No project has this id");
  if (input.fullAssessmentDocumentId && !(await isDocumentOf(db, projectId, input.fullAssessmentDocumentId)))
    throw new ValidationError(
      [{ path: "fullAssessmentDocumentId", message: "Choose a document of this project" }],
      "The full assessment must be a document of this project",
    );
  const today = clock.today();
  return db.transaction(async (tx) => {
    const existing = (await loadEqia(tx, projectId))?.row ?? null;
    if ((existing?.version ?? 0) !== input.version) {
      throw new StaleVersionError(STALE_EQIA_MESSAGE, [], {
        current: presentEqia(projectId, existing, null),
      });
    }
    const values = savedValues(existing, input);
    const row = differs(existing, values)
      ? await saveChanged(tx, actor, projectId, existing, values, { version: input.version, today })
      : existing;
    if (!row) throw new ConflictError("Save the screening before signing it off");
    if (input.signOff) await signOffInside(tx, actor, projectId, row, clock.today());
    return presentSaved(tx, projectId);
  });
}

/** Sign-off by a member of the Equalities team (App C 3); others are refused with 403 (checkSignOffAllowed). */
async function signOff(db: Db, clock: Clock, actor: Actor, projectId: string, version: number) {
  const project = await findProject(db, projectId);
  if (!project) throw new NotFoundError("No project has this id");
  return db.transaction(async (tx) => {
    const existing = (await loadEqia(tx, projectId))?.row ?? null;
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
    await signOffInside(tx, actor, projectId, existing, clock.today());
    return presentSaved(tx, projectId);
  });
}

/** The equality impact assessment of a project (App C 1 and 3): one per project, versioned. */
export function createEqiaService(db: Db, clock: Clock) {
  return {
    get: (projectId: string) => get(db, projectId),
    save: (actor: Actor, projectId: string, input: EqiaInput) => save(db, clock, actor, projectId, input),
    signOff: (actor: Actor, projectId: string, version: number) =>
      signOff(db, clock, actor, projectId, version),
    canSignOff: (actor: Actor | null | undefined) =>
      isEqualitiesTeamMember(db, actor?.id ?? null, clock.today()),
    documentOptions: (projectId: string) => documentOptions(db, projectId),
  };
}
