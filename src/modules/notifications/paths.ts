import { paths } from "../../web/paths.js";

/** The notifications capability's own paths, built from the shared ones. */
export const outboxPaths = {
  list: paths.outbox,
  message: (id = ":id") => `${paths.outbox}/${id}`,
} as const;
