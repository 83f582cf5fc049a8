import { tenderPaths } from "../paths.js";

/** The opening's pages beyond tenderPaths.opening (docs/tendering.md, "The opening", "Compliance"). */
export const openingPaths = {
  opening: tenderPaths.opening,
  compliance: (id = ":id", submissionId = ":submissionId") =>
    `/tenders/${id}/opening/compliance/${submissionId}`,
  record: (id = ":id", section = ":section") => `/tenders/${id}/opening/${section}/record`,
} as const;
