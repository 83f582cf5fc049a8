import type { Db } from "../../../db/client.js";
import { tenderDownloads, tenderInterests } from "../../../db/schema/index.js";
import type { Clock } from "../../../domain/clock.js";
import { can, type Actor } from "../../../domain/policy.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../../../errors.js";
import { recordAudit } from "../../audit/service.js";
import type { DocumentStore } from "../../documents/store.js";
import { publishedAnswerRows } from "../clarifications/queries.js";
import {
  closingAt,
  interestClosesAt,
  presentDownload,
  presentOpportunity,
  presentPackDocument,
  ukDateTime,
} from "./presenter.js";
import {
  downloadRows,
  findInterest,
  findPackDocument,
  findTender,
  opportunityRows,
  packDocuments,
  programmeChoices,
  type OpportunityFilters,
  type TenderRow,
} from "./queries.js";

export type { OpportunityFilters } from "./queries.js";

const NO_TENDER = "No published tender has this id";

/** A tender the public may see: published (a draft or a cancelled tender is not an opportunity). */
async function publishedTender(db: Db, id: string): Promise<TenderRow | null> {
  const tender = await findTender(db, id);
  return tender?.status === "published" ? tender : null;
}

/** The supplier organisation the actor acts for; refused for anyone else (their own only, docs/tendering.md). */
function supplierOf(actor: Actor): string {
  if (!can(actor, "tenders:participate") || !actor.organisationId) {
    throw new ForbiddenError("Only a supplier's users can do this, for their own organisation");
  }
  return actor.organisationId;
}

/** The public opportunity: advert, pack names and the published clarification answers (never the asker). */
async function opportunity(db: Db, now: Date, id: string) {
  const tender = await publishedTender(db, id);
  if (!tender) return null;
  const [documents, answers] = await Promise.all([packDocuments(db, id), publishedAnswerRows(db, id)]);
  return {
    opportunity: presentOpportunity(tender, now),
    documents: documents.map(presentPackDocument),
    clarifications: answers.map((a) => ({
      number: a.number,
      question: a.question,
      answer: a.answer ?? "",
      answeredAt: a.answeredAt ? a.answeredAt.toISOString() : null,
    })),
    interestClosesAt: interestClosesAt(tender).toISOString(),
    interestOpen: interestClosesAt(tender) > now,
  };
}

/** Registers the actor's organisation's interest, once per organisation (App C 5.1): the pack follows. */
async function registerInterest(db: Db, now: Date, actor: Actor, tenderId: string) {
  const organisationId = supplierOf(actor);
  const tender = await publishedTender(db, tenderId);
  if (!tender) throw new NotFoundError(NO_TENDER);
  const existing = await findInterest(db, tenderId, organisationId);
  if (!existing) {
    const closes = interestClosesAt(tender);
    if (now > closes) {
      throw new ConflictError(`Interest can no longer be registered: the deadline was ${ukDateTime(closes)}`);
    }
    await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(tenderInterests)
        .values({ tenderId, organisationId, registeredById: actor.id })
        .onConflictDoNothing({ target: [tenderInterests.tenderId, tenderInterests.organisationId] })
        .returning({ id: tenderInterests.id });
      if (!row) return;
      await recordAudit(tx, actor, {
        entityType: "tender-interest",
        entityId: row.id,
        action: "registered",
        summary: { tenderId, organisationId },
      });
    });
  }
  const interest = await findInterest(db, tenderId, organisationId);
  const documents = await packDocuments(db, tenderId);
  return {
    tenderId,
    registeredAt: (interest?.createdAt ?? now).toISOString(),
    alreadyRegistered: Boolean(existing),
    documents: documents.map(presentPackDocument),
  };
}

/** Whether the actor's organisation registered interest (false for anyone not a supplier's user). */
async function hasInterest(db: Db, actor: Actor | null, tenderId: string): Promise<boolean> {
  if (!actor?.organisationId || !can(actor, "tenders:participate")) return false;
  return Boolean(await findInterest(db, tenderId, actor.organisationId));
}

/**
 * Opens a pack document: staff always; a supplier's user only after their organisation registered
 * interest, each download recorded (who had which version, App C 5) with its audit record.
 */
async function openDocument(
  db: Db,
  documents: DocumentStore,
  actor: Actor,
  tenderId: string,
  documentId: string,
) {
  const staff = can(actor, "tenders:read");
  const tender = staff ? await findTender(db, tenderId) : await publishedTender(db, tenderId);
  const document = tender ? await findPackDocument(db, tenderId, documentId) : null;
  if (!tender || !document) throw new NotFoundError("No document of this tender has this id");
  if (!staff) {
    const organisationId = supplierOf(actor);
    if (!(await findInterest(db, tenderId, organisationId))) {
      throw new ForbiddenError(
        "Register your organisation's interest in this tender to download its documents",
      );
    }
    await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(tenderDownloads)
        .values({ tenderId, documentId, organisationId, userId: actor.id })
        .returning({ id: tenderDownloads.id });
      if (!row) throw new Error("download not recorded");
      await recordAudit(tx, actor, {
        entityType: "tender-download",
        entityId: row.id,
        action: "downloaded",
        summary: { tenderId, documentId, organisationId, superseded: document.supersededAt !== null },
      });
    });
  }
  const file = await documents.open(document.sha256);
  if (!file) throw new NotFoundError("The document's file is missing");
  return {
    fileName: document.fileName,
    mediaType: document.mediaType,
    bytes: document.bytes,
    superseded: document.supersededAt !== null,
    stream: file.stream,
  };
}

/** Find opportunities, register interest, download the pack (docs/tendering.md, App C 5.1). */
export function createOpportunitiesService(db: Db, documents: DocumentStore, clock: Clock) {
  return {
    /** Published, not cancelled tenders matching the filters, closing soonest first. */
    list: async (filters: OpportunityFilters) => {
      const now = clock.now();
      return (await opportunityRows(db, filters, now)).map((row) => presentOpportunity(row, now));
    },
    programmes: () => programmeChoices(db),
    /** The public opportunity page's content, or null for a tender that is not published. */
    get: (id: string) => opportunity(db, clock.now(), id),
    hasInterest: (actor: Actor | null, tenderId: string) => hasInterest(db, actor, tenderId),
    registerInterest: (actor: Actor, tenderId: string) => registerInterest(db, clock.now(), actor, tenderId),
    openDocument: (actor: Actor, tenderId: string, documentId: string) =>
      openDocument(db, documents, actor, tenderId, documentId),
    /** Staff: the tender's supplier downloads, newest first; null for no such tender. */
    downloads: async (tenderId: string) => {
      if (!(await findTender(db, tenderId))) return null;
      return (await downloadRows(db, tenderId)).map(presentDownload);
    },
    closingAt,
  };
}
