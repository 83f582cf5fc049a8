import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.js";
import { tenderQuestions, tenders } from "../../db/schema/index.js";
import type { Actor } from "../../domain/policy.js";
import { hasPqqStage } from "../../domain/tendering.js";
import { ConflictError, NotFoundError, StaleVersionError, ValidationError } from "../../errors.js";
import { recordAudit } from "../audit/service.js";
import { recordEvidence } from "../checklist/service.js";
import { findProject } from "../projects/queries.js";
import { recordAddendum, scheduleReminders } from "./addenda.js";
import { createPackService, requireTender, type TendersDeps } from "./pack/service.js";
import {
  changeQuestions,
  publishedChanges,
  questionAsInput,
  unamendable,
  type QuestionEdit,
} from "./changes.js";
import { draftFactsAfter, draftProblems, procedureOf, questionRows } from "./drafts.js";
import { type QuestionInput, type TenderInput, type TenderUpdateInput } from "./inputs.js";
import { presentTenderSummary } from "./presenter.js";
import {
  findTender,
  publicTenderView,
  questionsOf,
  referencesWithPrefix,
  tenderReadiness,
  tendersOfProject,
  tenderView,
  type TenderRow,
} from "./queries.js";

/**
 * Setting up and publishing a tender (framework §3.9–3.13, App C 5.1–5.5; docs/tendering.md): each use
 * case one transaction with its audit record. A tender is one procurement of a project at Stage 4.
 */

export type { TendersDeps } from "./pack/service.js";

export const STALE_TENDER_MESSAGE = "Someone else changed this tender while you were editing it";

/** Serialises the numbering of references across instances (a transaction-scoped advisory lock). */
const REFERENCE_LOCK_KEY = 7_310_421;

/** The next reference of the programme's year, e.g. KDAAT-2026-001. */
async function nextReference(tx: Executor, programmeCode: string, year: string) {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${REFERENCE_LOCK_KEY})`);
  const prefix = `${programmeCode}-${year}-`;
  const n = (await referencesWithPrefix(tx, prefix)) + 1;
  return `${prefix}${String(n).padStart(3, "0")}`;
}

async function create(deps: TendersDeps, actor: Actor, projectId: string, input: TenderInput) {
  const { db, clock, sealer } = deps;
  const project = await findProject(db, projectId);
  if (!project) throw new NotFoundError("No project has this id");
  const facts = {
    regime: project.regime,
    procedure: input.procedure,
    clarificationDeadline: new Date(input.clarificationDeadline),
    pqqDeadline: input.pqqDeadline ? new Date(input.pqqDeadline) : null,
    submissionDeadline: new Date(input.submissionDeadline),
    questions: input.questions,
  };
  const problems = draftProblems(facts, clock.now());
  if (problems.length) throw new ValidationError(problems);
  // The data key is made for this id: the id is the key's associated data (sealing.ts).
  const id = randomUUID();
  const { wrapped } = sealer.newDataKey(id);
  return db.transaction(async (tx) => {
    const reference = await nextReference(tx, project.programmeCode, clock.today().slice(0, 4));
    const [row] = await tx
      .insert(tenders)
      .values({
        id,
        projectId,
        reference,
        title: input.title,
        description: input.description ?? "",
        procedure: input.procedure,
        lots: input.lots ?? [],
        valuePence: input.valuePence ?? project.estimatedValuePence,
        clarificationDeadline: facts.clarificationDeadline,
        pqqDeadline: facts.pqqDeadline,
        submissionDeadline: facts.submissionDeadline,
        plannedAwardOn: input.plannedAwardOn ?? null,
        wrappedDataKey: wrapped,
      })
      .returning();
    if (!row) throw new Error("tender not stored");
    if (input.questions.length) await tx.insert(tenderQuestions).values(questionRows(id, input.questions));
    await recordAudit(tx, actor, {
      entityType: "tender",
      entityId: id,
      action: "created",
      summary: {
        projectId,
        reference,
        title: input.title,
        procedure: input.procedure,
        questions: input.questions.length,
      },
    });
    return tenderView(tx, row, deps.clock.now());
  });
}

/** A draft changes freely: any field, the questions replaced whole when given. */
async function updateDraft(deps: TendersDeps, actor: Actor, tender: TenderRow, input: TenderUpdateInput) {
  const { db, clock } = deps;
  const project = await findProject(db, tender.projectId);
  if (!project) throw new NotFoundError("No project has this id");
  const questions = input.questions ?? (await questionsOf(db, tender.id)).map(questionAsInput);
  const facts = draftFactsAfter(tender, project.regime, input, questions);
  const problems = draftProblems(facts, clock.now());
  if (problems.length) throw new ValidationError(problems);
  const { version: _version, questions: _questions, ...fields } = input;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(tenders)
      .set({
        ...fields,
        clarificationDeadline: facts.clarificationDeadline,
        pqqDeadline: facts.pqqDeadline,
        submissionDeadline: facts.submissionDeadline,
        version: sql`${tenders.version} + 1`,
        updatedAt: new Date(),
      })
      .where(and(eq(tenders.id, tender.id), eq(tenders.version, tender.version)))
      .returning();
    if (!row) throw new StaleVersionError(STALE_TENDER_MESSAGE);
    if (input.questions) {
      await tx.delete(tenderQuestions).where(eq(tenderQuestions.tenderId, tender.id));
      if (questions.length) await tx.insert(tenderQuestions).values(questionRows(tender.id, questions));
    }
    await recordAudit(tx, actor, {
      entityType: "tender",
      entityId: tender.id,
      action: "updated",
      summary: {
        version: row.version,
        fields: Object.keys(fields),
        questions: input.questions?.length ?? null,
      },
    });
    return tenderView(tx, row, deps.clock.now());
  });
}

/** A published tender changes only its deadlines and description, each change an addendum (App C 5.5). */
async function amendPublished(deps: TendersDeps, actor: Actor, tender: TenderRow, input: TenderUpdateInput) {
  const { db, clock, publicUrl } = deps;
  const refused = unamendable(input);
  if (refused.length) {
    throw new ConflictError("A published tender changes only its deadlines and description", refused);
  }
  const worked = publishedChanges(tender, procedureOf(tender), input, clock.now());
  if (!worked.ok) throw new ValidationError(worked.problems);
  const { amendment } = worked;
  if (!amendment) return tenderView(db, tender, clock.now());
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(tenders)
      .set({ ...amendment.values, version: sql`${tenders.version} + 1`, updatedAt: new Date() })
      .where(and(eq(tenders.id, tender.id), eq(tenders.version, tender.version)))
      .returning();
    if (!row) throw new StaleVersionError(STALE_TENDER_MESSAGE);
    const { addendum, notified } = await recordAddendum(tx, actor, {
      tender: row,
      summary: amendment.summary,
      changes: amendment.changes,
      publicUrl,
    });
    await scheduleReminders(tx, row, amendment.moved);
    await recordAudit(tx, actor, {
      entityType: "tender",
      entityId: tender.id,
      action: "addendum",
      summary: { number: addendum.number, changes: amendment.changes, notified },
    });
    return tenderView(tx, row, deps.clock.now());
  });
}

async function update(deps: TendersDeps, actor: Actor, tenderId: string, input: TenderUpdateInput) {
  const tender = await requireTender(deps.db, tenderId);
  if (input.version !== undefined && input.version !== tender.version) {
    throw new StaleVersionError(STALE_TENDER_MESSAGE, [], { currentVersion: tender.version });
  }
  if (tender.status === "draft") return updateDraft(deps, actor, tender, input);
  if (tender.status === "published") return amendPublished(deps, actor, tender, input);
  throw new ConflictError("A cancelled tender cannot change");
}

/** A draft's questions, one added, changed or removed (the tender page's forms). */
async function editQuestion(deps: TendersDeps, actor: Actor, tenderId: string, edit: QuestionEdit) {
  const tender = await requireTender(deps.db, tenderId);
  if (tender.status !== "draft") {
    throw new ConflictError("The questions are fixed once the tender is published");
  }
  const changed = changeQuestions(await questionsOf(deps.db, tenderId), edit);
  if (!changed) throw new NotFoundError("This tender has no such question");
  try {
    return await updateDraft(deps, actor, tender, { questions: changed.questions });
  } catch (error) {
    // The page shows the edited question's problems on its own fields (questions.3.weightPct → weightPct).
    if (!(error instanceof ValidationError)) throw error;
    const own = `questions.${String(changed.index)}.`;
    const errors = error.errors.map((e) =>
      e.path.startsWith(own) ? { ...e, path: e.path.slice(own.length) } : e,
    );
    throw new ValidationError(errors);
  }
}

/**
 * Publishes the tender (App C 5.1–5.4): refused with the `missing` list unless the project is at Stage 4
 * with its gate's approvals (§3.9–3.10), the pack is complete, the first questionnaire has questions and
 * the timetable is in order from now. Completes the checklist's "advert live" and "ITT issued" (or "PQQ
 * issued", restricted) records and queues the deadline reminders.
 */
async function publish(deps: TendersDeps, actor: Actor, tenderId: string) {
  const { db, clock } = deps;
  return db.transaction(async (tx) => {
    const tender = await requireTender(tx, tenderId, { lock: true });
    if (tender.status !== "draft") throw new ConflictError(`The tender is already ${tender.status}`);
    const now = clock.now();
    const missing = await tenderReadiness(tx, tender, now);
    if (missing.length) {
      const n = missing.length;
      throw new ConflictError(
        `The tender cannot be published: ${String(n)} ${n === 1 ? "thing is" : "things are"} missing`,
        [],
        {
          missing,
        },
      );
    }
    const [row] = await tx
      .update(tenders)
      .set({
        status: "published",
        publishedAt: now,
        version: sql`${tenders.version} + 1`,
        updatedAt: new Date(),
      })
      .where(eq(tenders.id, tenderId))
      .returning();
    if (!row) throw new Error("tender not updated");
    const on = clock.today();
    const issued = hasPqqStage(procedureOf(row)) ? "pqq-issued" : "itt-issued";
    const completed: string[] = [];
    for (const kind of ["advert-live", issued]) {
      const evidence = { projectId: row.projectId, type: "record" as const, kind, id: row.id, on, actor };
      completed.push(...(await recordEvidence(tx, evidence)));
    }
    await scheduleReminders(tx, row);
    await recordAudit(tx, actor, {
      entityType: "tender",
      entityId: tenderId,
      action: "published",
      summary: { reference: row.reference, publishedAt: now.toISOString(), checklistTasks: completed },
    });
    return tenderView(tx, row, now);
  });
}

async function listOfProject(db: Db, projectId: string) {
  const project = await findProject(db, projectId);
  if (!project) return null;
  const rows = await tendersOfProject(db, projectId);
  return { project, items: rows.map(presentTenderSummary) };
}

/** Tenders (docs/tendering.md): set up, published, amended by addenda. */
export function createTendersService(deps: TendersDeps) {
  const { db, clock } = deps;
  return {
    /** The project (for the pages), or null. */
    project: (projectId: string) => findProject(db, projectId),
    list: (projectId: string) => listOfProject(db, projectId),
    /** The staff's view, or null. */
    get: async (tenderId: string) => {
      const tender = await findTender(db, tenderId);
      return tender ? tenderView(db, tender, clock.now()) : null;
    },
    /** A supplier's view: the public part of a published tender, or null (a draft is not found). */
    getPublic: (tenderId: string) => publicTenderView(db, tenderId),
    /** The document pack (App C 5.4): its documents and their uploads. */
    pack: createPackService(deps),
    create: (actor: Actor, projectId: string, input: TenderInput) => create(deps, actor, projectId, input),
    update: (actor: Actor, tenderId: string, input: TenderUpdateInput) =>
      update(deps, actor, tenderId, input),
    addQuestion: (actor: Actor, tenderId: string, question: QuestionInput) =>
      editQuestion(deps, actor, tenderId, { add: question }),
    changeQuestion: (actor: Actor, tenderId: string, questionId: string, question: QuestionInput) =>
      editQuestion(deps, actor, tenderId, { change: questionId, to: question }),
    removeQuestion: (actor: Actor, tenderId: string, questionId: string) =>
      editQuestion(deps, actor, tenderId, { remove: questionId }),
    publish: (actor: Actor, tenderId: string) => publish(deps, actor, tenderId),
  };
}
