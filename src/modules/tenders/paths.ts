/**
 * Tendering's pages (docs/tendering.md), in one place so that each part links to the others: the
 * staff's tender pages, the public opportunities, a supplier's submission, and the opening.
 */
export const tenderPaths = {
  // Staff: a project's tenders and each tender's set-up (App C 5.1–5.4).
  projectTenders: (projectId = ":id") => `/projects/${projectId}/tenders`,
  newTender: (projectId = ":id") => `/projects/${projectId}/tenders/new`,
  tender: (id = ":id") => `/tenders/${id}`,
  // Clarifications (App C 5.5): the log, for staff and for suppliers.
  clarifications: (id = ":id") => `/tenders/${id}/clarifications`,
  // A pack document's download, logged.
  packDocument: (id = ":id", documentId = ":documentId") => `/tenders/${id}/documents/${documentId}`,
  // The supplier's own sealed submission and its receipt.
  submission: (id = ":id") => `/tenders/${id}/submission`,
  receipt: (id = ":id") => `/tenders/${id}/submission/receipt`,
  // Staff: the sealed submissions (count only until the opening), the opening (App C 5.6), the PQQ.
  submissions: (id = ":id") => `/tenders/${id}/submissions`,
  opening: (id = ":id") => `/tenders/${id}/opening`,
  pqq: (id = ":id") => `/tenders/${id}/pqq`,
  // The public: find opportunities and read one (no sign-in).
  opportunities: () => "/opportunities",
  opportunity: (id = ":id") => `/opportunities/${id}`,
} as const;
