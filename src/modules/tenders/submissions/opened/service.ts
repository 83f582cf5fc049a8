import { can, type Actor } from "../../../../domain/policy.js";
import type { Section } from "../../../../domain/tendering.js";
import { ForbiddenError, NotFoundError, ProblemError, ValidationError } from "../../../../errors.js";
import { recordAudit } from "../../../audit/service.js";
import { openContent, openFileName } from "../../sealed-content.js";
import { openEncrypted } from "../encrypted-file.js";
import { parseSection } from "../inputs.js";
import { filesOf, findFile, findOpening, findTender, submittedCount, submittedRows } from "../queries.js";
import type { Deps, Tender } from "../service.js";

/**
 * The seal on reading (docs/tendering.md): a section's submissions, opened, for the staff, only once its
 * opening is recorded (App C 5.6–5.7). Before it every role hears 409 `sealed`, and each refusal is
 * recorded in a transaction of its own.
 */

/** 409 with `code: "sealed"` (its problem type ends `/sealed`): the opening has not been recorded. */
export class SealedError extends ProblemError {
  constructor(section: Section) {
    super(
      409,
      "Sealed",
      `The ${section.toUpperCase()} submissions are sealed until their opening is recorded`,
      [],
      { code: "sealed" },
    );
  }
}

/** A refused read before the opening: recorded in a transaction of its own, then the 409. */
async function refuseSealed(deps: Deps, actor: Actor, tenderId: string, section: Section, what: string) {
  await deps.db.transaction(async (tx) => {
    await recordAudit(tx, actor, {
      entityType: "tender",
      entityId: tenderId,
      action: "sealed-read-refused",
      summary: { section, what },
    });
  });
  return new SealedError(section);
}

/**
 * The seal is checked first, so that before the opening every staff role hears the same 409 `sealed`;
 * after it, only the roles with "submissions:read" read (App C 5.7).
 */
function requireReader(actor: Actor) {
  if (!can(actor, "submissions:read")) throw new ForbiddenError("Your roles do not allow submissions:read");
}

function staffSection(tender: Tender, requested: unknown): Section {
  const section = parseSection(requested);
  if (section === "invalid")
    throw new ValidationError([{ path: "section", message: "Section must be pqq or itt" }]);
  return section ?? "itt";
}

/** For the staff page: how many, and whether the opening lets them be read. Names nothing. */
async function sealedSummary(deps: Deps, tenderId: string, requested: unknown) {
  const tender = await findTender(deps.db, tenderId);
  if (!tender) throw new NotFoundError("There is no such tender");
  const section = staffSection(tender, requested);
  const opening = await findOpening(deps.db, tender.id, section);
  return {
    tender: { id: tender.id, reference: tender.reference, title: tender.title },
    section,
    opened: opening !== null,
    count: await submittedCount(deps.db, tender.id, section),
  };
}

/** After the opening: every submitted response, opened; before it, 409 sealed for everyone, audited. */
async function listOpened(deps: Deps, actor: Actor, tenderId: string, requested: unknown) {
  const tender = await findTender(deps.db, tenderId);
  if (!tender) throw new NotFoundError("There is no such tender");
  const section = staffSection(tender, requested);
  const opening = await findOpening(deps.db, tender.id, section);
  if (!opening) throw await refuseSealed(deps, actor, tender.id, section, "submissions");
  requireReader(actor);
  const dataKey = deps.sealer.dataKey(tender.id, tender.wrappedDataKey);
  const rows = await submittedRows(deps.db, tender.id, section);
  const files = await filesOf(
    deps.db,
    rows.map((r) => r.submission.id),
  );
  await deps.db.transaction(async (tx) => {
    await recordAudit(tx, actor, {
      entityType: "tender",
      entityId: tender.id,
      action: "submissions-read",
      summary: { section, submissions: rows.length },
    });
  });
  return {
    tender: { id: tender.id, reference: tender.reference, title: tender.title },
    section,
    openedAt: opening.openedAt.toISOString(),
    items: rows.map(({ submission, organisationName }) => {
      const content = openContent(dataKey, submission.id, submission.sealedContent);
      return {
        submissionId: submission.id,
        organisationId: submission.organisationId,
        organisationName,
        submittedAt: submission.submittedAt?.toISOString() ?? "",
        sha256: submission.sha256 ?? "",
        answers: content.answers,
        priceTotalPence: content.priceTotalPence,
        files: files
          .filter((f) => f.submissionId === submission.id)
          .map((f) => ({
            id: f.id,
            name: openFileName(dataKey, f.id, f.sealedName),
            questionCode: f.questionCode,
            sha256: f.sha256,
            bytes: f.bytes,
            mediaType: f.mediaType,
          })),
      };
    }),
  };
}

/** One file's plain bytes, after its section's opening; refused (and audited) before it. */
async function openFile(deps: Deps, actor: Actor, tenderId: string, fileId: string) {
  const tender = await findTender(deps.db, tenderId);
  const found = await findFile(deps.db, fileId);
  if (!tender || found?.submission.tenderId !== tender.id || found.submission.status === "draft") {
    throw new NotFoundError("This tender has no such file");
  }
  const { file, submission } = found;
  if (!(await findOpening(deps.db, tender.id, submission.section))) {
    throw await refuseSealed(deps, actor, tender.id, submission.section, `file ${file.id}`);
  }
  requireReader(actor);
  const [meta] = await filesOf(deps.db, [submission.id]).then((all) => all.filter((f) => f.id === file.id));
  const blob = meta ? await deps.documents.open(meta.blobSha256) : null;
  if (!blob) throw new NotFoundError("The file is missing from storage");
  const dataKey = deps.sealer.dataKey(tender.id, tender.wrappedDataKey);
  await deps.db.transaction(async (tx) => {
    await recordAudit(tx, actor, {
      entityType: "tender-submission",
      entityId: submission.id,
      action: "file-read",
      summary: { tenderId: tender.id, fileId: file.id },
    });
  });
  return {
    stream: openEncrypted(blob.stream, dataKey, file),
    name: openFileName(dataKey, file.id, file.sealedName),
    mediaType: file.mediaType,
    bytes: file.bytes,
    sha256: file.sha256,
  };
}

export function createOpenedReads(deps: Deps) {
  return {
    sealedSummary: (tenderId: string, section?: unknown) => sealedSummary(deps, tenderId, section),
    listOpened: (actor: Actor, tenderId: string, section?: unknown) =>
      listOpened(deps, actor, tenderId, section),
    openFile: (actor: Actor, tenderId: string, fileId: string) => openFile(deps, actor, tenderId, fileId),
    /** A refused page read before the opening (the staff page), recorded. */
    refuseSealed: (actor: Actor, tenderId: string, section: Section, what: string) =>
      refuseSealed(deps, actor, tenderId, section, what),
  };
}
