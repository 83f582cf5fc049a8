/**
 * Supplier accounts' view models: a colleague as the colleagues page and the API show them (never a
 * password or a link). No I/O.
 */

export interface ColleagueRow {
  id: string;
  name: string;
  email: string;
  active: boolean;
  emailVerifiedAt: Date | null;
  createdAt: Date;
}

export type ColleagueStatus = "active" | "awaiting-confirmation" | "deactivated";

const STATUS: Record<ColleagueStatus, { text: string; classes: string }> = {
  active: { text: "Active", classes: "govuk-tag--green" },
  "awaiting-confirmation": { text: "Waiting for them to confirm their email", classes: "govuk-tag--yellow" },
  deactivated: { text: "Deactivated", classes: "govuk-tag--grey" },
};

/** Active once they have confirmed their address (and so chosen a password); deactivated by the council. */
export function colleagueStatus(row: Pick<ColleagueRow, "active" | "emailVerifiedAt">): ColleagueStatus {
  if (!row.active) return "deactivated";
  return row.emailVerifiedAt ? "active" : "awaiting-confirmation";
}

export function presentColleague(row: ColleagueRow) {
  const status = colleagueStatus(row);
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    status,
    statusText: STATUS[status].text,
    statusClasses: STATUS[status].classes,
    emailVerifiedAt: row.emailVerifiedAt?.toISOString() ?? null,
    addedAt: row.createdAt.toISOString(),
  };
}
