import fs from "node:fs";
import { asc, eq, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.js";
import type { Clock } from "../../domain/clock.js";
import {
  decisions,
  documentVersions,
  governanceBodies,
  projectDocuments,
  projects,
} from "../../db/schema/index.js";
import { mayRecordDecision, type Actor } from "../../domain/policy.js";
import {
  evaluateGate,
  procurementBoardInvolved,
  rejectRecommendation,
  type ProjectSnapshot,
  type Stage,
} from "../../domain/stages.js";
import { templateTask } from "../../domain/checklist-template.js";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../errors.js";
import { recordAudit } from "../audit/service.js";
import type { ChangeVersion } from "../audit/changes.js";
import { instantiateChecklist, recordEvidence, revalueChecklist } from "../checklist/service.js";
import type { DocumentStore } from "../documents/store.js";
import {
  defaultRegime,
  documentFields,
  zodIssues,
  type DecisionInput,
  type ProjectCreateInput,
  type ProjectPatchInput,
} from "./inputs.js";
import {
  commissionerOptions,
  decisionsOf,
  documentsWithVersions,
  bodyMembers,
  findBody,
  findDocument,
  findDocumentByTitle,
  findProject,
  findVersion,
  leadName,
  listProjects,
  loadSnapshots,
  decidedAsMember,
  membershipsOf,
  hasLedProject,
  uploadedAVersion,
  overdueRiskReviews,
  overdueTasks,
  projectsWithOverdueTasks,
  timelineRows,
  userExists,
  type ProjectRow,
} from "./queries.js";
import { nextDecisions, presentProject, presentTimelineItem, stageOf } from "./presenter.js";
import { checkDocumentFile, type SpooledFile } from "./upload.js";
import { createIncumbentsService } from "./incumbents.js";
import { createPipelineService } from "./pipeline.js";
import { announceAwaitedDecisions, gateNow } from "./decision-notices.js";
import type { MessageLinks } from "../notifications/links.js";

/** What a decision is about; for a document, the version before the body and what it is. */
interface DecisionSubject {
  subjectType: "document" | "project";
  subjectVersion: number | null;
  subjectKind: string | null;
  subjectTitle: string | null;
}

const STALE_MESSAGE =
  "Someone else changed this project since you opened it. Nothing has been saved: check the current details and try again.";

function stored(stage: Stage): string {
  return String(stage);
}

function snapshotOf(snapshots: Map<string, ProjectSnapshot>, id: string): ProjectSnapshot {
  const snapshot = snapshots.get(id);
  if (!snapshot) throw new Error("project snapshot missing");
  return snapshot;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  const n = Number.parseInt(Buffer.from(cursor, "base64url").toString(), 10);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function encodeCursor(offset: number): string {
  return Buffer.from(String(offset)).toString("base64url");
}

/**
 * Commissioning projects through the five stages: one use case per function,
 * one transaction each, its audit record inside it.
 */
export function createProjectsService(
  db: Db,
  documents: DocumentStore,
  changes: ChangeVersion,
  links: MessageLinks,
  clock: Clock,
) {
  const incumbents = createIncumbentsService(db, clock);
  const pipeline = createPipelineService(db, changes, clock);

  async function present(row: ProjectRow) {
    const snapshots = await loadSnapshots(db, [row]);
    return presentProject(
      row,
      await leadName(db, row.leadCommissionerId),
      evaluateGate(snapshotOf(snapshots, row.id)),
    );
  }

  async function requireProject(id: string) {
    const row = await findProject(db, id);
    if (!row) throw new NotFoundError("No project has this id");
    return row;
  }

  async function create(actor: Actor, input: ProjectCreateInput) {
    const startedOn = input.startedOn ?? clock.today();
    const row = await db.transaction(async (tx) => {
      if (input.leadCommissionerId && !(await userExists(tx, input.leadCommissionerId))) {
        throw new ValidationError([{ path: "leadCommissionerId", message: "No user has this id" }]);
      }
      const values = {
        title: input.title,
        description: input.description ?? "",
        programmeCode: input.programmeCode,
        programmeCodes: unique(input.programmeCodes ?? []).filter((c) => c !== input.programmeCode),
        leadCommissionerId: input.leadCommissionerId ?? actor.id,
        estimatedValuePence: input.estimatedValuePence,
        contractMonths: input.contractMonths ?? null,
        regime: input.regime ?? defaultRegime(startedOn),
        startedOn,
      };
      const [inserted] = await tx.insert(projects).values(values).returning();
      if (!inserted) throw new Error("project not stored");
      await recordAudit(tx, actor, {
        entityType: "project",
        entityId: inserted.id,
        action: "created",
        summary: { ...values },
      });
      await instantiateChecklist(tx, {
        projectId: inserted.id,
        estimatedValuePence: inserted.estimatedValuePence,
      });
      return inserted;
    });
    return present(row);
  }

  async function list(query: {
    programmeCode?: string | undefined;
    stage?: string | undefined;
    overdue?: boolean | undefined;
    limit: number;
    cursor?: string | undefined;
  }) {
    const offset = decodeCursor(query.cursor);
    const today = clock.today();
    const { rows, more, total } = await listProjects(db, {
      programmeCode: query.programmeCode,
      stage: query.stage,
      overdueOn: query.overdue ? today : undefined,
      offset,
      limit: query.limit,
    });
    const projectRows = rows.map((r) => r.project);
    const [snapshots, overdue] = await Promise.all([
      loadSnapshots(db, projectRows),
      projectsWithOverdueTasks(
        db,
        projectRows.map((r) => r.id),
        today,
      ),
    ]);
    const items = rows.map((r) => ({
      ...presentProject(r.project, r.leadName, evaluateGate(snapshotOf(snapshots, r.project.id))),
      overdue: overdue.has(r.project.id),
    }));
    return {
      items,
      total,
      offset,
      ...(more ? { nextCursor: encodeCursor(offset + query.limit) } : {}),
      ...(offset > 0 ? { previousCursor: encodeCursor(Math.max(0, offset - query.limit)) } : {}),
    };
  }

  async function get(id: string) {
    const row = await findProject(db, id);
    return row ? present(row) : null;
  }

  async function update(actor: Actor, id: string, input: ProjectPatchInput) {
    const row = await db.transaction(async (tx) => {
      const current = await findProject(tx, id, { lock: true });
      if (!current) throw new NotFoundError("No project has this id");
      if (current.version !== input.version) {
        throw new ConflictError(STALE_MESSAGE, [{ path: "version", message: STALE_MESSAGE }], {
          currentVersion: current.version,
        });
      }
      if (input.leadCommissionerId && !(await userExists(tx, input.leadCommissionerId))) {
        throw new ValidationError([{ path: "leadCommissionerId", message: "No user has this id" }]);
      }
      const lead = input.programmeCode ?? current.programmeCode;
      const next = {
        title: input.title ?? current.title,
        description: input.description ?? current.description,
        programmeCode: lead,
        programmeCodes: unique(input.programmeCodes ?? current.programmeCodes).filter((c) => c !== lead),
        leadCommissionerId:
          input.leadCommissionerId === undefined ? current.leadCommissionerId : input.leadCommissionerId,
        estimatedValuePence: input.estimatedValuePence ?? current.estimatedValuePence,
        contractMonths: input.contractMonths === undefined ? current.contractMonths : input.contractMonths,
        regime: input.regime ?? current.regime,
        startedOn: input.startedOn ?? current.startedOn,
      };
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const [key, value] of Object.entries(next)) {
        const before = current[key as keyof typeof next];
        if (JSON.stringify(before) !== JSON.stringify(value)) changes[key] = { from: before, to: value };
      }
      if (Object.keys(changes).length === 0) return current;
      const [updated] = await tx
        .update(projects)
        .set({ ...next, version: sql`${projects.version} + 1`, updatedAt: new Date() })
        .where(sql`${projects.id} = ${id} AND ${projects.version} = ${input.version}`)
        .returning();
      if (!updated) throw new ConflictError(STALE_MESSAGE, [{ path: "version", message: STALE_MESSAGE }]);
      await recordAudit(tx, actor, {
        entityType: "project",
        entityId: id,
        action: "updated",
        summary: { changes, version: updated.version },
      });
      if (changes.estimatedValuePence) {
        await revalueChecklist(tx, {
          projectId: id,
          estimatedValuePence: updated.estimatedValuePence,
          actor,
        });
      }
      return updated;
    });
    return present(row);
  }

  /**
   * Stores a new document, or a new version of the document of the same kind and title. Every check
   * runs before a byte reaches the store: fields, size, emptiness and the type sniffed from the bytes.
   */
  async function uploadDocument(
    actor: Actor,
    projectId: string,
    fields: Record<string, string>,
    file: SpooledFile | null,
  ) {
    await requireProject(projectId);
    const parsed = documentFields.safeParse(fields);
    if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
    const { mediaType, file: spooled } = await checkDocumentFile(file);
    const blob = await documents.save(fs.createReadStream(spooled.path), mediaType, spooled.limitBytes);
    const { kind, title } = parsed.data;
    return db.transaction(async (tx) => {
      // One upload at a time per project, so two uploads of a new title cannot make two documents.
      if (!(await findProject(tx, projectId, { lock: true })))
        throw new NotFoundError("No project has this id");
      const gateBefore = await gateNow(tx, projectId);
      const existing = await findDocumentByTitle(tx, projectId, kind, title);
      let documentId: string;
      let version: number;
      if (existing) {
        version = existing.latestVersion + 1;
        documentId = existing.id;
        await tx
          .update(projectDocuments)
          .set({ latestVersion: version, updatedAt: new Date() })
          .where(eq(projectDocuments.id, existing.id));
      } else {
        version = 1;
        const [inserted] = await tx
          .insert(projectDocuments)
          .values({ projectId, kind, title, latestVersion: 1 })
          .returning({ id: projectDocuments.id });
        if (!inserted) throw new Error("document not stored");
        documentId = inserted.id;
      }
      await tx.insert(documentVersions).values({
        documentId,
        version,
        blobId: blob.id,
        sha256: blob.sha256,
        bytes: blob.bytes,
        mediaType,
        fileName: spooled.fileName,
        uploadedById: actor.id,
      });
      const documentTitle = existing?.title ?? title;
      await recordAudit(tx, actor, {
        entityType: "document",
        entityId: documentId,
        action: "uploaded",
        summary: {
          projectId,
          kind,
          title: documentTitle,
          version,
          sha256: blob.sha256,
          bytes: blob.bytes,
          mediaType,
          fileName: spooled.fileName,
        },
      });
      await recordEvidence(tx, {
        projectId,
        type: "document",
        kind,
        id: documentId,
        on: clock.today(),
        actor,
      });
      await announceAwaitedDecisions(tx, links, projectId, gateBefore, clock.today());
      return {
        id: documentId,
        projectId,
        kind,
        title: documentTitle,
        version,
        sha256: blob.sha256,
        bytes: blob.bytes,
        mediaType,
        fileName: spooled.fileName,
      };
    });
  }

  async function listDocuments(projectId: string) {
    await requireProject(projectId);
    const docs = await documentsWithVersions(db, projectId);
    return docs.map((d) => ({
      id: d.id,
      kind: d.kind,
      title: d.title,
      latestVersion: d.latestVersion,
      versions: d.versions.map((v) => ({
        version: v.version,
        sha256: v.sha256,
        bytes: v.bytes,
        mediaType: v.mediaType,
        fileName: v.fileName,
        uploadedAt: v.uploadedAt.toISOString(),
        uploadedBy: v.uploadedBy,
      })),
    }));
  }

  /** One version of a document, as a stream with its type and name; earlier versions stay readable. */
  async function openDocumentVersion(projectId: string, documentId: string, version: number) {
    const doc = await findDocument(db, documentId);
    if (doc?.projectId !== projectId) throw new NotFoundError("This project has no such document");
    const found = await findVersion(db, documentId, version);
    if (!found) throw new NotFoundError("This document has no such version");
    const blob = await documents.open(found.sha256);
    if (!blob) throw new NotFoundError("The file of this version is missing from storage");
    return {
      stream: blob.stream,
      mediaType: found.mediaType,
      fileName: found.fileName,
      bytes: found.bytes,
      sha256: found.sha256,
    };
  }

  function presentDecision(row: Awaited<ReturnType<typeof decisionsOf>>[number]) {
    const d = row.decision;
    return {
      id: d.id,
      projectId: d.projectId,
      subjectType: d.subjectType,
      subjectId: d.subjectId,
      subjectVersion: d.subjectVersion,
      subjectKind: row.subjectKind,
      subjectTitle: row.subjectTitle,
      bodyCode: d.bodyCode,
      decision: d.decision,
      decidedOn: d.decidedOn,
      minutesRef: d.minutesRef,
      conditions: d.conditions,
      memberId: d.memberId,
      memberName: row.memberName,
      recordedById: d.recordedById,
      recordedByName: row.recordedByName,
      onBehalf: d.onBehalf,
      recordedAt: d.createdAt.toISOString(),
    };
  }

  /** What a decision is about: a document of this project (its latest version), or the project itself. */
  async function decisionSubject(
    tx: Executor,
    projectId: string,
    subjectId: string,
  ): Promise<DecisionSubject> {
    if (subjectId === projectId) {
      return { subjectType: "project", subjectVersion: null, subjectKind: null, subjectTitle: null };
    }
    const doc = await findDocument(tx, subjectId);
    if (doc?.projectId !== projectId) {
      throw new ValidationError([
        { path: "subjectId", message: "Select a document of this project, or the project itself" },
      ]);
    }
    return {
      subjectType: "document",
      subjectVersion: doc.latestVersion,
      subjectKind: doc.kind,
      subjectTitle: doc.title,
    };
  }

  /**
   * A governance body's decision (§2, §3.4–3.17). A chair or member of the body on the meeting date
   * records it in their own name; one of the body's officers records it on its behalf with the minutes
   * reference, naming the member where known. Nobody records an approval of a document they uploaded,
   * nor of anything in a project they lead (separation of duties: decision-authority.ts).
   */
  async function recordDecision(actor: Actor, projectId: string, input: DecisionInput) {
    const today = clock.today();
    if (input.decidedOn > today) {
      throw new ValidationError([
        { path: "decidedOn", message: "The meeting date must be today or in the past" },
      ]);
    }
    const actorId = actor.id;
    if (!actorId) throw new ForbiddenError("A decision is recorded by a person");
    const id = await db.transaction(async (tx) => {
      const project = await findProject(tx, projectId, { lock: true });
      if (!project) throw new NotFoundError("No project has this id");
      const body = await findBody(tx, input.bodyCode);
      if (!body) throw new ValidationError([{ path: "bodyCode", message: "Select a governance body" }]);
      const { subjectType, subjectVersion, subjectKind, subjectTitle } = await decisionSubject(
        tx,
        projectId,
        input.subjectId,
      );
      const verdict = mayRecordDecision(actor, "decisions:record", {
        bodyName: body.name,
        memberships: await membershipsOf(tx, body.id, actorId),
        decidedOn: input.decidedOn,
        today,
        minutesRef: input.minutesRef,
        decision: input.decision,
        uploadedSubject: subjectType === "document" && (await uploadedAVersion(tx, input.subjectId, actorId)),
        leadsProject:
          project.leadCommissionerId === actorId || (await hasLedProject(tx, project.id, actorId)),
      });
      if (!verdict.allowed) throw new ForbiddenError(verdict.reason, { rule: verdict.rule });
      const onBehalf = verdict.capacity === "officer";
      let memberId: string | null = actorId;
      if (onBehalf) {
        memberId = input.memberId ?? null;
        if (memberId && !(await decidedAsMember(tx, body.id, memberId, input.decidedOn))) {
          throw new ValidationError([
            {
              path: "memberId",
              message: `This person was not a member of ${body.name} on the date of the meeting`,
            },
          ]);
        }
      }
      const [inserted] = await tx
        .insert(decisions)
        .values({
          projectId,
          subjectType,
          subjectId: input.subjectId,
          subjectVersion,
          bodyCode: body.code,
          decision: input.decision,
          decidedOn: input.decidedOn,
          minutesRef: input.minutesRef,
          conditions: input.conditions ?? null,
          memberId,
          recordedById: actorId,
          onBehalf,
        })
        .returning({ id: decisions.id });
      if (!inserted) throw new Error("decision not stored");
      await recordAudit(tx, actor, {
        entityType: "decision",
        entityId: inserted.id,
        action: "recorded",
        summary: {
          projectId,
          bodyCode: body.code,
          decision: input.decision,
          decidedOn: input.decidedOn,
          minutesRef: input.minutesRef,
          conditions: input.conditions ?? null,
          subjectType,
          subjectId: input.subjectId,
          subjectVersion,
          subjectKind,
          subjectTitle,
          memberId,
          onBehalf,
        },
      });
      await recordEvidence(tx, {
        projectId,
        type: "decision",
        kind: subjectKind ?? "procurement-plan",
        bodyCode: body.code,
        decision: input.decision,
        id: inserted.id,
        on: input.decidedOn,
        actor,
      });
      return inserted.id;
    });
    const [row] = await decisionsOf(db, projectId, id);
    if (!row) throw new Error("decision not found after recording");
    return presentDecision(row);
  }

  async function listDecisions(projectId: string) {
    await requireProject(projectId);
    return (await decisionsOf(db, projectId)).map(presentDecision);
  }

  /** Moves the project to its next stage when its gate is met; otherwise 409 with what is missing. */
  async function advance(actor: Actor, id: string, expectedVersion?: number) {
    return db.transaction(async (tx) => {
      const row = await findProject(tx, id, { lock: true });
      if (!row) throw new NotFoundError("No project has this id");
      if (expectedVersion !== undefined && row.version !== expectedVersion) {
        throw new ConflictError(STALE_MESSAGE, [{ path: "version", message: STALE_MESSAGE }], {
          currentVersion: row.version,
        });
      }
      const gate = evaluateGate(snapshotOf(await loadSnapshots(tx, [row]), id));
      if (gate.nextStage === null) {
        throw new ConflictError(
          `The project cannot move on: ${gate.missing[0]?.reason ?? "it has ended"}`,
          [],
          { missing: gate.missing },
        );
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
      const from = stageOf(row);
      const [updated] = await tx
        .update(projects)
        .set({
          stage: stored(gate.nextStage),
          outcome: gate.nextStage === "closed" ? "completed" : row.outcome,
          version: sql`${projects.version} + 1`,
          updatedAt: new Date(),
        })
        .where(eq(projects.id, id))
        .returning();
      if (!updated) throw new Error("project not updated");
      await recordAudit(tx, actor, {
        entityType: "project",
        entityId: id,
        action: "advanced",
        summary: { from, to: gate.nextStage },
      });
      await announceAwaitedDecisions(tx, links, id, gate, clock.today());
      return { stage: gate.nextStage, version: updated.version };
    });
  }

  /** §3.17: the recommendation was rejected; the procurement ends and the project records it. */
  async function reject(actor: Actor, id: string, input: { reason: string; version?: number | undefined }) {
    return db.transaction(async (tx) => {
      const row = await findProject(tx, id, { lock: true });
      if (!row) throw new NotFoundError("No project has this id");
      if (input.version !== undefined && row.version !== input.version) {
        throw new ConflictError(STALE_MESSAGE, [{ path: "version", message: STALE_MESSAGE }], {
          currentVersion: row.version,
        });
      }
      const snapshot = snapshotOf(await loadSnapshots(tx, [row]), id);
      const result = rejectRecommendation(snapshot);
      if (!result.ok) {
        throw new ConflictError(`${result.reason} (${result.paragraph})`, [], {
          paragraph: result.paragraph,
        });
      }
      const { record } = result;
      const [updated] = await tx
        .update(projects)
        .set({
          stage: record.stage,
          outcome: record.outcome,
          outcomeReason: input.reason,
          version: sql`${projects.version} + 1`,
          updatedAt: new Date(),
        })
        .where(eq(projects.id, id))
        .returning();
      if (!updated) throw new Error("project not updated");
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

  async function timeline(projectId: string) {
    await requireProject(projectId);
    const rows = await timelineRows(db, projectId);
    return { items: rows.map(presentTimelineItem) };
  }

  /** People who may lead a project, for the project form. */
  async function formOptions() {
    return { commissioners: await commissionerOptions(db) };
  }

  async function bodies() {
    return db
      .select({ id: governanceBodies.id, code: governanceBodies.code, name: governanceBodies.name })
      .from(governanceBodies)
      .orderBy(asc(governanceBodies.name));
  }

  /**
   * Everything the project's home page shows: stage, what is missing to move on, what is overdue, which
   * bodies must decide what next; then documents, decisions and the forms to add them. (The page keeps
   * what it renders from this until the next audited change: projects/routes.ts.)
   */
  async function homePage(id: string) {
    const row = await findProject(db, id);
    if (!row) return null;
    const today = clock.today();
    // Independent reads: on PostgreSQL they run side by side on the pool.
    const [
      snapshots,
      lead,
      allBodies,
      members,
      overdue,
      riskReviews,
      docs,
      decisionRows,
      contracts,
      providers,
    ] = await Promise.all([
      loadSnapshots(db, [row]),
      leadName(db, row.leadCommissionerId),
      bodies(),
      bodyMembers(db, today),
      overdueTasks(db, id, today),
      overdueRiskReviews(db, id, today),
      documentsWithVersions(db, id),
      decisionsOf(db, id),
      incumbents.listOfFound(id),
      incumbents.providerOptions(),
    ]);
    const snapshot = snapshotOf(snapshots, id);
    const gate = evaluateGate(snapshot);
    const project = presentProject(row, lead, gate);
    const tasks = overdue.map((t) => ({
      ...t,
      text: templateTask(t.taskKey)?.text ?? `Checklist task ${t.taskKey}`,
    }));
    const decided = decisionRows.map(presentDecision);
    const rejectedWithPaper =
      row.outcome === "rejected"
        ? {
            required: procurementBoardInvolved(snapshot),
            uploaded: Boolean(snapshot.documents["cost-avoidance-paper"]),
          }
        : null;
    return {
      project,
      gate,
      nextDecisions: nextDecisions(gate, allBodies),
      overdueTasks: tasks,
      overdueRiskReviews: riskReviews,
      documents: docs,
      decisions: decided,
      bodies: allBodies,
      members,
      costAvoidancePaper: rejectedWithPaper,
      incumbentContracts: contracts,
      providers,
    };
  }

  return {
    create,
    list,
    get,
    update,
    uploadDocument,
    listDocuments,
    openDocumentVersion,
    recordDecision,
    listDecisions,
    advance,
    reject,
    timeline,
    formOptions,
    homePage,
    /** Contracts being recommissioned and the notice to their providers (item 8). */
    incumbents,
    /** The pipeline dashboard and what awaits each governance body (item 10). */
    pipeline,
  };
}

export type ProjectsService = ReturnType<typeof createProjectsService>;
