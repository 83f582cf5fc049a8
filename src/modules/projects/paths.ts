import { paths } from "../../web/paths.js";

/** The projects capability's own paths, built from the shared ones. */
export const projectPaths = {
  list: paths.projects,
  create: paths.projectsNew,
  project: paths.project,
  edit: (id = ":id") => `${paths.project(id)}/edit`,
  documents: (id = ":id") => `${paths.project(id)}/documents`,
  documentVersion: (id = ":id", documentId = ":documentId", version: number | string = ":version") =>
    `${paths.project(id)}/documents/${documentId}/versions/${version}`,
  decisions: (id = ":id") => `${paths.project(id)}/decisions`,
  advance: (id = ":id") => `${paths.project(id)}/advance`,
  reject: (id = ":id") => `${paths.project(id)}/reject`,
  timeline: (id = ":id") => `${paths.project(id)}/timeline`,
  /** The checklist capability's page (linked from "what is overdue"). */
  checklist: (id = ":id") => `${paths.project(id)}/checklist`,
  incumbents: (id = ":id") => `${paths.project(id)}/incumbent-contracts`,
  incumbentNotice: (id = ":id", contractId = ":contractId") =>
    `${paths.project(id)}/incumbent-contracts/${contractId}/notice`,
  /** The EqIA capability's page (linked from the gate's "complete the screening"). */
  eqia: (id = ":id") => `${paths.project(id)}/eqia`,
  /** The risks capability's page (linked from the pipeline's overdue reviews). */
  risks: (id = ":id") => `${paths.project(id)}/risks`,
  pipeline: paths.pipeline,
  /** What awaits one governance body's decision. */
  awaiting: (code = ":code") => `${paths.governance}/${code}/awaiting`,
} as const;

const API = "/api/v1";

export const projectApiPaths = {
  projects: `${API}/projects`,
  project: (id = ":id") => `${API}/projects/${id}`,
  documents: (id = ":id") => `${API}/projects/${id}/documents`,
  documentVersion: (id = ":id", documentId = ":documentId", version: number | string = ":version") =>
    `${API}/projects/${id}/documents/${documentId}/versions/${version}`,
  decisions: (id = ":id") => `${API}/projects/${id}/decisions`,
  advance: (id = ":id") => `${API}/projects/${id}/advance`,
  reject: (id = ":id") => `${API}/projects/${id}/reject`,
  timeline: (id = ":id") => `${API}/projects/${id}/timeline`,
  incumbents: (id = ":id") => `${API}/projects/${id}/incumbent-contracts`,
  incumbent: (id = ":id") => `${API}/incumbent-contracts/${id}`,
  pipeline: `${API}/pipeline`,
  awaiting: (code = ":code") => `${API}/governance-bodies/${code}/awaiting`,
} as const;
