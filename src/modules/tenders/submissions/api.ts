import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { NotFoundError } from "../../../errors.js";
import { problemResponses, problemSchema } from "../../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../../web/guards.js";
import { MAX_UPLOAD_BYTES } from "../../../web/limits.js";
import { attachmentHeader } from "../../projects/service.js";
import { presentReceiptPdf } from "./presenter.js";
import { renderReceiptPdf } from "./receipt-pdf.js";
import { receiveSubmission } from "./upload.js";

/**
 * A supplier's sealed submission and the staff's sealed list (docs/tendering.md, "Sealed submissions"). The
 * submission is multipart: `answers` a JSON array of `{questionCode, value}`, files in the field
 * `files`, `fileQuestionCodes` an optional JSON array naming, file by file in order, the question each
 * answers (or null), `priceTotalPence`, and `section` (pqq|itt; default the one open now).
 */

const tags = ["tenders"];
const params = z.object({ id: z.uuid() });
const sectionQuery = z.object({ section: z.enum(["pqq", "itt"]).optional() });

export const submissionApiPaths = {
  submission: (id = ":id") => `/api/v1/tenders/${id}/submission`,
  draft: (id = ":id") => `/api/v1/tenders/${id}/submission/draft`,
  receiptPdf: (id = ":id") => `/api/v1/tenders/${id}/submission/receipt.pdf`,
  submissions: (id = ":id") => `/api/v1/tenders/${id}/submissions`,
  file: (id = ":id", fileId = ":fileId") => `/api/v1/tenders/${id}/submissions/files/${fileId}`,
};

const receiptSchema = z.object({
  submissionId: z.uuid(),
  tenderId: z.uuid(),
  section: z.enum(["pqq", "itt"]),
  submittedAt: z.string().describe("ISO 8601, UTC"),
  sha256: z.string().describe("SHA-256 of the whole submission, as docs/tendering.md defines it"),
  files: z.array(z.object({ name: z.string(), sha256: z.string(), bytes: z.number().int() })),
});

const contentSchema = z.object({
  answers: z.array(z.object({ questionCode: z.string(), value: z.string() })),
  priceTotalPence: z.number().int().nullable(),
});

const uploadResponses = { ...problemResponses, 413: problemSchema, 415: problemSchema };

type App = Parameters<FastifyPluginAsyncZod>[0];

function submitApi(app: App) {
  const { submissions } = app.services;

  app.put(
    submissionApiPaths.submission(),
    {
      preValidation: requireApi("tenders:participate"),
      schema: {
        tags,
        summary:
          "Submits the organisation's sealed response (multipart); replaces an earlier one before the deadline",
        description:
          "Fields: answers (JSON [{questionCode, value}]), files (repeatable; PDF, DOCX, XLSX, ODT or CSV judged " +
          "from the bytes, 50 MB each at most), fileQuestionCodes (JSON, one code or null per file), priceTotalPence, " +
          "section. 409 `late` after the deadline by the server's clock (recorded); 403 `interest-required` " +
          "without registered interest, `not-invited` for an ITT the organisation was not shortlisted for.",
        params,
        consumes: ["multipart/form-data"],
        response: { 200: z.object({ receipt: receiptSchema }), ...uploadResponses },
      },
    },
    async (request) => {
      const received = await receiveSubmission(request, {
        maxBytes: MAX_UPLOAD_BYTES,
        intake: () => submissions.intakeFor(request.params.id),
      });
      try {
        const receipt = await submissions.submit(
          admittedActor(request),
          request.params.id,
          received.fields,
          received.files,
        );
        return { receipt };
      } finally {
        await received.discard();
      }
    },
  );
}

function draftApi(app: App) {
  const { submissions } = app.services;

  app.put(
    submissionApiPaths.draft(),
    {
      preValidation: requireApi("tenders:participate"),
      schema: {
        tags,
        summary:
          "Saves the organisation's draft (sealed like a submission; one per section, files come with Submit)",
        params,
        body: z.object({
          section: z.enum(["pqq", "itt"]).optional(),
          answers: z.array(z.object({ questionCode: z.string(), value: z.string() })).default([]),
          priceTotalPence: z.number().int().nullable().optional(),
        }),
        response: {
          200: z.object({
            draft: z.object({ id: z.uuid(), section: z.enum(["pqq", "itt"]), savedAt: z.string() }),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { section, answers, priceTotalPence } = request.body;
      const draft = await submissions.saveDraft(admittedActor(request), request.params.id, {
        section,
        answers: JSON.stringify(answers),
        priceTotalPence: priceTotalPence ?? undefined,
      });
      return { draft };
    },
  );
}

function withdrawApi(app: App) {
  const { submissions } = app.services;

  app.delete(
    submissionApiPaths.submission(),
    {
      preValidation: requireApi("tenders:participate"),
      schema: {
        tags,
        summary: "Withdraws the organisation's submission before the deadline",
        params,
        querystring: sectionQuery,
        response: {
          200: z.object({
            section: z.enum(["pqq", "itt"]),
            status: z.literal("withdrawn"),
            withdrawnAt: z.string(),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => submissions.withdraw(admittedActor(request), request.params.id, request.query.section),
  );
}

function ownApi(app: App) {
  const { submissions } = app.services;

  app.get(
    submissionApiPaths.submission(),
    {
      preValidation: requireApi("tenders:participate"),
      schema: {
        tags,
        summary: "The organisation's own status in a section: its receipt, and its own draft's content",
        params,
        querystring: sectionQuery,
        response: {
          200: z.object({
            section: z.enum(["pqq", "itt"]),
            deadline: z.string(),
            late: z.boolean(),
            status: z.enum(["none", "draft", "submitted", "withdrawn", "superseded"]),
            submittedAt: z.string().nullable(),
            withdrawnAt: z.string().nullable(),
            receipt: receiptSchema.nullable(),
            draft: contentSchema.nullable(),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => submissions.own(admittedActor(request), request.params.id, request.query.section),
  );
}

function receiptPdfApi(app: App) {
  const { submissions } = app.services;

  app.get(
    submissionApiPaths.receiptPdf(),
    {
      preValidation: requireApi("tenders:participate"),
      schema: {
        tags,
        summary: "The current submission's receipt as a PDF",
        params,
        querystring: sectionQuery,
      },
    },
    async (request, reply) => {
      const own = await submissions.own(admittedActor(request), request.params.id, request.query.section);
      if (!own.receipt) throw new NotFoundError("The organisation has no current submission in this section");
      const data = presentReceiptPdf(own);
      return reply
        .type("application/pdf")
        .header("content-disposition", attachmentHeader(`receipt-${own.tender.reference}.pdf`))
        .send(await renderReceiptPdf(data));
    },
  );
}

function supplierApi(app: App) {
  submitApi(app);
  draftApi(app);
  withdrawApi(app);
  ownApi(app);
  receiptPdfApi(app);
}

const openedSchema = z.object({
  section: z.enum(["pqq", "itt"]),
  openedAt: z.string(),
  items: z.array(
    z.object({
      submissionId: z.uuid(),
      organisationId: z.uuid(),
      organisationName: z.string(),
      submittedAt: z.string(),
      sha256: z.string(),
      answers: z.array(z.object({ questionCode: z.string(), value: z.string() })),
      priceTotalPence: z.number().int().nullable(),
      files: z.array(
        z.object({
          id: z.uuid(),
          name: z.string(),
          questionCode: z.string().nullable(),
          sha256: z.string(),
          bytes: z.number().int(),
          mediaType: z.string(),
          download: z.string(),
        }),
      ),
    }),
  ),
});

function openedListApi(app: App) {
  const { submissions } = app.services;

  app.get(
    submissionApiPaths.submissions(),
    {
      preValidation: requireApi("tenders:read"),
      schema: {
        tags,
        summary: "The section's submissions, opened: 409 with code `sealed` until its opening is recorded",
        description:
          "Every role is refused before the opening, administrators included, with a problem whose `code` is " +
          "`sealed` (its type ends /sealed); each refusal is audited. `section` defaults to itt.",
        params,
        querystring: sectionQuery,
        response: { 200: openedSchema, ...problemResponses },
      },
    },
    async (request) => {
      const opened = await submissions.listOpened(
        admittedActor(request),
        request.params.id,
        request.query.section,
      );
      return {
        section: opened.section,
        openedAt: opened.openedAt,
        items: opened.items.map((item) => ({
          ...item,
          files: item.files.map((f) => ({
            ...f,
            download: submissionApiPaths.file(request.params.id, f.id),
          })),
        })),
      };
    },
  );
}

function openedFileApi(app: App) {
  const { submissions } = app.services;

  app.get(
    submissionApiPaths.file(),
    {
      preValidation: requireApi("tenders:read"),
      schema: {
        tags,
        summary: "A submitted file's bytes, decrypted: 409 `sealed` before its section's opening",
        params: z.object({ id: z.uuid(), fileId: z.uuid() }),
      },
    },
    async (request, reply) => {
      const file = await submissions.openFile(
        admittedActor(request),
        request.params.id,
        request.params.fileId,
      );
      return reply
        .type(file.mediaType)
        .header("content-disposition", attachmentHeader(file.name))
        .header("x-content-sha256", file.sha256)
        .send(file.stream);
    },
  );
}

function staffApi(app: App) {
  openedListApi(app);
  openedFileApi(app);
}

export const submissionsApi: FastifyPluginAsyncZod = async (app) => {
  supplierApi(app);
  staffApi(app);
};
