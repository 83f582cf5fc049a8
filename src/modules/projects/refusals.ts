import type { Executor } from "../../db/client.js";
import { NotFoundError, StaleVersionError } from "../../errors.js";
import { findProject, type ProjectRow } from "./queries.js";

/** The refusals the projects' use cases share. */

const STALE_MESSAGE =
  "Someone else changed this project since you opened it. Nothing has been saved: check the current details and try again.";

/** 409: the project changed since the version the person read; with that version when known. */
export function staleProject(currentVersion?: number): StaleVersionError {
  return new StaleVersionError(
    STALE_MESSAGE,
    [{ path: "version", message: STALE_MESSAGE }],
    currentVersion === undefined ? {} : { currentVersion },
  );
}

/** The project, or 404. */
export async function requireProject(
  ex: Executor,
  id: string,
  options: { lock?: boolean } = {},
): Promise<ProjectRow> {
  const row = await findProject(ex, id, options);
  if (!row) throw new NotFoundError("No project has this id");
  return row;
}
