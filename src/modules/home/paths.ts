import { paths } from "../../web/paths.js";

/**
 * The pages the home page links to, built from the shared paths as the projects, checklist, risks and
 * governance capabilities build them (their paths.ts), since a module reaches another only through its
 * service or queries.
 */
export const homePaths = {
  home: paths.home,
  project: paths.project,
  projects: paths.projects,
  projectsNew: paths.projectsNew,
  checklist: (id: string) => `${paths.project(id)}/checklist`,
  checklistTask: (id: string, key: string) => `${paths.project(id)}/checklist/${key}`,
  risks: (id: string) => `${paths.project(id)}/risks`,
  risk: (id: string, riskId: string) => `${paths.project(id)}/risks/${riskId}`,
  /** What awaits one governance body's decision (the projects capability's page). */
  awaiting: (code: string) => `${paths.governance}/${encodeURIComponent(code)}/awaiting`,
  governance: paths.governance,
  pipeline: paths.pipeline,
  datasets: paths.datasets,
  indicators: paths.indicators,
  rules: paths.rules,
  programmes: paths.programmes,
  users: paths.users,
  organisations: paths.organisations,
  audit: paths.audit,
  account: paths.account,
  /** Find opportunities (tendering's public page: tenderPaths.opportunities() in the tenders module). */
  opportunities: "/opportunities",
  // Tendering's pages (tenderPaths in the tenders module).
  opportunity: (id: string) => `/opportunities/${id}`,
  tender: (id: string) => `/tenders/${id}`,
  clarifications: (id: string) => `/tenders/${id}/clarifications`,
  opening: (id: string) => `/tenders/${id}/opening`,
  submission: (id: string) => `/tenders/${id}/submission`,
  /** A supplier's own organisation's people (supplierPaths.colleagues in the suppliers module). */
  supplierColleagues: "/suppliers/colleagues",
} as const;
