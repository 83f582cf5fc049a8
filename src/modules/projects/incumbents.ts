import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Executor } from "../../db/client.js";
import { incumbentContracts, organisations, projectDocuments } from "../../db/schema/index.js";
import type { Clock } from "../../domain/clock.js";
import { addDays, isIsoDate } from "../../domain/dates.js";
import type { Actor } from "../../domain/policy.js";
import { ConflictError, NotFoundError, ValidationError } from "../../errors.js";
import { recordAudit } from "../audit/service.js";

import { findProject } from "./queries.js";

/**
 * Notice to incumbent providers (App C 1): the contracts a project recommissions, the
 * date by which each provider must be given notice, and the notice given. The letter itself is a
 * `notice-letter` document of the project; its upload already completed the checklist task it evidences.
 */

export const STALE_CONTRACT_MESSAGE =
  "Someone else changed this contract since you opened it. Nothing has been saved: check the current details and try again.";

const isoDate = (label: string) =>
  z
    .string({ error: `Enter ${label}` })
    .trim()
    .refine(isIsoDate, { message: `${label[0]?.toUpperCase() ?? ""}${label.slice(1)} must be a real date` });

const name = z
  .string({ error: "Enter the contract's name" })
  .trim()
  .min(1, "Enter the contract's name")
  .max(200, "Contract name must be 200 characters or fewer");

const noticeDays = z
  .number({ error: "Enter the notice period in days" })
  .int("Notice period must be a whole number of days")
  .min(0, "Notice period cannot be negative")
  .max(3650, "Notice period must be 3,650 days or fewer");

export const incumbentInput = z.object({
  name,
  providerOrganisationId: z.uuid("Select the provider").nullable().optional(),
  endsOn: isoDate("the date the contract ends").describe("YYYY-MM-DD"),
  noticeDays: noticeDays.describe("notice the contract requires, in calendar days"),
});
export type IncumbentInput = z.output<typeof incumbentInput>;

export const incumbentPatchInput = z.object({
  name: name.optional(),
  providerOrganisationId: z.uuid("Select the provider").nullable().optional(),
  endsOn: isoDate("the date the contract ends").optional(),
  noticeDays: noticeDays.optional(),
  noticeGivenOn: isoDate("the date notice was given")
    .nullable()
    .optional()
    .describe("YYYY-MM-DD: the date notice was given"),
  noticeDocumentId: z
    .uuid("Select the letter of notice")
    .nullable()
    .optional()
    .describe("a notice-letter document of the same project, as evidence"),
  version: z.number({ error: "version is required" }).int(),
});
export type IncumbentPatchInput = z.output<typeof incumbentPatchInput>;

type ContractRow = typeof incumbentContracts.$inferSelect;

/** The date by which notice must be given: the end date less the notice period (calendar days). */
export function noticeByOn(endsOn: string, days: number): string {
  return addDays(endsOn, -days);
}

export function presentIncumbent(row: ContractRow, providerName: string | null, today: string) {
  const noticeBy = noticeByOn(row.endsOn, row.noticeDays);
  return {
    id: row.id,
    projectId: row.projectId,
    name: row.name,
    providerOrganisationId: row.providerOrganisationId,
    providerName,
    endsOn: row.endsOn,
    noticeDays: row.noticeDays,
    noticeByOn: noticeBy,
    noticeGivenOn: row.noticeGivenOn,
    noticeDocumentId: row.noticeDocumentId,
    noticeOverdue: row.noticeGivenOn === null && today > noticeBy,
    version: row.version,
  };
}

async function rowsOf(ex: Executor, where: ReturnType<typeof eq>) {
  return ex
    .select({ contract: incumbentContracts, providerName: organisations.name })
    .from(incumbentContracts)
    .leftJoin(organisations, eq(organisations.id, incumbentContracts.providerOrganisationId))
    .where(where)
    .orderBy(asc(incumbentContracts.endsOn), asc(incumbentContracts.name), asc(incumbentContracts.id));
}

async function checkProvider(ex: Executor, id: string | null | undefined) {
  if (!id) return;
  const [org] = await ex
    .select({ kind: organisations.kind })
    .from(organisations)
    .where(eq(organisations.id, id));
  if (org?.kind !== "provider")
    throw new ValidationError([
      { path: "providerOrganisationId", message: "Select a provider organisation" },
    ]);
}

async function checkLetter(ex: Executor, projectId: string, documentId: string | null | undefined) {
  if (!documentId) return;
  const [doc] = await ex
    .select({ kind: projectDocuments.kind })
    .from(projectDocuments)
    .where(and(eq(projectDocuments.id, documentId), eq(projectDocuments.projectId, projectId)));
  if (doc?.kind !== "notice-letter") {
    throw new ValidationError([
      {
        path: "noticeDocumentId",
        message: "Select a letter of notice uploaded to this project",
      },
    ]);
  }
}

export function createIncumbentsService(db: Db, clock: Clock) {
  async function present(ex: Executor, id: string) {
    const [row] = await rowsOf(ex, eq(incumbentContracts.id, id));
    if (!row) throw new NotFoundError("No contract being recommissioned has this id");
    return presentIncumbent(row.contract, row.providerName, clock.today());
  }

  /** The project's contracts, for a caller that has already found the project (its home page). */
  async function listOfFound(projectId: string) {
    const today = clock.today();
    const rows = await rowsOf(db, eq(incumbentContracts.projectId, projectId));
    return rows.map((r) => presentIncumbent(r.contract, r.providerName, today));
  }

  async function list(projectId: string) {
    if (!(await findProject(db, projectId))) throw new NotFoundError("No project has this id");
    return listOfFound(projectId);
  }

  async function add(actor: Actor, projectId: string, input: IncumbentInput) {
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
      return present(tx, inserted.id);
    });
  }

  /** Changes a contract or records the notice given; a stale version changes nothing (409). */
  async function update(actor: Actor, id: string, input: IncumbentPatchInput) {
    return db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(incumbentContracts)
        .where(eq(incumbentContracts.id, id))
        .for("update");
      if (!current) throw new NotFoundError("No contract being recommissioned has this id");
      if (current.version !== input.version) {
        throw new ConflictError(
          STALE_CONTRACT_MESSAGE,
          [{ path: "version", message: STALE_CONTRACT_MESSAGE }],
          {
            currentVersion: current.version,
          },
        );
      }
      if (input.providerOrganisationId !== undefined) await checkProvider(tx, input.providerOrganisationId);
      await checkLetter(tx, current.projectId, input.noticeDocumentId);
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
      if (next.noticeGivenOn && next.noticeGivenOn > clock.today()) {
        throw new ValidationError([
          { path: "noticeGivenOn", message: "The date notice was given cannot be in the future" },
        ]);
      }
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const [key, value] of Object.entries(next)) {
        const before = current[key as keyof typeof next];
        if (before !== value) changes[key] = { from: before, to: value };
      }
      if (Object.keys(changes).length === 0) return present(tx, id);
      const [updated] = await tx
        .update(incumbentContracts)
        .set({ ...next, version: sql`${incumbentContracts.version} + 1`, updatedAt: new Date() })
        .where(and(eq(incumbentContracts.id, id), eq(incumbentContracts.version, input.version)))
        .returning({ version: incumbentContracts.version });
      if (!updated) {
        throw new ConflictError(STALE_CONTRACT_MESSAGE, [
          { path: "version", message: STALE_CONTRACT_MESSAGE },
        ]);
      }
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
      return present(tx, id);
    });
  }

  /** Provider organisations, for the form's select. */
  async function providerOptions() {
    return db
      .select({ id: organisations.id, name: organisations.name })
      .from(organisations)
      .where(eq(organisations.kind, "provider"))
      .orderBy(asc(organisations.name));
  }

  return { list, listOfFound, add, update, providerOptions };
}
