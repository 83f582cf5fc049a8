import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { isDatasetKind, type RowError } from "../../domain/indicators/formats.js";
import { formState, redirectWithErrors, redirectWithSuccess, toFormErrors } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { ProblemError, type FieldError } from "../../errors.js";
import {
  DATASET_KINDS,
  DATASET_MAX_BYTES,
  DatasetRefusedError,
  type DatasetKind,
  type PresentedDataset,
} from "./service.js";
import { readMultipartUpload, type Upload } from "./upload.js";

export const DATASET_KIND_NAMES: Record<DatasetKind, { name: string; hint: string }> = {
  "treatment-journeys": {
    name: "Treatment journeys",
    hint: "Substance misuse: one row per treatment episode (Appendix A indicators)",
  },
  "sp-outcomes": {
    name: "Housing-related support outcomes",
    hint: "Supporting People: one row per service user's stay (KPI1, KPI2 and outcomes)",
  },
  "hia-activity": {
    name: "Home improvement agency activity",
    hint: "Home improvement agency and handyperson: one row per referral (G1, G2, H1, H2)",
  },
};

/** The most recent imports the page lists (the API lists them all, page by page). */
const PAGE_LIST_LIMIT = 100;

/** The page's table rows (presenter, no I/O). */
export function presentForPage(items: PresentedDataset[]) {
  return items.map((d) => ({
    ...d,
    kindName: DATASET_KIND_NAMES[d.kind].name,
    period: d.periodStart === d.periodEnd ? d.periodStart : `${d.periodStart} to ${d.periodEnd}`,
    rowsText:
      d.activeRows === d.rows
        ? d.rows.toLocaleString("en-GB")
        : `${d.activeRows.toLocaleString("en-GB")} of ${d.rows.toLocaleString("en-GB")}`,
  }));
}

/** The refusal report as the page shows it. */
export function presentRefusal(fileName: string, kind: DatasetKind, rows: RowError[], totalErrors: number) {
  return {
    fileName,
    kindName: DATASET_KIND_NAMES[kind].name,
    totalErrors,
    totalText: totalErrors.toLocaleString("en-GB"),
    shownText: rows.length.toLocaleString("en-GB"),
    truncated: totalErrors > rows.length,
    rows: rows.map((r) => ({ line: r.line, column: r.column ?? "", message: r.message })),
  };
}

const KIND_ITEMS = DATASET_KINDS.map((kind) => ({
  value: kind,
  text: DATASET_KIND_NAMES[kind].name,
  hint: DATASET_KIND_NAMES[kind].hint,
}));

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

/** Data files: the list and the upload form, one page. */
export const datasetRoutes: FastifyPluginAsyncZod = async (app) => {
  const { datasets } = app.services;

  async function renderPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: {
      status?: number;
      errors?: FieldError[];
      values?: Record<string, unknown>;
      refusal?: ReturnType<typeof presentRefusal>;
    } = {},
  ) {
    const actor = request.actor;
    if (!actor) return reply;
    const state = extra.status
      ? { errors: undefined, values: {}, success: undefined }
      : await formState(request);
    const list = await datasets.list(actor, { limit: PAGE_LIST_LIMIT, offset: 0 });
    return reply.code(extra.status ?? 200).view("datasets/views/list.njk", {
      pageTitle: "Data files",
      ...state,
      ...(extra.errors ? { errors: toFormErrors(extra.errors) } : {}),
      ...(extra.values ? { values: extra.values } : {}),
      refusal: extra.refusal,
      kinds: KIND_ITEMS,
      datasets: presentForPage(list.items),
      more: list.more,
      limit: PAGE_LIST_LIMIT,
    });
  }

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
      const body = (request.body ?? {}) as Record<string, unknown>;
      const kind = typeof body.kind === "string" ? body.kind : "";
      const replace = body.replace === "true";
      const file = uploads.get(request) ?? null;
      if (!isDatasetKind(kind) || !file?.fileName) {
        const errors: FieldError[] = [];
        if (!isDatasetKind(kind)) errors.push({ path: "kind", message: "Select what the file holds" });
        if (!file?.fileName) errors.push({ path: "file", message: "Select a CSV file to upload" });
        file?.stream.resume();
        return redirectWithErrors(request, reply, paths.datasets, errors);
      }
      const values = { kind, replace: replace ? "true" : "" };
      try {
        const outcome = await datasets.importFile(actor, {
          kind,
          fileName: file.fileName,
          input: file.stream,
          replace,
        });
        const replaced = outcome.replacedRows
          ? `, replacing ${outcome.replacedRows.toLocaleString("en-GB")} earlier row${outcome.replacedRows === 1 ? "" : "s"}`
          : "";
        return await redirectWithSuccess(
          request,
          reply,
          paths.datasets,
          `${file.fileName}: ${outcome.rows.toLocaleString("en-GB")} row${outcome.rows === 1 ? "" : "s"} imported${replaced}`,
        );
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
        const status =
          error instanceof ProblemError ? error.status : (error as { statusCode?: unknown }).statusCode;
        if (typeof status === "number" && status >= 400 && status < 500) {
          file.stream.resume();
          const message =
            error instanceof ProblemError
              ? error.message
              : status === 413
                ? `The file is larger than ${Math.round(DATASET_MAX_BYTES / 1024 / 1024).toLocaleString("en-GB")} MiB, the most one import takes`
                : "The file could not be read: upload it again";
          return renderPage(request, reply, { status, values, errors: [{ path: "file", message }] });
        }
        throw error;
      }
    },
  );
};
