import type { organisations } from "../../db/schema/index.js";

export function presentOrganisation(row: typeof organisations.$inferSelect) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    code: row.code,
    companyNumber: row.companyNumber,
    charityNumber: row.charityNumber,
    version: row.version,
  };
}
export type PresentedOrganisation = ReturnType<typeof presentOrganisation>;
