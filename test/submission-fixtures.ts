import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { tenderInterests, users } from "../src/db/schema/index.js";
import type { Clock } from "../src/domain/clock.js";
import { dateInLondon } from "../src/domain/dates.js";
import {
  apiTokenFor,
  asFixture,
  createUser,
  insertProject,
  multipart,
  type MultipartPart,
  type TestApp,
} from "./helpers.js";
import { insertPublishedTender, type FixtureQuestion } from "./tenders.js";

/** Fixtures of the sealed submissions' tests: a clock a test moves, tenders, suppliers, and a PDF. */

export function movableClock(start: Date): Clock & { set(at: Date): void } {
  let now = new Date(start.getTime());
  return {
    now: () => new Date(now.getTime()),
    today: () => dateInLondon(now),
    set(at: Date) {
      now = new Date(at.getTime());
    },
  };
}

export const START = new Date("2026-03-02T09:00:00Z");
export const DEADLINE = new Date("2026-03-20T12:00:00Z");

export async function tenderFor(
  t: TestApp,
  extra: { procedure?: "open" | "restricted"; pqqDeadline?: Date; questions?: FixtureQuestion[] } = {},
) {
  const projectId = await insertProject(t.database.db, {
    title: `Sealed ${Math.random().toString(36).slice(2, 8)}`,
    programmeCode: "SP",
    estimatedValuePence: 250_000_000,
  });
  return insertPublishedTender(t.database.db, t.services.sealer, {
    projectId,
    publishedAt: new Date("2026-03-01T09:00:00Z"),
    clarificationDeadline: new Date("2026-03-10T12:00:00Z"),
    submissionDeadline: DEADLINE,
    ...extra,
  });
}

/** A supplier user (its own organisation), with interest registered in the tender unless told not to. */
export async function supplierFor(
  t: TestApp,
  tenderId: string,
  options: { interest?: boolean; invited?: boolean } = {},
) {
  const user = await createUser(t.services, ["supplier-user"]);
  const [row] = await t.database.db
    .select({ organisationId: users.organisationId })
    .from(users)
    .where(eq(users.id, user.id));
  const organisationId = row?.organisationId ?? "";
  if (options.interest !== false) {
    await asFixture(t.database.db, (tx) =>
      tx
        .insert(tenderInterests)
        .values({ tenderId, organisationId, invitedToTenderAt: options.invited ? START : null }),
    );
  }
  const token = await apiTokenFor(t.services, user.id);
  return { user, organisationId, token, auth: { authorization: `Bearer ${token}` } };
}

/** A small PDF: file-type knows it by its first bytes. */
export function pdf(text: string): Buffer {
  return Buffer.from(
    `%PDF-1.4\n% ${text}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`,
  );
}

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export interface SubmissionBody {
  answers?: { questionCode: string; value: string }[] | string;
  priceTotalPence?: string | number;
  section?: string;
  files?: { filename: string; data: Buffer; contentType?: string }[];
  fileQuestionCodes?: (string | null)[];
}

export function submissionPayload(body: SubmissionBody) {
  const parts: MultipartPart[] = [];
  if (body.section) parts.push({ name: "section", value: body.section });
  if (body.answers !== undefined) {
    parts.push({
      name: "answers",
      value: typeof body.answers === "string" ? body.answers : JSON.stringify(body.answers),
    });
  }
  if (body.priceTotalPence !== undefined)
    parts.push({ name: "priceTotalPence", value: String(body.priceTotalPence) });
  if (body.fileQuestionCodes)
    parts.push({ name: "fileQuestionCodes", value: JSON.stringify(body.fileQuestionCodes) });
  for (const f of body.files ?? []) {
    parts.push({
      name: "files",
      filename: f.filename,
      contentType: f.contentType ?? "application/pdf",
      data: f.data,
    });
  }
  return multipart(parts);
}

export async function submit(
  t: TestApp,
  tenderId: string,
  auth: Record<string, string>,
  body: SubmissionBody,
) {
  const { payload, headers } = submissionPayload(body);
  return t.app.inject({
    method: "PUT",
    url: `/api/v1/tenders/${tenderId}/submission`,
    headers: { ...headers, ...auth },
    payload,
  });
}

export const GOOD_ANSWERS = [
  { questionCode: "Q1", value: "yes" },
  { questionCode: "Q2", value: "We will deliver the service from three community hubs." },
  { questionCode: "Q3", value: "A service-user panel meets monthly." },
];
