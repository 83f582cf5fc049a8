import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { Db, Executor } from "../../../db/client.js";
import { submissionFiles, tenderSubmissions } from "../../../db/schema/index.js";
import type { Clock } from "../../../domain/clock.js";
import type { Actor } from "../../../domain/policy.js";
import { isLate, type Section } from "../../../domain/tendering.js";
import { ConflictError, NotFoundError } from "../../../errors.js";
import { recordAudit } from "../../audit/service.js";
import type { DocumentStore } from "../../documents/store.js";
import { enqueueMessage } from "../../notifications/service.js";
import { tenderPaths } from "../paths.js";
import {
  openContent,
  openFileName,
  sealContent,
  sealFileName,
  type SealedContent,
} from "../sealed-content.js";
import type { Sealer } from "../sealing.js";
import type { RawSubmission } from "./inputs.js";
import {
  filesOf,
  findInterest,
  findTender,
  organisationSubmissions,
  sectionQuestions,
  organisationName,
  userEmail,
} from "./queries.js";
import { chooseSection, deadlineOf, questionRules, requireEligible, supplierOf } from "./rules.js";
import type { Intake, ReceivedFile } from "./encrypted-file.js";
import { checked, sealFiles, type Sealed } from "./intake.js";
import { createOpenedReads } from "./opened/service.js";
import { storedReceiptSchema, submissionHash, withNames, type StoredReceipt } from "./receipt.js";

/**
 * Sealed submissions (docs/tendering.md; framework App C 5.4–5.6): a supplier's answers, files and
 * price, encrypted under the tender's data key before anything is stored; submitted before the
 * section's deadline by the server's clock; a receipt of hashes; and the seal: nobody reads a section's
 * submissions before its opening is recorded, and every refused read is audited.
 */

export interface Deps {
  db: Db;
  documents: DocumentStore;
  sealer: Sealer;
  clock: Clock;
  publicUrl: string;
  maxFileBytes: number;
}

export type Tender = NonNullable<Awaited<ReturnType<typeof findTender>>>;

async function publishedTender(db: Db, tenderId: string): Promise<Tender> {
  const tender = await findTender(db, tenderId);
  if (tender?.status !== "published") throw new NotFoundError("There is no such published tender");
  return tender;
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

interface Submitting {
  tender: Tender;
  section: Section;
  organisationId: string;
  submittedAt: Date;
  content: SealedContent;
  sealed: Sealed[];
  dataKey: Buffer;
}

/** The receipt of the submission about to be written, as stored (no names) with its hash. */
function receiptFor(id: string, w: Submitting): StoredReceipt {
  const sha256 = submissionHash({
    submissionId: id,
    tenderId: w.tender.id,
    section: w.section,
    submittedAt: w.submittedAt,
    answers: w.content.answers,
    priceTotalPence: w.content.priceTotalPence,
    files: w.sealed.map((s) => ({
      name: s.name,
      sha256: s.file.sha256,
      bytes: s.file.bytes,
      questionCode: s.questionCode,
    })),
  });
  return {
    submissionId: id,
    tenderId: w.tender.id,
    section: w.section,
    submittedAt: w.submittedAt.toISOString(),
    sha256,
    files: w.sealed.map((s) => ({ id: s.file.id, sha256: s.file.sha256, bytes: s.file.bytes })),
  };
}

/** The submitted row (the draft's, when there is one), the earlier one superseded, and the files' rows. */
async function writeRows(tx: Executor, actor: Actor, w: Submitting) {
  const rows = await organisationSubmissions(tx, w.tender.id, w.organisationId, w.section);
  const draft = rows.find((r) => r.status === "draft");
  const id = draft?.id ?? randomUUID();
  const stored = receiptFor(id, w);
  const earlier = rows.filter((r) => r.status === "submitted").map((r) => r.id);
  if (earlier.length > 0) {
    await tx
      .update(tenderSubmissions)
      .set({ status: "superseded", updatedAt: w.submittedAt })
      .where(inArray(tenderSubmissions.id, earlier));
  }
  const values = {
    status: "submitted" as const,
    sealedContent: sealContent(w.dataKey, id, w.content),
    submittedAt: w.submittedAt,
    submittedById: actor.id,
    sha256: stored.sha256,
    receipt: { ...stored },
    updatedAt: w.submittedAt,
  };
  if (draft) await tx.update(tenderSubmissions).set(values).where(eq(tenderSubmissions.id, id));
  else {
    const keys = { id, tenderId: w.tender.id, organisationId: w.organisationId, section: w.section };
    await tx.insert(tenderSubmissions).values({ ...keys, ...values });
  }
  if (w.sealed.length > 0) {
    await tx.insert(submissionFiles).values(
      w.sealed.map((s) => ({
        id: s.file.id,
        submissionId: id,
        questionCode: s.questionCode,
        sealedName: sealFileName(w.dataKey, s.file.id, s.name),
        sha256: s.file.sha256,
        bytes: s.file.bytes,
        blobId: s.file.blobId,
        iv: s.file.iv,
        authTag: s.file.authTag,
        mediaType: s.mediaType,
      })),
    );
  }
  return { stored, earlier };
}

/** The audit record (that and when, never what: no answers, price or names) and the receipt message. */
async function recordSubmitted(
  tx: Executor,
  deps: Deps,
  actor: Actor,
  w: Submitting,
  written: Awaited<ReturnType<typeof writeRows>>,
) {
  const { stored, earlier } = written;
  await recordAudit(tx, actor, {
    entityType: "tender-submission",
    entityId: stored.submissionId,
    action: "submitted",
    summary: {
      tenderId: w.tender.id,
      organisationId: w.organisationId,
      section: w.section,
      submittedAt: stored.submittedAt,
      sha256: stored.sha256,
      files: w.sealed.length,
      supersedes: earlier,
    },
  });
  const email = actor.id ? await userEmail(tx, actor.id) : null;
  if (!email) return;
  await enqueueMessage(tx, {
    templateKey: "submission-receipt",
    recipient: email,
    personalisation: {
      tenderReference: w.tender.reference,
      tenderTitle: w.tender.title,
      submittedAt: stored.submittedAt,
      sha256: stored.sha256,
      link: `${deps.publicUrl}${tenderPaths.receipt(w.tender.id)}`,
    },
  });
}

async function submit(deps: Deps, actor: Actor, tenderId: string, raw: RawSubmission, files: ReceivedFile[]) {
  const loaded = await loadForSupplier(deps, actor, tenderId, raw.section);
  const { tender, section, organisationId, deadline } = loaded;
  if (isLate(deps.clock.now(), deadline))
    throw await refuseLate(deps, actor, tender, section, "submit", deadline);
  const { content, fileQuestionCodes, accepted } = await checked(deps, tender, section, raw, files, true);
  const dataKey = deps.sealer.dataKey(tender.id, tender.wrappedDataKey);
  const sealed = await sealFiles(deps, dataKey, accepted, fileQuestionCodes);
  // The instant it counts: when the transaction starts, after every byte has arrived and been stored.
  const submittedAt = deps.clock.now();
  if (isLate(submittedAt, deadline)) throw await refuseLate(deps, actor, tender, section, "submit", deadline);
  const w: Submitting = { tender, section, organisationId, submittedAt, content, sealed, dataKey };
  const stored = await deps.db.transaction(async (tx) => {
    // One submission at a time per organisation and tender: the interest row is the lock.
    requireEligible(tender, await findInterest(tx, tender.id, organisationId, true), section);
    const written = await writeRows(tx, actor, w);
    await recordSubmitted(tx, deps, actor, w, written);
    return written.stored;
  });
  return withNames(
    stored,
    sealed.map((s) => s.name),
  );
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
  const stored = storedReceiptSchema.parse(row.receipt);
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Where a submission's files are encrypted as they arrive: the published tender's data key and the
 * store, or null (no such tender: the bytes are dropped, and `submit` refuses the request as before).
 * Only a key is handed out, never content; `submit` checks the files were sealed under its tender's key.
 */
async function intakeFor(deps: Deps, tenderId: string): Promise<Intake | null> {
  if (!UUID.test(tenderId)) return null;
  const tender = await findTender(deps.db, tenderId);
  if (tender?.status !== "published") return null;
  return { dataKey: deps.sealer.dataKey(tender.id, tender.wrappedDataKey), documents: deps.documents };
}

export function createSubmissionsService(deps: Deps) {
  return {
    intakeFor: (tenderId: string) => intakeFor(deps, tenderId),
    submit: (actor: Actor, tenderId: string, raw: RawSubmission, files: ReceivedFile[]) =>
      submit(deps, actor, tenderId, raw, files),
    saveDraft: (actor: Actor, tenderId: string, raw: RawSubmission) => saveDraft(deps, actor, tenderId, raw),
    withdraw: (actor: Actor, tenderId: string, section?: unknown) => withdraw(deps, actor, tenderId, section),
    own: (actor: Actor, tenderId: string, section?: unknown) => own(deps, actor, tenderId, section),
    ...createOpenedReads(deps),
  };
}
export { SealedError } from "./opened/service.js";
export type SubmissionsService = ReturnType<typeof createSubmissionsService>;
