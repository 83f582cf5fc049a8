import type { organisations } from "../../db/schema/index.js";

export function presentOrganisation(row: typeof organisations.$inferSelect) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    code: row.code,
    companyNumber: row.companyNumber,
    charityNumber: row.charityNumber,
    address: row.address,
    sme: row.sme,
    vcse: row.vcse,
    contactEmail: row.contactEmail,
    version: row.version,
  };
}
export type PresentedOrganisation = ReturnType<typeof presentOrganisation>;
