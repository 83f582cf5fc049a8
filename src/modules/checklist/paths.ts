/**
 * The checklist's pages (typed paths). They belong in src/web/paths.ts; they live
 * here until that file takes them, so routes, links and redirects already share one definition.
 */
export const checklistPaths = {
  checklist: (id = ":id") => `/projects/${id}/checklist`,
  checklistPrint: (id = ":id") => `/projects/${id}/checklist/print`,
  checklistPdf: (id = ":id") => `/projects/${id}/checklist.pdf`,
  checklistTask: (id = ":id", key = ":taskKey") => `/projects/${id}/checklist/${key}`,
  printStylesheet: "/stylesheets/checklist-print.css",
} as const;
