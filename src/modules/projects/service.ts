import { sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.js";
import { projects } from "../../db/schema/index.js";
import type { Clock } from "../../domain/clock.js";
import type { IsoDate } from "../../domain/dates.js";
import type { Actor } from "../../domain/policy.js";
import { templateTask } from "../../domain/checklist-template.js";
import { evaluateGate, procurementBoardInvolved } from "../../domain/stages.js";
import { ValidationError } from "../../errors.js";
import { recordAudit } from "../audit/service.js";
import type { ChangeCacheFactory } from "../audit/changes.js";
import { instantiateChecklist, revalueChecklist } from "../checklist/service.js";
import type { DocumentStore } from "../documents/store.js";
import type { MessageLinks } from "../notifications/links.js";
import { allBodies, bodyMembers, decisionsOf } from "./decisions/queries.js";
import { createDecisionsService, presentDecision } from "./decisions/service.js";
import { documentsWithVersions } from "./documents/queries.js";
import { createDocumentsService } from "./documents/service.js";
import { createIncumbentsService } from "./incumbents/service.js";
import { defaultRegime, type ProjectCreateInput, type ProjectPatchInput } from "./inputs.js";
import { createPipelineService } from "./pipeline/service.js";
import { programmeRows } from "../programmes/queries.js";
import { nextDecisions, presentProject, presentTimelineItem } from "./presenter.js";
import {
  commissionerOptions,
  findProject,
  leadName,
  listProjects,
  loadSnapshot,
  loadSnapshots,
  overdueRiskReviews,
  overdueTasks,
  projectsWithOverdueTasks,
  timelineRows,
  userExists,
  type ProjectRow,
} from "./queries.js";
import { requireProject, staleProject } from "./refusals.js";
import { createStagesService } from "./stages/service.js";

/** What the API and the pages check a new project, a decision and a rejection against (the demo too). */
export { decisionInput, projectCreateInput, rejectInput } from "./inputs.js";
/** The documents' upload checks and download header, for other capabilities that take files (tenders). */
export {
  ACCEPTED_TYPES,
  ACCEPTED_TYPES_TEXT,
  attachmentHeader,
  tooLargeError,
  UploadStopped,
} from "./upload.js";

/**
 * Commissioning projects through the five stages: one use case per function, one transaction each,
 * its audit record inside it. The project's documents, decisions, moves between stages, contracts
 * being recommissioned and the pipeline are sub-folders of the same shape.
 */

interface Deps {
  db: Db;
  clock: Clock;
}

export interface ListQuery {
  programmeCode?: string | undefined;
  stage?: string | undefined;
  overdue?: boolean | undefined;
  limit: number;
  cursor?: string | undefined;
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

async function present(db: Db, row: ProjectRow) {
  return presentProject(
    row,
    await leadName(db, row.leadCommissionerId),
    evaluateGate(await loadSnapshot(db, row)),
  );
}

async function checkLead(tx: Executor, leadCommissionerId: string | null | undefined) {
  if (leadCommissionerId && !(await userExists(tx, leadCommissionerId))) {
    throw new ValidationError([{ path: "leadCommissionerId", message: "No user has this id" }]);
  }
}

async function create({ db, clock }: Deps, actor: Actor, input: ProjectCreateInput) {
  const startedOn = input.startedOn ?? clock.today();
  const row = await db.transaction(async (tx) => {
    await checkLead(tx, input.leadCommissionerId);
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
      regime: inserted.regime,
      startedOn: inserted.startedOn,
    });
    return inserted;
  });
  return present(db, row);
}

async function list({ db, clock }: Deps, query: ListQuery) {
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
  const ids = projectRows.map((r) => r.id);
  const [snapshots, overdue] = await Promise.all([
    loadSnapshots(db, projectRows),
    projectsWithOverdueTasks(db, ids, today),
  ]);
  const items = rows.map((r) => {
    const snapshot = snapshots.get(r.project.id);
    if (!snapshot) throw new Error("project snapshot missing");
    return {
      ...presentProject(r.project, r.leadName, evaluateGate(snapshot)),
      overdue: overdue.has(r.project.id),
    };
  });
  return {
    items,
    total,
    offset,
    ...(more ? { nextCursor: encodeCursor(offset + query.limit) } : {}),
    ...(offset > 0 ? { previousCursor: encodeCursor(Math.max(0, offset - query.limit)) } : {}),
  };
}

/** What a change may touch, in the order its audit record lists them. */
const PROJECT_FIELDS = [
  "title",
  "description",
  "programmeCode",
  "programmeCodes",
  "leadCommissionerId",
  "estimatedValuePence",
  "contractMonths",
  "regime",
  "startedOn",
] as const;

/** The project as the change leaves it, and what changed (for the audit record). */
function changedProject(current: ProjectRow, input: ProjectPatchInput) {
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
  for (const key of PROJECT_FIELDS) {
    if (JSON.stringify(current[key]) !== JSON.stringify(next[key])) {
      changes[key] = { from: current[key], to: next[key] };
    }
  }
  return { next, changes };
}

async function update({ db }: Deps, actor: Actor, id: string, input: ProjectPatchInput) {
  const row = await db.transaction(async (tx) => {
    const current = await requireProject(tx, id, { lock: true });
    if (current.version !== input.version) throw staleProject(current.version);
    await checkLead(tx, input.leadCommissionerId);
    const { next, changes } = changedProject(current, input);
    if (Object.keys(changes).length === 0) return current;
    const [updated] = await tx
      .update(projects)
      .set({ ...next, version: sql`${projects.version} + 1`, updatedAt: new Date() })
      .where(sql`${projects.id} = ${id} AND ${projects.version} = ${input.version}`)
      .returning();
    if (!updated) throw staleProject();
    await recordAudit(tx, actor, {
      entityType: "project",
      entityId: id,
      action: "updated",
      summary: { changes, version: updated.version },
    });
    // The checklist's relevance turns on the value, and (the award notice) the regime and start date.
    if (changes.estimatedValuePence || changes.regime || changes.startedOn) {
      await revalueChecklist(tx, {
        projectId: id,
        estimatedValuePence: updated.estimatedValuePence,
        regime: updated.regime,
        startedOn: updated.startedOn,
        actor,
      });
    }
    return updated;
  });
  return present(db, row);
}

/** Each programme's name by its code (§1), for pages that name programmes rather than code them. */
async function programmeNames(db: Db): Promise<Map<string, string>> {
  return new Map((await programmeRows(db)).map((p) => [p.code, p.name]));
}

type IncumbentsService = ReturnType<typeof createIncumbentsService>;

/** What the home page reads, side by side: on PostgreSQL they run at once on the pool. */
async function homeReads(db: Db, incumbents: IncumbentsService, row: ProjectRow, today: IsoDate) {
  const id = row.id;
  const [
    snapshot,
    lead,
    bodies,
    members,
    overdue,
    riskReviews,
    docs,
    decisionRows,
    contracts,
    providers,
    names,
  ] = await Promise.all([
    loadSnapshot(db, row),
    leadName(db, row.leadCommissionerId),
    allBodies(db),
    bodyMembers(db, today),
    overdueTasks(db, id, today),
    overdueRiskReviews(db, id, today),
    documentsWithVersions(db, id),
    decisionsOf(db, id),
    incumbents.listOfFound(id),
    incumbents.providerOptions(),
    programmeNames(db),
  ]);
  const reads = { snapshot, lead, bodies, members, overdue, riskReviews, docs, decisionRows, contracts };
  return { ...reads, providers, programmeNames: names };
}

/**
 * Everything the project's home page shows: stage, what is missing to move on, what is overdue, which
 * bodies must decide what next; then documents, decisions and the forms to add them. (The page keeps
 * what it renders from this until the next audited change: projects/routes.ts.)
 */
async function homePage(db: Db, incumbents: IncumbentsService, id: string, today: IsoDate) {
  const row = await findProject(db, id);
  if (!row) return null;
  const read = await homeReads(db, incumbents, row, today);
  const { snapshot } = read;
  const gate = evaluateGate(snapshot);
  return {
    project: presentProject(row, read.lead, gate),
    gate,
    nextDecisions: nextDecisions(gate, read.bodies),
    overdueTasks: read.overdue.map((t) => ({
      ...t,
      text: templateTask(t.taskKey)?.text ?? `Checklist task ${t.taskKey}`,
    })),
    overdueRiskReviews: read.riskReviews,
    documents: read.docs,
    decisions: read.decisionRows.map(presentDecision),
    bodies: read.bodies,
    members: read.members,
    costAvoidancePaper:
      row.outcome === "rejected"
        ? {
            required: procurementBoardInvolved(snapshot),
            uploaded: Boolean(snapshot.documents["cost-avoidance-paper"]),
          }
        : null,
    incumbentContracts: read.contracts,
    providers: read.providers,
    programmeNames: read.programmeNames,
  };
}

export function createProjectsService(
  db: Db,
  documents: DocumentStore,
  changeCache: ChangeCacheFactory,
  links: MessageLinks,
  clock: Clock,
) {
  const deps = { db, clock };
  const incumbents = createIncumbentsService(db, clock);
  const decisions = createDecisionsService(deps);
  return {
    create: (actor: Actor, input: ProjectCreateInput) => create(deps, actor, input),
    list: (query: ListQuery) => list(deps, query),
    async get(id: string) {
      const row = await findProject(db, id);
      return row ? present(db, row) : null;
    },
    /** The project's id and version, or null: what a page form checks before it runs a use case. */
    async find(id: string) {
      const row = await findProject(db, id);
      return row ? { id: row.id, version: row.version } : null;
    },
    update: (actor: Actor, id: string, input: ProjectPatchInput) => update(deps, actor, id, input),
    async timeline(projectId: string) {
      await requireProject(db, projectId);
      return { items: (await timelineRows(db, projectId)).map(presentTimelineItem) };
    },
    /** People who may lead a project, for the project form. */
    formOptions: async () => ({
      commissioners: await commissionerOptions(db),
      programmeNames: await programmeNames(db),
    }),
    homePage: (id: string) => homePage(db, incumbents, id, clock.today()),
    programmeNames: () => programmeNames(db),
    documents: createDocumentsService({ db, documents, links, clock }),
    decisions,
    /** Moves through the stages: on when the gate is met, or ended by a rejection (§3.17). */
    stages: createStagesService({ db, links, clock }),
    /** Contracts being recommissioned and the notice to their providers (App C 1). */
    incumbents,
    /** The pipeline dashboard and what awaits each governance body. */
    pipeline: createPipelineService(db, changeCache, clock),
  };
}

export type ProjectsService = ReturnType<typeof createProjectsService>;
