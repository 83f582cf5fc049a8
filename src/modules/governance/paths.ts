import { paths } from "../../web/paths.js";

/** The governance capability's pages (typed paths). */
export const governancePaths = {
  list: paths.governance,
  body: (code = ":code") => `${paths.governance}/${code}`,
  members: (code = ":code") => `${paths.governance}/${code}/members`,
  endMembership: (code = ":code", id = ":id") => `${paths.governance}/${code}/members/${id}/end`,
  /** The projects capability's page of what awaits the body's decision. */
  awaiting: (code = ":code") => `${paths.governance}/${code}/awaiting`,
} as const;
