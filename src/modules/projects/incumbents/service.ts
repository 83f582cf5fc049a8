import { and, eq, sql } from "drizzle-orm";
import type { Db, Executor } from "../../../db/client.js";
import { incumbentContracts } from "../../../db/schema/index.js";
import type { Clock } from "../../../domain/clock.js";
import type { IsoDate } from "../../../domain/dates.js";
import type { Actor } from "../../../domain/policy.js";
import { NotFoundError, StaleVersionError, ValidationError } from "../../../errors.js";
import { recordAudit } from "../../audit/service.js";
import { findProject } from "../queries.js";
import type { IncumbentInput, IncumbentPatchInput } from "./inputs.js";
import { noticeByOn, presentIncumbent } from "./presenter.js";
import {
  contractsOfProject,
  contractWithProvider,
  lockContract,
  organisationKind,
  projectDocumentKind,
  providerOptions,
  type ContractRow,
} from "./queries.js";

/**
 * Notice to incumbent providers (App C 1): the contracts a project recommissions, the
 * date by which each provider must be given notice, and the notice given. The letter itself is a
 * `notice-letter` document of the project; its upload already completed the checklist task it evidences.
 */

export const STALE_CONTRACT_MESSAGE =
  "Someone else changed this contract since you opened it. Nothing has been saved: check the current details and try again.";

interface Deps {
  db: Db;
  clock: Clock;
}

async function present(ex: Executor, id: string, today: IsoDate) {
  const row = await contractWithProvider(ex, id);
  if (!row) throw new NotFoundError("No contract being recommissioned has this id");
  return presentIncumbent(row.contract, row.providerName, today);
}

async function checkProvider(ex: Executor, id: string | null | undefined) {
  if (!id) return;
  if ((await organisationKind(ex, id)) !== "provider")
    throw new ValidationError([
      { path: "providerOrganisationId", message: "Select a provider organisation" },
    ]);
}

async function checkLetter(ex: Executor, projectId: string, documentId: string | null | undefined) {
  if (!documentId) return;
  if ((await projectDocumentKind(ex, projectId, documentId)) !== "notice-letter") {
    throw new ValidationError([
      {
        path: "noticeDocumentId",
        message: "Select a letter of notice uploaded to this project",
      },
    ]);
  }
}

/** The project's contracts, for a caller that has already found the project (its home page). */
async function listOfFound({ db, clock }: Deps, projectId: string) {
  const today = clock.today();
  const rows = await contractsOfProject(db, projectId);
  return rows.map((r) => presentIncumbent(r.contract, r.providerName, today));
}

async function add({ db, clock }: Deps, actor: Actor, projectId: string, input: IncumbentInput) {
  return db.transaction(async (tx) => {
    if (!(await findProject(tx, projectId))) throw new NotFoundError("No project has this id");
    await checkProvider(tx, input.providerOrganisationId);
    const values = {
      projectId,
      name: input.name,
      providerOrganisationId: input.providerOrganisationId ?? null,
      endsOn: input.endsOn,
      noticeDays: input.noticeDays,
    };
    const [inserted] = await tx.insert(incumbentContracts).values(values).returning();
    if (!inserted) throw new Error("contract not stored");
    await recordAudit(tx, actor, {
      entityType: "incumbent-contract",
      entityId: inserted.id,
      action: "created",
      summary: { ...values, title: values.name, noticeByOn: noticeByOn(values.endsOn, values.noticeDays) },
    });
    return present(tx, inserted.id, clock.today());
  });
}

function staleContract(currentVersion?: number): StaleVersionError {
  return new StaleVersionError(
    STALE_CONTRACT_MESSAGE,
    [{ path: "version", message: STALE_CONTRACT_MESSAGE }],
    currentVersion === undefined ? {} : { currentVersion },
  );
}

/** The contract as the change leaves it; refused when the notice it records cannot stand. */
function changedContract(current: ContractRow, input: IncumbentPatchInput, today: IsoDate) {
  const next = {
    name: input.name ?? current.name,
    providerOrganisationId:
      input.providerOrganisationId === undefined
        ? current.providerOrganisationId
        : input.providerOrganisationId,
    endsOn: input.endsOn ?? current.endsOn,
    noticeDays: input.noticeDays ?? current.noticeDays,
    noticeGivenOn: input.noticeGivenOn === undefined ? current.noticeGivenOn : input.noticeGivenOn,
    noticeDocumentId:
      input.noticeDocumentId === undefined ? current.noticeDocumentId : input.noticeDocumentId,
  };
  if (next.noticeDocumentId && !next.noticeGivenOn) {
    throw new ValidationError([{ path: "noticeGivenOn", message: "Enter the date notice was given" }]);
  }
  if (next.noticeGivenOn && next.noticeGivenOn > today) {
    throw new ValidationError([
      { path: "noticeGivenOn", message: "The date notice was given cannot be in the future" },
    ]);
  }
  return next;
}

/** What a change may touch, in the order its audit record lists them. */
const CONTRACT_FIELDS = [
  "name",
  "providerOrganisationId",
  "endsOn",
  "noticeDays",
  "noticeGivenOn",
  "noticeDocumentId",
] as const;

function changesBetween(current: ContractRow, next: ReturnType<typeof changedContract>) {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of CONTRACT_FIELDS) {
    if (current[key] !== next[key]) changes[key] = { from: current[key], to: next[key] };
  }
  return changes;
}

/** Changes a contract or records the notice given; a stale version changes nothing (409). */
async function update({ db, clock }: Deps, actor: Actor, id: string, input: IncumbentPatchInput) {
  const today = clock.today();
  return db.transaction(async (tx) => {
    const current = await lockContract(tx, id);
    if (!current) throw new NotFoundError("No contract being recommissioned has this id");
    if (current.version !== input.version) throw staleContract(current.version);
    if (input.providerOrganisationId !== undefined) await checkProvider(tx, input.providerOrganisationId);
    await checkLetter(tx, current.projectId, input.noticeDocumentId);
    const next = changedContract(current, input, today);
    const changes = changesBetween(current, next);
    if (Object.keys(changes).length === 0) return present(tx, id, today);
    const [updated] = await tx
      .update(incumbentContracts)
      .set({ ...next, version: sql`${incumbentContracts.version} + 1`, updatedAt: new Date() })
      .where(and(eq(incumbentContracts.id, id), eq(incumbentContracts.version, input.version)))
      .returning({ version: incumbentContracts.version });
    if (!updated) throw staleContract();
    const noticeRecorded = Boolean(changes.noticeGivenOn && next.noticeGivenOn);
    // The letter, when there is one, was recorded as checklist evidence when it was uploaded.
    await recordAudit(tx, actor, {
      entityType: "incumbent-contract",
      entityId: id,
      action: noticeRecorded ? "notice-recorded" : "updated",
      summary: {
        projectId: current.projectId,
        title: next.name,
        changes,
        noticeGivenOn: next.noticeGivenOn,
        noticeDocumentId: next.noticeDocumentId,
        version: updated.version,
      },
    });
    return present(tx, id, today);
  });
}

export function createIncumbentsService(db: Db, clock: Clock) {
  const deps = { db, clock };
  return {
    async list(projectId: string) {
      if (!(await findProject(db, projectId))) throw new NotFoundError("No project has this id");
      return listOfFound(deps, projectId);
    },
    listOfFound: (projectId: string) => listOfFound(deps, projectId),
    add: (actor: Actor, projectId: string, input: IncumbentInput) => add(deps, actor, projectId, input),
    update: (actor: Actor, id: string, input: IncumbentPatchInput) => update(deps, actor, id, input),
    /** Provider organisations, for the form's select. */
    providerOptions: () => providerOptions(db),
  };
}
