import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { DOCUMENT_KINDS } from "../../../domain/stages.js";
import { problemResponses, problemSchema } from "../../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../../web/guards.js";
import { MAX_UPLOAD_BYTES } from "../../../web/limits.js";
import { idParams } from "../api.js";
import { projectApiPaths } from "../paths.js";
import { attachmentHeader, receiveUpload } from "../upload.js";

const tags = ["commissioning projects"];

const documentSchema = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  kind: z.enum(DOCUMENT_KINDS),
  title: z.string(),
  version: z.number().int(),
  sha256: z.string(),
  bytes: z.number().int(),
  mediaType: z.string(),
  fileName: z.string(),
});

const documentListSchema = z.object({
  items: z.array(
    z.object({
      id: z.uuid(),
      kind: z.string(),
      title: z.string(),
      latestVersion: z.number().int(),
      versions: z.array(
        z.object({
          version: z.number().int(),
          sha256: z.string(),
          bytes: z.number().int(),
          mediaType: z.string(),
          fileName: z.string(),
          uploadedAt: z.string(),
          uploadedBy: z.string().nullable(),
        }),
      ),
    }),
  ),
});

const uploadResponses = {
  ...problemResponses,
  413: problemSchema,
  415: problemSchema,
};

/** The app as a plugin gets it, for the functions that each register a few of the plugin's routes. */
type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

function upload(app: ZodApp) {
  const { projects } = app.services;
  app.post(
    projectApiPaths.documents(),
    {
      preValidation: requireApi("documents:upload"),
      schema: {
        tags,
        summary:
          "Uploads a document (multipart: kind, title, then file). The same kind and title again makes a new version",
        description:
          "PDF, DOCX, XLSX, ODT or CSV, judged from the bytes; 50 MB at most (413); another type 415; an empty file 400.",
        params: idParams,
        consumes: ["multipart/form-data"],
        response: { 201: documentSchema, ...uploadResponses },
      },
    },
    async (request, reply) => {
      const received = await receiveUpload(request, { maxBytes: MAX_UPLOAD_BYTES });
      try {
        const document = await projects.documents.upload(
          admittedActor(request),
          request.params.id,
          received.fields,
          received.file,
        );
        return await reply.code(201).send(document);
      } finally {
        await received.discard();
      }
    },
  );
}

function read(app: ZodApp) {
  const { projects } = app.services;
  app.get(
    projectApiPaths.documents(),
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags,
        summary: "The project's documents, each with every version",
        params: idParams,
        response: { 200: documentListSchema, ...problemResponses },
      },
    },
    async (request) => ({ items: await projects.documents.list(request.params.id) }),
  );

  app.get(
    projectApiPaths.documentVersion(),
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags,
        summary: "Downloads one version of a document, with its media type",
        params: z.object({ id: z.uuid(), documentId: z.uuid(), version: z.coerce.number().int().min(1) }),
      },
    },
    async (request, reply) => {
      const { id, documentId, version } = request.params;
      const file = await projects.documents.openVersion(id, documentId, version);
      return reply
        .type(file.mediaType)
        .header("content-disposition", attachmentHeader(file.fileName))
        .header("content-length", file.bytes)
        .header("x-content-sha256", file.sha256)
        .send(file.stream);
    },
  );
}

/** A project's documents and their versions (docs/api.md). */
export const documentsApi: FastifyPluginAsyncZod = async (app) => {
  upload(app);
  read(app);
};
