import { paths } from "../../web/paths.js";

/** The rules capability's own paths: a project's rules, as a page and in the API (docs/api.md). */
export const rulesPaths = {
  explained: paths.rules,
  project: (id = ":id") => `${paths.project(id)}/rules`,
} as const;

export const rulesApiPaths = {
  project: (id = ":id") => `/api/v1/projects/${id}/rules`,
} as const;
