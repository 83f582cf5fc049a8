import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listOf, listQuery, problemResponses, problemSchema } from "../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../web/guards.js";
import { DATASET_KINDS, DATASET_MAX_BYTES } from "./service.js";
import { acceptCsvBodies, readApiUpload } from "./upload.js";

export const datasetSchema = z.object({
  id: z.uuid(),
  kind: z.enum(DATASET_KINDS),
  providerCodes: z.array(z.string()),
  fileName: z.string(),
  sha256: z.string().describe("SHA-256 of the file's bytes as they arrived"),
  bytes: z.number().int(),
  rows: z.number().int().describe("rows imported from the file"),
  activeRows: z.number().int().describe("of those, rows not replaced by a later import"),
  replacedRows: z.number().int().describe("rows of earlier imports this one replaced"),
  replacesDatasetIds: z.array(z.uuid()),
  status: z.enum(["active", "replaced"]),
  periodStart: z.string().describe("earliest event date in the file"),
  periodEnd: z.string().describe("latest event date in the file"),
  uploadedBy: z.string(),
  uploadedAt: z.string(),
});

const importedSchema = z.object({
  datasetId: z.uuid(),
  rows: z.number().int(),
  replacedRows: z.number().int(),
  replacedDatasetIds: z.array(z.uuid()),
});

const trueOrFalse = z
  .enum(["true", "false"])
  .default("false")
  .transform((v) => v === "true");

/** The offset behind an opaque list cursor. */
function offsetOf(cursor: string | undefined): number {
  if (!cursor) return 0;
  const n = Number.parseInt(Buffer.from(cursor, "base64url").toString(), 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** POST /api/v1/datasets/:kind, as the OpenAPI document describes it. */
const importSchema = {
  tags: ["indicators"],
  summary: "Imports a client-level data file, all or nothing",
  description:
    "Send the CSV as a text/csv body or as the 'file' part of multipart/form-data. The file is imported " +
    "whole or not at all: a refused file gets 422 with every problem's line, column and message (the first " +
    "1,000, and totalErrors). Provider users may import only their own organisation's provider code (403 " +
    "names the others). With replace=true, stored rows of the same provider with the same ids are replaced; " +
    "without it, an id already stored is a problem.",
  params: z.object({ kind: z.enum(DATASET_KINDS) }),
  querystring: z.object({
    replace: trueOrFalse.describe("replace stored rows of the same provider that have the same ids"),
    fileName: z.string().trim().min(1).max(200).optional().describe("the file's name, for the list"),
  }),
  response: {
    201: importedSchema,
    ...problemResponses,
    413: problemSchema,
    415: problemSchema,
    422: problemSchema,
  },
};

/**
 * POST /api/v1/datasets/:kind and GET /api/v1/datasets (docs/api.md, contracts and performance). The upload
 * is a `text/csv` body or a multipart `file`; it is streamed through the checks, never held whole.
 */
export const datasetsApi: FastifyPluginAsyncZod = async (app) => {
  const { datasets } = app.services;
  acceptCsvBodies(app);

  app.post(
    "/api/v1/datasets/:kind",
    {
      preValidation: requireApi("datasets:import"),
      schema: importSchema,
    },
    async (request, reply) => {
      const actor = admittedActor(request);
      const upload = await readApiUpload(request, DATASET_MAX_BYTES, request.query.fileName);
      const outcome = await datasets.importFile(actor, {
        kind: request.params.kind,
        fileName: upload.fileName,
        input: upload.stream,
        replace: request.query.replace,
      });
      return reply.code(201).send(outcome);
    },
  );

  app.get(
    "/api/v1/datasets",
    {
      preValidation: requireApi("datasets:import"),
      schema: {
        tags: ["indicators"],
        summary: "Imported data files, newest first (a provider's users see their own)",
        querystring: listQuery.extend({ kind: z.enum(DATASET_KINDS).optional() }),
        response: { 200: listOf(datasetSchema), ...problemResponses },
      },
    },
    async (request) => {
      const actor = admittedActor(request);
      const offset = offsetOf(request.query.cursor);
      const page = await datasets.list(actor, {
        kind: request.query.kind,
        limit: request.query.limit,
        offset,
      });
      return page.more
        ? {
            items: page.items,
            nextCursor: Buffer.from(String(offset + request.query.limit)).toString("base64url"),
          }
        : { items: page.items };
    },
  );
};
