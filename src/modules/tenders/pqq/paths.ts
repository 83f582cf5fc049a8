import { tenderPaths } from "../paths.js";

/** The PQQ stage's pages beyond tenderPaths.pqq (docs/tendering.md, "The PQQ stage"). */
export const pqqPaths = {
  pqq: tenderPaths.pqq,
  response: (id = ":id", submissionId = ":submissionId") => `/tenders/${id}/pqq/${submissionId}`,
  outcomes: (id = ":id") => `/tenders/${id}/pqq/outcomes`,
} as const;
