import type { Actor } from "../../../domain/policy.js";
import {
  hasPqqStage,
  isLate,
  isProcedure,
  sectionDeadline,
  type Section,
} from "../../../domain/tendering.js";
import { ConflictError, ForbiddenError, ValidationError } from "../../../errors.js";
import { parseSection } from "./inputs.js";
import type { findInterest, sectionQuestions } from "./queries.js";
import type { Tender } from "./service.js";

/** Who may respond to which section of a tender, and until when (docs/tendering.md; App C 5.2–5.4). */

export function supplierOf(actor: Actor): string {
  if (!actor.organisationId) throw new ForbiddenError("Only a supplier organisation's users submit tenders");
  return actor.organisationId;
}

/** The section now open: the PQQ until its deadline on a restricted procedure, then the ITT. */
export function openSection(tender: Tender, now: Date): Section {
  const pqq = isProcedure(tender.procedure) && hasPqqStage(tender.procedure);
  if (pqq && tender.pqqDeadline && !isLate(now, tender.pqqDeadline)) return "pqq";
  return "itt";
}

export function chooseSection(tender: Tender, requested: unknown, now: Date): Section {
  const section = parseSection(requested);
  if (section === "invalid")
    throw new ValidationError([{ path: "section", message: "Section must be pqq or itt" }]);
  if (section === "pqq" && !(isProcedure(tender.procedure) && hasPqqStage(tender.procedure))) {
    throw new ValidationError([{ path: "section", message: "This tender has no PQQ" }]);
  }
  return section ?? openSection(tender, now);
}

export function deadlineOf(tender: Tender, section: Section): Date {
  const deadline = sectionDeadline(section, tender);
  if (!deadline) throw new ConflictError("This section has no deadline");
  return deadline;
}

/**
 * Who may respond: an organisation that registered interest (otherwise 403 `interest-required`: register
 * interest on the opportunity first); on a restricted procedure the ITT only when invited after the PQQ.
 */
export function requireEligible(
  tender: Tender,
  interest: Awaited<ReturnType<typeof findInterest>>,
  section: Section,
) {
  if (!interest) {
    throw new ForbiddenError("Register interest in this tender before responding to it", {
      code: "interest-required",
    });
  }
  const restricted = isProcedure(tender.procedure) && hasPqqStage(tender.procedure);
  if (section === "itt" && restricted && !interest.invitedToTenderAt) {
    throw new ForbiddenError("Only suppliers shortlisted at the PQQ are invited to tender (App C 5.4)", {
      code: "not-invited",
    });
  }
}

export function questionRules(rows: Awaited<ReturnType<typeof sectionQuestions>>) {
  return rows.map((q) => ({
    code: q.code,
    kind: q.kind,
    text: q.text,
    wordLimit: q.wordLimit,
    attachmentAllowed: q.attachmentAllowed,
  }));
}
