import type { Executor } from "../../db/client.js";
import { projectRules, type ProjectRules } from "../../domain/project-rules.js";
import { findProject, loadSnapshot } from "../projects/queries.js";
import { presentProjectRulesPanel } from "./project-panel.js";

/** Reads of the rules capability: one project's rules, from the projects capability's snapshot. */

export interface ProjectRulesFacts {
  project: { id: string; title: string; startedOn: string; regime: string; programmeCodes: string[] };
  rules: ProjectRules;
}

/**
 * The rules on a project (domain/project-rules.ts) read from what its gate reads (projects/queries.ts
 * `loadSnapshot`: its latest documents, decisions and EqIA), or null when no project has this id.
 */
export async function loadProjectRules(ex: Executor, id: string): Promise<ProjectRulesFacts | null> {
  const row = await findProject(ex, id);
  if (!row) return null;
  const snapshot = await loadSnapshot(ex, row);
  return {
    project: {
      id: row.id,
      title: row.title,
      startedOn: row.startedOn,
      regime: row.regime,
      programmeCodes: [...snapshot.programmeCodes],
    },
    rules: projectRules(snapshot, row.startedOn),
  };
}

/** The rules panel a project's overview includes (views/project-rules-panel.njk), or null. */
export async function loadProjectRulesPanel(ex: Executor, id: string) {
  const facts = await loadProjectRules(ex, id);
  return facts ? presentProjectRulesPanel(facts) : null;
}
