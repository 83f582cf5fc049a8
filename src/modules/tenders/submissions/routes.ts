import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ProblemError, type FieldError } from "../../../errors.js";
import { renderStatus } from "../../../web/errors.js";
import { toFormErrors } from "../../../web/forms.js";
import { admittedActor, requirePage } from "../../../web/guards.js";
import { MAX_UPLOAD_BYTES } from "../../../web/limits.js";
import { pageAction } from "../../../web/page-action.js";
import { formRefusal } from "../../../web/problems.js";
import { csrfTokenValid } from "../../../web/sessions.js";
import { attachmentHeader, UploadStopped } from "../../projects/service.js";
import { tenderPaths } from "../paths.js";
import { poundsToPence } from "./inputs.js";
import {
  formatBytes,
  pageErrors,
  penceToPounds,
  presentQuestions,
  presentReceiptPdf,
  sectionName,
  ukTime,
} from "./presenter.js";
import { renderReceiptPdf } from "./receipt-pdf.js";
import { SealedError, type SubmissionsService } from "./service.js";
import { receiveSubmission, type ReceivedSubmission } from "./upload.js";

/**
 * The supplier's submission pages (the form, its draft and submit, the receipt and its PDF, withdraw)
 * and the staff's sealed page (a count until the opening, then the list): docs/tendering.md.
 */

export const submissionPagePaths = {
  withdraw: (id = ":id") => `${tenderPaths.submission(id)}/withdraw`,
  receiptPdf: (id = ":id") => `${tenderPaths.receipt(id)}.pdf`,
  file: (id = ":id", fileId = ":fileId") => `${tenderPaths.submissions(id)}/files/${fileId}`,
};

const params = z.object({ id: z.uuid() });
const sectionQuery = z.object({
  section: z.enum(["pqq", "itt"]).optional().catch(undefined),
  saved: z.string().optional(),
});
const TEMPLATES = "tenders/submissions/views";

type App = Parameters<FastifyPluginAsyncZod>[0];
type Own = Awaited<ReturnType<SubmissionsService["own"]>>;

const uploads = new WeakMap<FastifyRequest, ReceivedSubmission>();
/** A request refused while it was read (a file over the limit), shown on the form by the handler. */
const refusals = new WeakMap<FastifyRequest, ProblemError>();

function csrfRefused(reply: FastifyReply) {
  return reply.code(403).view("errors/csrf.njk", { pageTitle: "Your form could not be sent" });
}

/** Reads the multipart form before the CSRF check, checking the token before a byte of a file is kept. */
function receiveForm(sessionSecret: string, submissions: SubmissionsService) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const address = params.safeParse(request.params);
    const intake = () => submissions.intakeFor(address.success ? address.data.id : "");
    const valid = (fields: Record<string, string>) => csrfTokenValid(request, fields._csrf, sessionSecret);
    let received: ReceivedSubmission;
    const fields: Record<string, string> = {};
    try {
      received = await receiveSubmission(request, {
        maxBytes: MAX_UPLOAD_BYTES,
        beforeFile: valid,
        fields,
        intake,
      });
    } catch (error) {
      if (error instanceof UploadStopped) return csrfRefused(reply);
      // A file over the limit: shown on the form like any other refusal, with the text that came before it.
      if (error instanceof ProblemError) {
        if (!valid(fields)) return csrfRefused(reply);
        request.body = fields;
        uploads.set(request, { fields, files: [], partQuestionCodes: [], discard: async () => undefined });
        refusals.set(request, error);
        return;
      }
      throw error;
    }
    if (!valid(received.fields)) {
      await received.discard();
      return csrfRefused(reply);
    }
    uploads.set(request, received);
    request.body = received.fields;
  };
}

/** The page's fields as the use case's: answers from `answer-<code>`, the price from pounds. */
function fromPage(own: Own, fields: Record<string, string>, partCodes: (string | null)[]) {
  const errors: FieldError[] = [];
  const answered = own.questions
    .filter((q) => q.kind !== "price")
    .map((q) => ({ questionCode: q.code, value: fields[`answer-${q.code}`] ?? "" }))
    .filter((a) => a.value.trim() !== "");
  const price = poundsToPence(fields.price ?? "");
  if (price.error) errors.push({ path: "price", message: price.error });
  return {
    raw: {
      section: own.section,
      answers: JSON.stringify(answered),
      priceTotalPence: price.pence === null ? undefined : String(price.pence),
      fileQuestionCodes: JSON.stringify(partCodes),
    },
    answeredCodes: answered.map((a) => a.questionCode),
    errors,
  };
}

/** What the form shows: what was typed (after a refusal) or the saved draft. */
function formValues(own: Own): Record<string, string> {
  const values: Record<string, string> = {};
  for (const a of own.draft?.answers ?? []) values[`answer-${a.questionCode}`] = a.value;
  values.price = penceToPounds(own.draft?.priceTotalPence ?? null);
  return values;
}

function renderForm(
  reply: FastifyReply,
  own: Own,
  values: Record<string, string>,
  extra: { errors?: FieldError[]; success?: string; status?: number } = {},
) {
  const hasPrice = own.questions.some((q) => q.kind === "price");
  return reply.code(extra.status ?? 200).view(`${TEMPLATES}/submission.njk`, {
    pageTitle: `Your response: ${own.tender.title}`,
    own,
    sectionName: sectionName(own.section),
    deadlineUk: ukTime(own.deadline),
    submittedAtUk: own.receipt ? ukTime(own.receipt.submittedAt) : null,
    questions: presentQuestions(own.questions, values),
    hasPrice,
    price: values.price ?? "",
    errors: extra.errors?.length ? toFormErrors(extra.errors) : undefined,
    success: extra.success,
    tenderPaths,
    submissionPagePaths,
  });
}

function formPage(app: App) {
  const { submissions } = app.services;
  const participate = { preHandler: requirePage("tenders:participate"), schema: { hide: true, params } };

  app.get(
    tenderPaths.submission(),
    { ...participate, schema: { ...participate.schema, querystring: sectionQuery } },
    async (request, reply) => {
      const own = await submissions.own(admittedActor(request), request.params.id, request.query.section);
      const success = request.query.saved !== undefined ? "Your draft has been saved" : undefined;
      return renderForm(reply, own, formValues(own), { success });
    },
  );
}

function formPost(app: App) {
  const { submissions } = app.services;

  app.post(
    tenderPaths.submission(),
    {
      schema: { hide: true, params },
      preValidation: [requirePage("tenders:participate"), receiveForm(app.config.sessionSecret, submissions)],
      onResponse: async (request: FastifyRequest) => {
        await uploads.get(request)?.discard();
      },
    },
    async (request, reply) => {
      const actor = admittedActor(request);
      const received = uploads.get(request);
      const fields = received?.fields ?? {};
      const own = await submissions.own(actor, request.params.id, fields.section);
      const early = refusals.get(request);
      const fileCodes = (received?.partQuestionCodes ?? []).map((c) => c ?? "other");
      if (early) {
        return renderForm(
          reply,
          own,
          { ...formValues(own), ...fields },
          {
            errors: pageErrors(early.errors, [], fileCodes),
            status: early.status,
          },
        );
      }
      const { raw, answeredCodes, errors } = fromPage(own, fields, received?.partQuestionCodes ?? []);
      if (errors.length > 0) return renderForm(reply, own, fields, { errors, status: 400 });
      try {
        if (fields.action === "draft") {
          await submissions.saveDraft(actor, own.tender.id, raw);
          return await reply.redirect(`${tenderPaths.submission(own.tender.id)}?saved=1`, 303);
        }
        await submissions.submit(actor, own.tender.id, raw, received?.files ?? []);
        return await reply.redirect(tenderPaths.receipt(own.tender.id), 303);
      } catch (error) {
        const refused = formRefusal(error);
        if (!refused) throw error;
        const list = refused.errors.length ? refused.errors : [{ path: "answers", message: refused.message }];
        // Shown again at once, never through the session: what was typed is sealed content.
        return renderForm(reply, own, fields, {
          errors: pageErrors(list, answeredCodes, fileCodes),
          status: refused.status,
        });
      }
    },
  );
}

function receiptPage(app: App) {
  const { submissions } = app.services;
  const participate = { preHandler: requirePage("tenders:participate"), schema: { hide: true, params } };

  app.get(
    tenderPaths.receipt(),
    { ...participate, schema: { ...participate.schema, querystring: sectionQuery } },
    async (request, reply) => {
      const own = await submissions.own(admittedActor(request), request.params.id, request.query.section);
      if (!own.receipt) return renderStatus(reply, 404);
      return reply.view(`${TEMPLATES}/receipt.njk`, {
        pageTitle: `Receipt: ${own.tender.title}`,
        own,
        receipt: own.receipt,
        submittedAtUk: ukTime(own.receipt.submittedAt),
        sectionName: sectionName(own.section),
        files: own.receipt.files.map((f) => ({ ...f, size: formatBytes(f.bytes) })),
        tenderPaths,
        submissionPagePaths,
      });
    },
  );
}

function receiptPdfPage(app: App) {
  const { submissions } = app.services;
  const participate = { preHandler: requirePage("tenders:participate"), schema: { hide: true, params } };

  app.get(
    submissionPagePaths.receiptPdf(),
    { ...participate, schema: { ...participate.schema, querystring: sectionQuery } },
    async (request, reply) => {
      const own = await submissions.own(admittedActor(request), request.params.id, request.query.section);
      if (!own.receipt) return renderStatus(reply, 404);
      return reply
        .type("application/pdf")
        .header("content-disposition", attachmentHeader(`receipt-${own.tender.reference}.pdf`))
        .send(await renderReceiptPdf(presentReceiptPdf(own)));
    },
  );
}

function withdrawPost(app: App) {
  const { submissions } = app.services;
  const participate = { preHandler: requirePage("tenders:participate"), schema: { hide: true, params } };

  app.post(
    submissionPagePaths.withdraw(),
    participate,
    pageAction({
      params,
      load: async ({ id }) => ({ id }),
      form: ({ id }) => tenderPaths.submission(id),
      body: z.object({ section: z.enum(["pqq", "itt"]).optional() }),
      refusalField: "withdraw",
      run: async ({ actor, params: p, input }) => {
        await submissions.withdraw(actor, p.id, input.section);
        return { to: tenderPaths.submission(p.id), success: "Your submission has been withdrawn" };
      },
    }),
  );
}

function supplierPages(app: App) {
  formPage(app);
  formPost(app);
  receiptPage(app);
  receiptPdfPage(app);
  withdrawPost(app);
}

function sealedPage(app: App) {
  const { submissions } = app.services;
  const staff = { preHandler: requirePage("tenders:read") };

  app.get(
    tenderPaths.submissions(),
    { ...staff, schema: { hide: true, params, querystring: sectionQuery } },
    async (request, reply) => {
      const actor = admittedActor(request);
      const summary = await submissions.sealedSummary(request.params.id, request.query.section);
      if (!summary.opened) {
        // The refusal is the page: 409, the count and nothing else, recorded like the API's.
        await submissions.refuseSealed(actor, summary.tender.id, summary.section, "submissions page");
        return reply.code(409).view(`${TEMPLATES}/submissions.njk`, {
          pageTitle: `Submissions: ${summary.tender.title}`,
          summary,
          sectionName: sectionName(summary.section),
          tenderPaths,
        });
      }
      const opened = await submissions.listOpened(actor, summary.tender.id, summary.section);
      return reply.view(`${TEMPLATES}/submissions.njk`, {
        pageTitle: `Submissions: ${summary.tender.title}`,
        summary,
        sectionName: sectionName(summary.section),
        openedAtUk: ukTime(opened.openedAt),
        items: opened.items.map((item) => ({
          ...item,
          submittedAtUk: ukTime(item.submittedAt),
          price: item.priceTotalPence === null ? "None given" : `£${penceToPounds(item.priceTotalPence)}`,
          files: item.files.map((f) => ({
            ...f,
            size: formatBytes(f.bytes),
            href: submissionPagePaths.file(summary.tender.id, f.id),
          })),
        })),
        tenderPaths,
      });
    },
  );
}

function openedFilePage(app: App) {
  const { submissions } = app.services;
  const staff = { preHandler: requirePage("tenders:read") };

  app.get(
    submissionPagePaths.file(),
    { ...staff, schema: { hide: true, params: z.object({ id: z.uuid(), fileId: z.uuid() }) } },
    async (request, reply) => {
      try {
        const file = await submissions.openFile(
          admittedActor(request),
          request.params.id,
          request.params.fileId,
        );
        return await reply
          .type(file.mediaType)
          .header("content-disposition", attachmentHeader(file.name))
          .send(file.stream);
      } catch (error) {
        if (!(error instanceof SealedError)) throw error;
        return reply.code(409).view(`${TEMPLATES}/sealed.njk`, { pageTitle: "Sealed until the opening" });
      }
    },
  );
}

function staffPages(app: App) {
  sealedPage(app);
  openedFilePage(app);
}

export const submissionRoutes: FastifyPluginAsyncZod = async (app) => {
  supplierPages(app);
  staffPages(app);
};
