import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../../db/client.js";
import { submissionFiles, tenderSubmissions } from "../../../db/schema/index.js";
import type { Clock } from "../../../domain/clock.js";
import { can, type Actor } from "../../../domain/policy.js";
import {
  hasPqqStage,
  isLate,
  isProcedure,
  sectionDeadline,
  type Section,
} from "../../../domain/tendering.js";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ProblemError,
  ValidationError,
} from "../../../errors.js";
import { recordAudit } from "../../audit/service.js";
import type { DocumentStore } from "../../documents/store.js";
import { enqueueMessage } from "../../notifications/service.js";
import type { SpooledFile } from "../../projects/service.js";
import { tenderPaths } from "../paths.js";
import {
  openContent,
  openFileName,
  sealContent,
  sealFileName,
  type SealedContent,
} from "../sealed-content.js";
import type { Sealer } from "../sealing.js";
import { openEncrypted, storeEncrypted, type EncryptedFile } from "./encrypted-file.js";
import { checkSubmission, parseSection, type RawSubmission } from "./inputs.js";
import {
  filesOf,
  findFile,
  findInterest,
  findOpening,
  findTender,
  organisationSubmissions,
  sectionQuestions,
  submittedCount,
  submittedRows,
  organisationName,
  userEmail,
} from "./queries.js";
import { submissionHash, type Receipt, type StoredReceipt } from "./receipt.js";
import { checkSubmissionFiles } from "./upload.js";

/**
 * Sealed submissions (docs/tendering.md; framework App C 5.4–5.6): a supplier's answers, files and
 * price, encrypted under the tender's data key before anything is stored; submitted before the
 * section's deadline by the server's clock; a receipt of hashes; and the seal: nobody reads a section's
 * submissions before its opening is recorded, and every refused read is audited.
 */

interface Deps {
  db: Db;
  documents: DocumentStore;
  sealer: Sealer;
  clock: Clock;
  publicUrl: string;
  maxFileBytes: number;
}

type Tender = NonNullable<Awaited<ReturnType<typeof findTender>>>;

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

function supplierOf(actor: Actor): string {
  if (!actor.organisationId) throw new ForbiddenError("Only a supplier organisation's users submit tenders");
  return actor.organisationId;
}

async function publishedTender(db: Db, tenderId: string): Promise<Tender> {
  const tender = await findTender(db, tenderId);
  if (tender?.status !== "published") throw new NotFoundError("There is no such published tender");
  return tender;
}

/** The section now open: the PQQ until its deadline on a restricted procedure, then the ITT. */
export function openSection(tender: Tender, now: Date): Section {
  const pqq = isProcedure(tender.procedure) && hasPqqStage(tender.procedure);
  if (pqq && tender.pqqDeadline && !isLate(now, tender.pqqDeadline)) return "pqq";
  return "itt";
}

function chooseSection(tender: Tender, requested: unknown, now: Date): Section {
  const section = parseSection(requested);
  if (section === "invalid")
    throw new ValidationError([{ path: "section", message: "Section must be pqq or itt" }]);
  if (section === "pqq" && !(isProcedure(tender.procedure) && hasPqqStage(tender.procedure))) {
    throw new ValidationError([{ path: "section", message: "This tender has no PQQ" }]);
  }
  return section ?? openSection(tender, now);
}

function deadlineOf(tender: Tender, section: Section): Date {
  const deadline = sectionDeadline(section, tender);
  if (!deadline) throw new ConflictError("This section has no deadline");
  return deadline;
}

/**
 * Who may respond: an organisation that registered interest (otherwise 403 `interest-required`: register
 * interest on the opportunity first); on a restricted procedure the ITT only when invited after the PQQ.
 */
function requireEligible(
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

async function loadForSupplier(deps: Deps, actor: Actor, tenderId: string, requested: unknown) {
  const organisationId = supplierOf(actor);
  const tender = await publishedTender(deps.db, tenderId);
  const section = chooseSection(tender, requested, deps.clock.now());
  requireEligible(tender, await findInterest(deps.db, tenderId, organisationId), section);
  return { tender, section, organisationId, deadline: deadlineOf(tender, section) };
}

/** A late attempt is refused and recorded, in a transaction of its own (App C 5.6). */
async function refuseLate(
  deps: Deps,
  actor: Actor,
  tender: Tender,
  section: Section,
  attempt: string,
  deadline: Date,
) {
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await recordAudit(tx, actor, {
      entityType: "tender",
      entityId: tender.id,
      action: "late-submission-refused",
      summary: {
        organisationId: actor.organisationId,
        section,
        attempt,
        at: at.toISOString(),
        deadline: deadline.toISOString(),
      },
    });
  });
  return new ConflictError(
    `The ${section.toUpperCase()} deadline (${deadline.toISOString()}) has passed: nothing was stored`,
    [],
    { code: "late", deadline: deadline.toISOString() },
  );
}

function questionRules(rows: Awaited<ReturnType<typeof sectionQuestions>>) {
  return rows.map((q) => ({
    code: q.code,
    kind: q.kind,
    text: q.text,
    wordLimit: q.wordLimit,
    attachmentAllowed: q.attachmentAllowed,
  }));
}

/** Every problem at once, the answers' and the files', before anything is stored. */
async function checked(
  deps: Deps,
  tender: Tender,
  section: Section,
  raw: RawSubmission,
  files: SpooledFile[],
  complete: boolean,
) {
  const questions = questionRules(await sectionQuestions(deps.db, tender.id, section));
  const { value, errors } = checkSubmission(raw, questions, files.length, complete);
  const fileCheck = await checkSubmissionFiles(files);
  const all = [...errors, ...fileCheck.errors];
  if (all.length > 0) throw new ValidationError(all, "The submission has problems: nothing was stored");
  return { ...value, accepted: fileCheck.checked };
}

interface Sealed {
  file: EncryptedFile;
  name: string;
  mediaType: string;
  questionCode: string | null;
}

/** Encrypts every file into the store before the transaction; the rows that name them are written in it. */
async function sealFiles(
  deps: Deps,
  dataKey: Buffer,
  accepted: { file: SpooledFile; mediaType: string }[],
  codes: (string | null)[],
) {
  // The files go in side by side; their order (the receipt's) is the upload's.
  return Promise.all(
    accepted.map(async ({ file, mediaType }, i): Promise<Sealed> => {
      const stored = await storeEncrypted(deps.documents, dataKey, file.path, deps.maxFileBytes);
      return { file: stored, name: file.fileName, mediaType, questionCode: codes[i] ?? null };
    }),
  );
}

async function submit(deps: Deps, actor: Actor, tenderId: string, raw: RawSubmission, files: SpooledFile[]) {
  const { tender, section, organisationId, deadline } = await loadForSupplier(
    deps,
    actor,
    tenderId,
    raw.section,
  );
  if (isLate(deps.clock.now(), deadline))
    throw await refuseLate(deps, actor, tender, section, "submit", deadline);
  const { content, fileQuestionCodes, accepted } = await checked(deps, tender, section, raw, files, true);
  const dataKey = deps.sealer.dataKey(tender.id, tender.wrappedDataKey);
  const sealed = await sealFiles(deps, dataKey, accepted, fileQuestionCodes);
  // The instant it counts: when the transaction starts, after every byte has arrived and been stored.
  const submittedAt = deps.clock.now();
  if (isLate(submittedAt, deadline)) throw await refuseLate(deps, actor, tender, section, "submit", deadline);
  const receipt = await deps.db.transaction(async (tx) => {
    // One submission at a time per organisation and tender: the interest row is the lock.
    requireEligible(tender, await findInterest(tx, tender.id, organisationId, true), section);
    const rows = await organisationSubmissions(tx, tender.id, organisationId, section);
    const draft = rows.find((r) => r.status === "draft");
    const id = draft?.id ?? randomUUID();
    const hash = submissionHash({
      submissionId: id,
      tenderId: tender.id,
      section,
      submittedAt,
      answers: content.answers,
      priceTotalPence: content.priceTotalPence,
      files: sealed.map((s) => ({
        name: s.name,
        sha256: s.file.sha256,
        bytes: s.file.bytes,
        questionCode: s.questionCode,
      })),
    });
    const stored: StoredReceipt = {
      submissionId: id,
      tenderId: tender.id,
      section,
      submittedAt: submittedAt.toISOString(),
      sha256: hash,
      files: sealed.map((s) => ({ id: s.file.id, sha256: s.file.sha256, bytes: s.file.bytes })),
    };
    const earlier = rows.filter((r) => r.status === "submitted").map((r) => r.id);
    if (earlier.length > 0) {
      await tx
        .update(tenderSubmissions)
        .set({ status: "superseded", updatedAt: submittedAt })
        .where(inArray(tenderSubmissions.id, earlier));
    }
    const values = {
      status: "submitted" as const,
      sealedContent: sealContent(dataKey, id, content),
      submittedAt,
      submittedById: actor.id,
      sha256: hash,
      receipt: { ...stored },
      updatedAt: submittedAt,
    };
    if (draft) await tx.update(tenderSubmissions).set(values).where(eq(tenderSubmissions.id, id));
    else
      await tx
        .insert(tenderSubmissions)
        .values({ id, tenderId: tender.id, organisationId, section, ...values });
    if (sealed.length > 0) {
      await tx.insert(submissionFiles).values(
        sealed.map((s) => ({
          id: s.file.id,
          submissionId: id,
          questionCode: s.questionCode,
          sealedName: sealFileName(dataKey, s.file.id, s.name),
          sha256: s.file.sha256,
          bytes: s.file.bytes,
          blobId: s.file.blobId,
          iv: s.file.iv,
          authTag: s.file.authTag,
          mediaType: s.mediaType,
        })),
      );
    }
    // The record says that and when, never what: no answers, price or names.
    await recordAudit(tx, actor, {
      entityType: "tender-submission",
      entityId: id,
      action: "submitted",
      summary: {
        tenderId: tender.id,
        organisationId,
        section,
        submittedAt: submittedAt.toISOString(),
        sha256: hash,
        files: sealed.length,
        supersedes: earlier,
      },
    });
    const email = actor.id ? await userEmail(tx, actor.id) : null;
    if (email) {
      await enqueueMessage(tx, {
        templateKey: "submission-receipt",
        recipient: email,
        personalisation: {
          tenderReference: tender.reference,
          tenderTitle: tender.title,
          submittedAt: submittedAt.toISOString(),
          sha256: hash,
          link: `${deps.publicUrl}${tenderPaths.receipt(tender.id)}`,
        },
      });
    }
    return stored;
  });
  return withNames(
    receipt,
    sealed.map((s) => s.name),
  );
}

function withNames(stored: StoredReceipt, names: string[]): Receipt {
  return {
    submissionId: stored.submissionId,
    tenderId: stored.tenderId,
    section: stored.section,
    submittedAt: stored.submittedAt,
    sha256: stored.sha256,
    files: stored.files.map((f, i) => ({ name: names[i] ?? "", sha256: f.sha256, bytes: f.bytes })),
  };
}

/** A draft: sealed like a submission, one per organisation and section, and never opened by the opening. */
async function saveDraft(deps: Deps, actor: Actor, tenderId: string, raw: RawSubmission) {
  const { tender, section, organisationId, deadline } = await loadForSupplier(
    deps,
    actor,
    tenderId,
    raw.section,
  );
  if (isLate(deps.clock.now(), deadline))
    throw await refuseLate(deps, actor, tender, section, "draft", deadline);
  const { content } = await checked(deps, tender, section, raw, [], false);
  const dataKey = deps.sealer.dataKey(tender.id, tender.wrappedDataKey);
  return deps.db.transaction(async (tx) => {
    requireEligible(tender, await findInterest(tx, tender.id, organisationId, true), section);
    const rows = await organisationSubmissions(tx, tender.id, organisationId, section);
    const draft = rows.find((r) => r.status === "draft");
    const id = draft?.id ?? randomUUID();
    const now = deps.clock.now();
    if (draft) {
      await tx
        .update(tenderSubmissions)
        .set({ sealedContent: sealContent(dataKey, id, content), updatedAt: now })
        .where(eq(tenderSubmissions.id, id));
    } else {
      await tx.insert(tenderSubmissions).values({
        id,
        tenderId: tender.id,
        organisationId,
        section,
        status: "draft",
        sealedContent: sealContent(dataKey, id, content),
      });
    }
    await recordAudit(tx, actor, {
      entityType: "tender-submission",
      entityId: id,
      action: "draft-saved",
      summary: { tenderId: tender.id, organisationId, section },
    });
    return { id, section, savedAt: now.toISOString() };
  });
}

async function withdraw(deps: Deps, actor: Actor, tenderId: string, requested: unknown) {
  const { tender, section, organisationId, deadline } = await loadForSupplier(
    deps,
    actor,
    tenderId,
    requested,
  );
  if (isLate(deps.clock.now(), deadline))
    throw await refuseLate(deps, actor, tender, section, "withdraw", deadline);
  return deps.db.transaction(async (tx) => {
    await findInterest(tx, tender.id, organisationId, true);
    const rows = await organisationSubmissions(tx, tender.id, organisationId, section);
    const current = rows.filter((r) => r.status === "submitted").map((r) => r.id);
    if (current.length === 0)
      throw new ConflictError("There is no submitted response to withdraw", [], {
        code: "nothing-submitted",
      });
    const now = deps.clock.now();
    await tx
      .update(tenderSubmissions)
      .set({ status: "withdrawn", withdrawnAt: now, updatedAt: now })
      .where(and(inArray(tenderSubmissions.id, current)));
    await recordAudit(tx, actor, {
      entityType: "tender-submission",
      entityId: current[0] ?? tender.id,
      action: "withdrawn",
      summary: { tenderId: tender.id, organisationId, section, withdrawnAt: now.toISOString() },
    });
    return { section, status: "withdrawn" as const, withdrawnAt: now.toISOString() };
  });
}

/** The receipt with the files' names opened: only ever for the organisation that submitted. */
async function receiptOf(deps: Deps, tender: Tender, row: { receipt: Record<string, unknown> | null }) {
  if (!row.receipt) return null;
  const stored = row.receipt as unknown as StoredReceipt;
  const dataKey = deps.sealer.dataKey(tender.id, tender.wrappedDataKey);
  const files = await filesOf(deps.db, [stored.submissionId]);
  const names = stored.files.map((f) => {
    const file = files.find((x) => x.id === f.id);
    return file ? openFileName(dataKey, file.id, file.sealedName) : "";
  });
  return withNames(stored, names);
}

/**
 * The supplier's own status in a section: the current submission's receipt, and its own draft's
 * content (the submitted content stays sealed, for its author too, until the opening).
 */
async function own(deps: Deps, actor: Actor, tenderId: string, requested: unknown) {
  const { tender, section, organisationId, deadline } = await loadForSupplier(
    deps,
    actor,
    tenderId,
    requested,
  );
  const rows = await organisationSubmissions(deps.db, tender.id, organisationId, section);
  const draftRow = rows.find((r) => r.status === "draft");
  const latest = rows.find((r) => r.status === "submitted") ?? rows.find((r) => r.status === "withdrawn");
  const dataKey = deps.sealer.dataKey(tender.id, tender.wrappedDataKey);
  const draft: SealedContent | null = draftRow
    ? openContent(dataKey, draftRow.id, draftRow.sealedContent)
    : null;
  return {
    tender: { id: tender.id, reference: tender.reference, title: tender.title },
    organisationName: await organisationName(deps.db, organisationId),
    section,
    deadline: deadline.toISOString(),
    late: isLate(deps.clock.now(), deadline),
    status: latest?.status ?? (draftRow ? ("draft" as const) : ("none" as const)),
    submittedAt: latest?.status === "submitted" ? (latest.submittedAt?.toISOString() ?? null) : null,
    withdrawnAt: latest?.withdrawnAt?.toISOString() ?? null,
    receipt: latest?.status === "submitted" ? await receiptOf(deps, tender, latest) : null,
    draft,
    questions: questionRules(await sectionQuestions(deps.db, tender.id, section)),
  };
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

export function createSubmissionsService(deps: Deps) {
  return {
    submit: (actor: Actor, tenderId: string, raw: RawSubmission, files: SpooledFile[]) =>
      submit(deps, actor, tenderId, raw, files),
    saveDraft: (actor: Actor, tenderId: string, raw: RawSubmission) => saveDraft(deps, actor, tenderId, raw),
    withdraw: (actor: Actor, tenderId: string, section?: unknown) => withdraw(deps, actor, tenderId, section),
    own: (actor: Actor, tenderId: string, section?: unknown) => own(deps, actor, tenderId, section),
    sealedSummary: (tenderId: string, section?: unknown) => sealedSummary(deps, tenderId, section),
    listOpened: (actor: Actor, tenderId: string, section?: unknown) =>
      listOpened(deps, actor, tenderId, section),
    openFile: (actor: Actor, tenderId: string, fileId: string) => openFile(deps, actor, tenderId, fileId),
    /** A refused page read before the opening (the staff page's file links), recorded. */
    refuseSealed: (actor: Actor, tenderId: string, section: Section, what: string) =>
      refuseSealed(deps, actor, tenderId, section, what),
  };
}
export type SubmissionsService = ReturnType<typeof createSubmissionsService>;
