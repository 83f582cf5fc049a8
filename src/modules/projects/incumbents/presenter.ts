import { addDays, type IsoDate } from "../../../domain/dates.js";
import type { ContractRow } from "./queries.js";

/** The date by which notice must be given: the end date less the notice period (calendar days). */
export function noticeByOn(endsOn: string, days: number): string {
  return addDays(endsOn, -days);
}

export function presentIncumbent(row: ContractRow, providerName: string | null, today: IsoDate) {
  const noticeBy = noticeByOn(row.endsOn, row.noticeDays);
  return {
    id: row.id,
    projectId: row.projectId,
    name: row.name,
    providerOrganisationId: row.providerOrganisationId,
    providerName,
    endsOn: row.endsOn,
    noticeDays: row.noticeDays,
    noticeByOn: noticeBy,
    noticeGivenOn: row.noticeGivenOn,
    noticeDocumentId: row.noticeDocumentId,
    noticeOverdue: row.noticeGivenOn === null && today > noticeBy,
    version: row.version,
  };
}
