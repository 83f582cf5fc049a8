import { randomUUID } from "node:crypto";
import type { Database } from "../src/db/client.js";
import { organisations, tenderInterests, tenderQuestions, tenders } from "../src/db/schema/index.js";
import type { Procedure } from "../src/domain/tendering.js";
import type { Sealer } from "../src/modules/tenders/sealing.js";
import { asFixture } from "./helpers.js";

export interface FixtureQuestion {
  code: string;
  section: "pqq" | "itt";
  kind: "pass-fail" | "scored" | "price";
  text?: string;
  weightPct?: number;
  wordLimit?: number;
  attachmentAllowed?: boolean;
}

export const FIXTURE_QUESTIONS: FixtureQuestion[] = [
  { code: "Q1", section: "itt", kind: "pass-fail", text: "Do you hold the insurance the terms require?" },
  {
    code: "Q2",
    section: "itt",
    kind: "scored",
    text: "How will you deliver the service?",
    weightPct: 60,
    wordLimit: 500,
    attachmentAllowed: true,
  },
  {
    code: "Q3",
    section: "itt",
    kind: "scored",
    text: "How will you involve service users?",
    weightPct: 40,
    wordLimit: 300,
  },
  { code: "P1", section: "itt", kind: "price", text: "Your total price for the contract term" },
];

/**
 * A published tender written straight to the database, for tests of one part of tendering (submissions,
 * the opening, clarifications) that do not need the tender's own set-up use case. Its data key is
 * wrapped by the app's sealer, so the app opens what it seals.
 */
export async function insertPublishedTender(
  db: Database["db"],
  sealer: Sealer,
  values: {
    projectId: string;
    procedure?: Procedure;
    publishedAt?: Date;
    clarificationDeadline: Date;
    pqqDeadline?: Date;
    submissionDeadline: Date;
    questions?: FixtureQuestion[];
    title?: string;
  },
): Promise<string> {
  const id = randomUUID();
  const { wrapped } = sealer.newDataKey(id);
  return asFixture(db, async (tx) => {
    await tx.insert(tenders).values({
      id,
      projectId: values.projectId,
      reference: `T-${id.slice(0, 8)}`,
      title: values.title ?? "Community drug and alcohol treatment",
      procedure: values.procedure ?? "open",
      valuePence: 250_000_000,
      status: "published",
      publishedAt: values.publishedAt ?? new Date(values.clarificationDeadline.getTime() - 14 * 86_400_000),
      clarificationDeadline: values.clarificationDeadline,
      pqqDeadline: values.pqqDeadline ?? null,
      submissionDeadline: values.submissionDeadline,
      wrappedDataKey: wrapped,
    });
    const questions = values.questions ?? FIXTURE_QUESTIONS;
    await tx.insert(tenderQuestions).values(
      questions.map((q, i) => ({
        tenderId: id,
        code: q.code,
        section: q.section,
        kind: q.kind,
        text: q.text ?? `Question ${q.code}`,
        weightPct: q.weightPct ?? null,
        wordLimit: q.wordLimit ?? null,
        attachmentAllowed: q.attachmentAllowed ?? false,
        position: i + 1,
      })),
    );
    return id;
  });
}

/** A supplier organisation, and its registered interest in a tender when one is named. */
export async function insertSupplier(
  db: Database["db"],
  values: { name: string; tenderId?: string; invitedToTender?: boolean },
): Promise<string> {
  return asFixture(db, async (tx) => {
    const [org] = await tx
      .insert(organisations)
      .values({ name: values.name, kind: "supplier", sme: true, vcse: false })
      .returning({ id: organisations.id });
    if (!org) throw new Error("supplier not stored");
    if (values.tenderId) {
      await tx.insert(tenderInterests).values({
        tenderId: values.tenderId,
        organisationId: org.id,
        invitedToTenderAt: values.invitedToTender ? new Date() : null,
      });
    }
    return org.id;
  });
}
