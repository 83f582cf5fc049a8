import { and, asc, eq, type SQL } from "drizzle-orm";
import type { Executor } from "../../../db/client.js";
import { incumbentContracts, organisations, projectDocuments } from "../../../db/schema/index.js";

/** Reads of the contracts a project recommissions. */

export type ContractRow = typeof incumbentContracts.$inferSelect;

/** Contracts with their provider's name, soonest ending first. */
async function contractRows(ex: Executor, where: SQL) {
  return ex
    .select({ contract: incumbentContracts, providerName: organisations.name })
    .from(incumbentContracts)
    .leftJoin(organisations, eq(organisations.id, incumbentContracts.providerOrganisationId))
    .where(where)
    .orderBy(asc(incumbentContracts.endsOn), asc(incumbentContracts.name), asc(incumbentContracts.id));
}

export async function contractWithProvider(ex: Executor, id: string) {
  const [row] = await contractRows(ex, eq(incumbentContracts.id, id));
  return row ?? null;
}

export async function contractsOfProject(ex: Executor, projectId: string) {
  return contractRows(ex, eq(incumbentContracts.projectId, projectId));
}

/** The contract, locked for the rest of the transaction. */
export async function lockContract(ex: Executor, id: string): Promise<ContractRow | null> {
  const [row] = await ex.select().from(incumbentContracts).where(eq(incumbentContracts.id, id)).for("update");
  return row ?? null;
}

export async function organisationKind(ex: Executor, id: string) {
  const [org] = await ex
    .select({ kind: organisations.kind })
    .from(organisations)
    .where(eq(organisations.id, id));
  return org?.kind ?? null;
}

/** The kind of the document when it belongs to the project; null otherwise. */
export async function projectDocumentKind(ex: Executor, projectId: string, documentId: string) {
  const [doc] = await ex
    .select({ kind: projectDocuments.kind })
    .from(projectDocuments)
    .where(and(eq(projectDocuments.id, documentId), eq(projectDocuments.projectId, projectId)));
  return doc?.kind ?? null;
}

/** Provider organisations, for the form's select. */
export async function providerOptions(ex: Executor) {
  return ex
    .select({ id: organisations.id, name: organisations.name })
    .from(organisations)
    .where(eq(organisations.kind, "provider"))
    .orderBy(asc(organisations.name));
}
