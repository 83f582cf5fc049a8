import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Executor } from "../../../db/client.js";
import { submissionCompliance, tenderOpenings } from "../../../db/schema/index.js";
import type { Clock } from "../../../domain/clock.js";
import { can, type Actor } from "../../../domain/policy.js";
import { isLate, SECTIONS, sectionDeadline, type Section } from "../../../domain/tendering.js";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ProblemError,
  ValidationError,
  type FieldError,
} from "../../../errors.js";
import { recordAudit } from "../../audit/service.js";
import { recordEvidence } from "../../checklist/service.js";
import { openContent } from "../sealed-content.js";
import type { Sealer } from "../sealing.js";
import { createPqqService } from "../pqq/service.js";
import { createRemindersService } from "../reminders/service.js";
import { complianceChecks, sectionsOf } from "./compliance.js";
import { presentOpening, type OpeningRecord } from "./presenter.js";
import {
  complianceOf,
  findOpening,
  findSubmission,
  findTender,
  lockTender,
  openingsOf,
  possibleWitnesses,
  sectionQuestions,
  sectionSubmissions,
  usersByIds,
  type TenderRow,
} from "./queries.js";

/** POST /tenders/:id/opening: the witnesses (other procurement officers), and the section to open. */
export const openingInput = z.object({
  witnessUserIds: z
    .array(z.uuid("Select a witness"), { error: "Select a witness" })
    .min(1, "Select a witness: another procurement officer")
    .max(5, "Name five witnesses or fewer"),
  section: z.enum(SECTIONS, { error: "Select PQQ or ITT" }).optional(),
});
export type OpeningInput = z.output<typeof openingInput>;

const NO_REASON = "Say why the submission is not compliant";

/** PUT /tenders/:id/compliance: the officer's conclusion on one opened submission (App C 5.6–5.7). */
export const complianceInput = z
  .object({
    submissionId: z.uuid("Select the submission"),
    compliant: z.boolean({ error: "Select whether the submission is compliant" }),
    reason: z.string().trim().max(2000, "Reason must be 2,000 characters or fewer").optional(),
  })
  .superRefine((input, ctx) => {
    if (!input.compliant && !input.reason) {
      ctx.addIssue({ code: "custom", path: ["reason"], message: NO_REASON });
    }
  });
export type ComplianceInput = z.output<typeof complianceInput>;

const unprocessable = (errors: FieldError[]) =>
  new ProblemError(422, "Unprocessable content", errors[0]?.message ?? "The request cannot be met", errors);

async function loadTender(db: Db, tenderId: string): Promise<TenderRow> {
  const tender = await findTender(db, tenderId);
  if (!tender) throw new NotFoundError("No tender has this id");
  return tender;
}

/** The opening page and GET /tenders/:id/opening: each section's deadline and its opening, if recorded. */
async function overview(db: Db, clock: Clock, tenderId: string) {
  const tender = await findTender(db, tenderId);
  if (!tender) return null;
  const [openings, compliance] = await Promise.all([openingsOf(db, tenderId), complianceOf(db, tenderId)]);
  const now = clock.now();
  const sections = sectionsOf(tender).map((section) => {
    const deadline = sectionDeadline(section, tender);
    const row = openings.find((o) => o.section === section);
    return {
      section,
      deadline: deadline?.toISOString() ?? null,
      deadlinePassed: deadline !== null && isLate(now, deadline),
      opening: row ? presentOpening(row, compliance) : null,
    };
  });
  return { tender, sections };
}

/** Who may witness: the active procurement officers other than the person opening. */
async function witnesses(db: Db, actor: Actor | null) {
  return possibleWitnesses(db, actor?.id ?? null);
}

/**
 * The witnesses must be other, active procurement officers (App C 5.6): 422 naming the field otherwise.
 * The opening names two officers (`witnessUserIds`): the person recording may list themselves beside the witness, and is
 * then not counted again; at least one other officer must be named.
 */
async function checkWitnesses(db: Db, actor: Actor, witnessUserIds: string[]) {
  const found = new Map((await usersByIds(db, witnessUserIds)).map((u) => [u.id, u]));
  const errors: FieldError[] = [];
  witnessUserIds.forEach((id, i) => {
    const path = `witnessUserIds.${i}`;
    const user = found.get(id);
    if (id === actor.id) return;
    if (witnessUserIds.indexOf(id) !== i) errors.push({ path, message: "Name each witness once" });
    else if (!user?.active) errors.push({ path, message: "The witness must be an active user" });
    else if (!user.roles.includes("procurement-officer"))
      errors.push({ path, message: "The witness must be a procurement officer" });
  });
  const others = witnessUserIds.filter((id) => id !== actor.id);
  if (others.length === 0) {
    const path = `witnessUserIds.${String(Math.max(0, witnessUserIds.indexOf(actor.id ?? "")))}`;
    errors.push({ path, message: "The witness must be someone other than you" });
  }
  if (errors.length) throw unprocessable(errors);
  return others.map((id) => ({ id, name: found.get(id)?.name ?? "" }));
}

function sectionToOpen(tender: TenderRow, requested: Section | undefined, opened: Section[]): Section {
  const sections = sectionsOf(tender);
  if (requested && !sections.includes(requested)) {
    throw unprocessable([{ path: "section", message: "This tender has no PQQ stage: open its ITT" }]);
  }
  return requested ?? sections.find((s) => !opened.includes(s)) ?? "itt";
}

type Submissions = Awaited<ReturnType<typeof sectionSubmissions>>;

interface OpeningPlan {
  tender: TenderRow;
  section: Section;
  deadline: Date;
  now: Date;
  openedBy: { id: string; name: string };
  witnesses: { id: string; name: string }[];
}

/** The record of the opening: every submitted submission with its time and hash, and the rest counted. */
function openingRecord(plan: OpeningPlan, all: Submissions): OpeningRecord {
  return {
    section: plan.section,
    deadline: plan.deadline.toISOString(),
    openedBy: plan.openedBy,
    witnesses: plan.witnesses,
    submissions: all
      .filter((s) => s.status === "submitted")
      .map((s) => ({
        submissionId: s.id,
        organisationId: s.organisationId,
        organisationName: s.organisationName,
        submittedAt: s.submittedAt?.toISOString() ?? "",
        sha256: s.sha256 ?? "",
        lotCodes: s.lotCodes,
      })),
    withdrawnCount: all.filter((s) => s.status === "withdrawn").length,
    supersededCount: all.filter((s) => s.status === "superseded").length,
  };
}

/** What is checked before an opening: the tender, the section, its deadline passed, the witnesses. */
async function planOpening(db: Db, clock: Clock, actor: Actor, tenderId: string, input: OpeningInput) {
  const tender = await loadTender(db, tenderId);
  if (!actor.id || !can(actor, "tenders:open")) {
    throw new ForbiddenError("Only a procurement officer records an opening (App C 5.6)");
  }
  if (tender.status !== "published") throw new ConflictError("Only a published tender can be opened");
  const already = (await openingsOf(db, tenderId)).map((o) => o.section);
  const section = sectionToOpen(tender, input.section, already);
  const deadline = sectionDeadline(section, tender);
  const now = clock.now();
  if (!deadline || !isLate(now, deadline)) {
    throw new ConflictError(
      `The ${section.toUpperCase()} deadline has not passed: submissions open only after it (App C 5.6)`,
    );
  }
  const witnesses = await checkWitnesses(db, actor, input.witnessUserIds);
  const [opener] = await usersByIds(db, [actor.id]);
  const plan: OpeningPlan = {
    tender,
    section,
    deadline,
    now,
    openedBy: { id: actor.id, name: opener?.name ?? actor.label },
    witnesses,
  };
  return plan;
}

/** App C 5.6 "tenders opened", then 5.7: the evaluation team may read the opened tenders. */
async function ittOpenedEvidence(
  tx: Executor,
  projectId: string,
  openingId: string,
  on: string,
  actor: Actor,
) {
  for (const kind of ["tenders-opened", "evaluation-access-given"]) {
    await recordEvidence(tx, { projectId, type: "record", kind, id: openingId, on, actor });
  }
}

/**
 * Records the opening of a section (App C 5.6): after its deadline by the server's clock, by a
 * procurement officer with another as witness. In one transaction: the record of every submitted
 * submission (organisation, time, hash) and the counts of withdrawn and superseded ones; each one's
 * compliance checks, read from its sealed content; the checklist's records; the audit.
 */
async function open(
  db: Db,
  clock: Clock,
  sealer: Sealer,
  actor: Actor,
  tenderId: string,
  input: OpeningInput,
) {
  const plan = await planOpening(db, clock, actor, tenderId, input);
  const { tender, section, deadline } = plan;
  const questions = await sectionQuestions(db, tenderId, section);
  const dataKey = sealer.dataKey(tender.id, tender.wrappedDataKey);
  const openingId = await db.transaction(async (tx) => {
    await lockTender(tx, tenderId);
    if (await findOpening(tx, tenderId, section)) {
      throw new ConflictError(`The ${section.toUpperCase()} has already been opened`);
    }
    const all = await sectionSubmissions(tx, tenderId, section);
    const record = openingRecord(plan, all);
    const [row] = await tx
      .insert(tenderOpenings)
      .values({
        tenderId,
        section,
        openedAt: plan.now,
        openedById: plan.openedBy.id,
        witnessIds: plan.witnesses.map((w) => w.id),
        record,
      })
      .returning({ id: tenderOpenings.id });
    if (!row) throw new Error("opening not stored");
    const checks = all
      .filter((s) => s.status === "submitted")
      .map((s) => ({
        submissionId: s.id,
        ...complianceChecks(questions, openContent(dataKey, s.id, s.sealedContent), s.submittedAt, deadline),
      }));
    if (checks.length) await tx.insert(submissionCompliance).values(checks);
    await recordAudit(tx, actor, {
      entityType: "tender",
      entityId: tenderId,
      action: `${section}-opened`,
      summary: { openingId: row.id, ...record, compliance: checks },
    });
    if (section === "itt") await ittOpenedEvidence(tx, tender.projectId, row.id, clock.today(), actor);
    return row.id;
  });
  const found = await overview(db, clock, tenderId);
  const opened = found?.sections.find((s) => s.opening?.id === openingId)?.opening;
  if (!opened) throw new Error("opening not found after it was stored");
  return opened;
}

/** The officer's compliance conclusion on an opened submission; the last of the ITT's completes App C "compliance". */
async function recordCompliance(
  db: Db,
  clock: Clock,
  actor: Actor,
  tenderId: string,
  input: ComplianceInput,
) {
  if (!input.compliant && !input.reason) {
    throw new ValidationError([{ path: "reason", message: NO_REASON }]);
  }
  const tender = await loadTender(db, tenderId);
  const submission = await findSubmission(db, tenderId, input.submissionId);
  if (!submission) throw new NotFoundError("No submission of this tender has this id");
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(submissionCompliance)
      .set({
        compliant: input.compliant,
        reason: input.reason ?? null,
        recordedById: actor.id,
        version: sql`${submissionCompliance.version} + 1`,
        updatedAt: new Date(),
      })
      .where(eq(submissionCompliance.submissionId, submission.id))
      .returning();
    if (!row) throw new ConflictError("This submission has not been opened: record the opening first");
    await recordAudit(tx, actor, {
      entityType: "tender-submission",
      entityId: submission.id,
      action: "compliance-recorded",
      summary: { tenderId, compliant: input.compliant, reason: input.reason ?? null },
    });
    if (submission.section === "itt") {
      const itt = (await complianceOf(tx, tenderId)).filter((c) => c.section === "itt");
      if (itt.every((c) => c.compliant !== null)) {
        await recordEvidence(tx, {
          projectId: tender.projectId,
          type: "record",
          kind: "compliance-assessed",
          id: tenderId,
          on: clock.today(),
          actor,
        });
      }
    }
    return {
      submissionId: row.submissionId,
      late: row.late,
      missingQuestionCodes: row.missingQuestionCodes,
      failedQuestionCodes: row.failedQuestionCodes,
      compliant: row.compliant,
      reason: row.reason,
    };
  });
}

/** Whether the section's opening is recorded: what lifts the seal (docs/tendering.md). */
async function isOpened(db: Db, tenderId: string, section: Section) {
  const tender = await findTender(db, tenderId);
  return tender ? (await findOpening(db, tenderId, section)) !== null : false;
}

export function createOpeningService(db: Db, clock: Clock, sealer: Sealer) {
  return {
    overview: (tenderId: string) => overview(db, clock, tenderId),
    witnesses: (actor: Actor | null) => witnesses(db, actor),
    open: (actor: Actor, tenderId: string, input: OpeningInput) =>
      open(db, clock, sealer, actor, tenderId, input),
    recordCompliance: (actor: Actor, tenderId: string, input: ComplianceInput) =>
      recordCompliance(db, clock, actor, tenderId, input),
    isOpened: (tenderId: string, section: Section) => isOpened(db, tenderId, section),
  };
}

/**
 * The opening, the PQQ stage and the deadline reminders (docs/tendering.md), made together in the
 * composition root: `services.tenderOpening.{opening, pqq, reminders}`.
 */
export function createTenderOpeningServices(db: Db, clock: Clock, sealer: Sealer, publicUrl: string) {
  return {
    opening: createOpeningService(db, clock, sealer),
    pqq: createPqqService(db, clock, sealer, publicUrl),
    reminders: createRemindersService(db, publicUrl),
  };
}
