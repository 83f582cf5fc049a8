import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { isDatasetKind, type DatasetKind } from "../../domain/indicators/formats.js";
import type { Actor } from "../../domain/policy.js";
import { formState, redirectWithErrors, redirectWithSuccess, toFormErrors } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { ProblemError, type FieldError } from "../../errors.js";
import { KIND_ITEMS, importedMessage, presentForPage, presentRefusal } from "./presenter.js";
import { DATASET_MAX_BYTES, DatasetRefusedError } from "./service.js";
import { readMultipartUpload, type Upload } from "./upload.js";

/** The most recent imports the page lists (the API lists them all, page by page). */
const PAGE_LIST_LIMIT = 100;

/** The file part of the form, read in preValidation (below) and used by the handler. */
const uploads = new WeakMap<FastifyRequest, Upload | null>();

/**
 * Reads the multipart form's fields (which come before the file) into `request.body`, so that the CSRF
 * check, which runs next, sees `_csrf` as it does for any other form; the file stays an unread stream.
 */
async function readUploadForm(request: FastifyRequest) {
  if (!request.isMultipart()) return;
  const { file, fields } = await readMultipartUpload(request, DATASET_MAX_BYTES);
  request.body = fields;
  uploads.set(request, file);
}

/**
 * The upload form's text fields. Whatever else arrives (no body, a field that is not text) reads as no
 * choice, which the handler refuses with the form's own messages.
 */
const uploadFields = z
  .object({ kind: z.string().catch(""), replace: z.string().optional().catch(undefined) })
  .catch({ kind: "", replace: undefined });

/** The status of an error that refuses the request (a 4xx), from our errors or Fastify's. */
function refusalStatus(error: unknown): number | undefined {
  const status =
    error instanceof ProblemError
      ? error.status
      : typeof error === "object" && error !== null && "statusCode" in error
        ? error.statusCode
        : undefined;
  return typeof status === "number" && status >= 400 && status < 500 ? status : undefined;
}

interface PageExtra {
  status?: number;
  errors?: FieldError[];
  values?: Record<string, unknown>;
  refusal?: ReturnType<typeof presentRefusal>;
}

/** The page: the upload form (with what a refusal left), and the most recent imports. */
async function renderPage(request: FastifyRequest, reply: FastifyReply, extra: PageExtra = {}) {
  const actor = request.actor;
  if (!actor) return reply;
  const state = extra.status
    ? { errors: undefined, values: {}, success: undefined }
    : await formState(request);
  const list = await request.server.services.datasets.list(actor, { limit: PAGE_LIST_LIMIT, offset: 0 });
  return reply.code(extra.status ?? 200).view("datasets/views/list.njk", {
    pageTitle: "Data files",
    ...state,
    ...(extra.errors ? { errors: toFormErrors(extra.errors) } : {}),
    ...(extra.values ? { values: extra.values } : {}),
    refusal: extra.refusal,
    kinds: KIND_ITEMS,
    datasets: presentForPage(list.items, await request.server.services.datasets.providerNames()),
    more: list.more,
    limit: PAGE_LIST_LIMIT,
  });
}

/** One upload, imported whole or refused: the page again with the refusal, or a redirect with the outcome. */
async function importUpload(
  request: FastifyRequest,
  reply: FastifyReply,
  actor: Actor,
  upload: { file: Upload; kind: DatasetKind; replace: boolean },
) {
  const { file, kind, replace } = upload;
  const values = { kind, replace: replace ? "true" : "" };
  try {
    const outcome = await request.server.services.datasets.importFile(actor, {
      kind,
      fileName: file.fileName,
      input: file.stream,
      replace,
    });
    return await redirectWithSuccess(request, reply, paths.datasets, importedMessage(file.fileName, outcome));
  } catch (error) {
    if (error instanceof DatasetRefusedError) {
      const refusal = presentRefusal(file.fileName, kind, error.rows, error.totalErrors);
      return renderPage(request, reply, {
        status: 422,
        values,
        errors: [{ path: "report", message: error.message }],
        refusal,
      });
    }
    // A refusal of the whole file (403 other providers' codes, 409 key changed, 413 too large).
    const status = refusalStatus(error);
    if (status === undefined) throw error;
    file.stream.resume();
    const message =
      error instanceof ProblemError
        ? error.message
        : status === 413
          ? `The file is larger than ${Math.round(DATASET_MAX_BYTES / 1024 / 1024).toLocaleString("en-GB")} MiB, the most one import takes`
          : "The file could not be read: upload it again";
    return renderPage(request, reply, { status, values, errors: [{ path: "file", message }] });
  }
}

/** Data files: the list and the upload form, one page. */
export const datasetRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    paths.datasets,
    { preHandler: requirePage("datasets:import"), schema: { hide: true } },
    async (request, reply) => renderPage(request, reply),
  );

  app.post(
    paths.datasets,
    { preValidation: [requirePage("datasets:import"), readUploadForm], schema: { hide: true } },
    async (request, reply) => {
      const actor = request.actor;
      if (!actor) return reply;
      const body = uploadFields.parse(request.body);
      const file = uploads.get(request) ?? null;
      if (!isDatasetKind(body.kind) || !file?.fileName) {
        const errors: FieldError[] = [];
        if (!isDatasetKind(body.kind)) errors.push({ path: "kind", message: "Select what the file holds" });
        if (!file?.fileName) errors.push({ path: "file", message: "Select a file" });
        file?.stream.resume();
        return redirectWithErrors(request, reply, paths.datasets, errors);
      }
      return importUpload(request, reply, actor, { file, kind: body.kind, replace: body.replace === "true" });
    },
  );
};
