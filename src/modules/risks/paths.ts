/** The risk register's pages (typed paths; they belong in src/web/paths.ts once that file takes them). */
export const riskPaths = {
  risks: (id = ":id") => `/projects/${id}/risks`,
  risksNew: (id = ":id") => `/projects/${id}/risks/new`,
  risk: (id = ":id", riskId = ":riskId") => `/projects/${id}/risks/${riskId}`,
} as const;
