import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { can } from "../../domain/policy.js";
import { PACK_DOCUMENT_KINDS, PROCEDURES, QUESTION_KINDS, SECTIONS } from "../../domain/tendering.js";
import { NotFoundError } from "../../errors.js";
import { problemResponses, problemSchema } from "../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../web/guards.js";
import { MAX_UPLOAD_BYTES } from "../../web/limits.js";
import { receiveUpload } from "../projects/documents/service.js";
import { tenderInput, tenderUpdateInput } from "./inputs.js";

/** Tenders in the API (docs/api.md "Tenders"; docs/tendering.md): set up, the pack, publish, addenda. */

const tags = ["tenders"];
const idParams = z.object({ id: z.uuid() });

const questionSchema = z.object({
  id: z.uuid(),
  code: z.string(),
  section: z.enum(SECTIONS),
  kind: z.enum(QUESTION_KINDS),
  text: z.string(),
  guidance: z.string(),
  weightPct: z.number().int().nullable(),
  wordLimit: z.number().int().nullable(),
  attachmentAllowed: z.boolean(),
  position: z.number().int(),
});

export const tenderDocumentSchema = z.object({
  id: z.uuid(),
  tenderId: z.uuid(),
  kind: z.string().describe(PACK_DOCUMENT_KINDS.join(" | ")),
  kindName: z.string(),
  title: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
  mediaType: z.string(),
  fileName: z.string(),
  uploadedAt: z.string(),
  supersededAt: z.string().nullable().describe("set when a later document of the same kind replaced it"),
});

const addendumSchema = z.object({
  id: z.uuid(),
  number: z.number().int(),
  summary: z.string(),
  changes: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

const missingSchema = z.object({
  output: z.string(),
  reason: z.string(),
  paragraph: z.string(),
  kind: z.enum(["document", "approval", "record"]),
  bodyCode: z.string().optional(),
  version: z.number().int().optional(),
});

const tenderCore = {
  id: z.uuid(),
  projectId: z.uuid(),
  reference: z.string().describe("e.g. KDAAT-2026-001"),
  title: z.string(),
  description: z.string(),
  procedure: z.enum(PROCEDURES),
  procedureName: z.string(),
  lots: z.array(z.object({ code: z.string(), title: z.string(), valuePence: z.number().int().optional() })),
  valuePence: z.number().int(),
  status: z.enum(["draft", "published", "cancelled"]),
  publishedAt: z.string().nullable(),
  clarificationDeadline: z.string().describe("ISO 8601 with offset"),
  pqqDeadline: z.string().nullable(),
  submissionDeadline: z.string(),
  plannedAwardOn: z.string().nullable(),
};

/** The public part: what a supplier sees of a published tender. */
export const publicTenderSchema = z.object({
  ...tenderCore,
  questions: z.array(questionSchema),
  documents: z.array(tenderDocumentSchema),
  addenda: z.array(addendumSchema),
});

/** The staff's view: everything but the wrapped data key; `missing` says what stops publication. */
export const tenderSchema = publicTenderSchema.extend({
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  missing: z.array(missingSchema),
});

const summarySchema = z.object(tenderCore);

type App = Parameters<FastifyPluginAsyncZod>[0];

/** Staff read a tender whole; a supplier's user reads the public part (tenders:participate). */
async function staffOrSupplier(request: FastifyRequest, reply: FastifyReply) {
  if (can(request.actor, "tenders:read")) return;
  return requireApi("tenders:participate")(request, reply);
}

function projectTendersApi(app: App) {
  const { tenders } = app.services;
  app.get(
    "/api/v1/projects/:id/tenders",
    {
      preValidation: requireApi("tenders:read"),
      schema: {
        tags,
        summary: "The project's tenders, newest first",
        params: idParams,
        response: { 200: z.object({ items: z.array(summarySchema) }), ...problemResponses },
      },
    },
    async (request) => {
      const found = await tenders.list(request.params.id);
      if (!found) throw new NotFoundError("No project has this id");
      return { items: found.items };
    },
  );

  app.post(
    "/api/v1/projects/:id/tenders",
    {
      preValidation: requireApi("tenders:manage"),
      schema: {
        tags,
        summary: "Sets up a tender (a draft) for the project",
        description:
          "The procedure must be one the project's regime offers; PQQ questions only for a restricted procedure; " +
          "question codes unique; scored questions weighted, totalling 100 within their section; at most one price question, in the ITT.",
        params: idParams,
        body: tenderInput,
        response: { 201: tenderSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const created = await tenders.create(admittedActor(request), request.params.id, request.body);
      return reply.code(201).send(created);
    },
  );
}

function oneTenderApi(app: App) {
  const { tenders } = app.services;
  app.get(
    "/api/v1/tenders/:id",
    {
      preValidation: staffOrSupplier,
      schema: {
        tags,
        summary: "The tender (staff); its public part for a supplier's user (404 for a draft)",
        params: idParams,
        response: { 200: z.union([tenderSchema, publicTenderSchema]), ...problemResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      const found = can(request.actor, "tenders:read") ? await tenders.get(id) : await tenders.getPublic(id);
      if (!found) throw new NotFoundError("No tender has this id");
      return found;
    },
  );

  app.patch(
    "/api/v1/tenders/:id",
    {
      preValidation: requireApi("tenders:manage"),
      schema: {
        tags,
        summary:
          "Changes a draft freely; a published tender only its deadlines and description, as an addendum",
        description:
          "An addendum is numbered in the tender's log and sent to every interested supplier; a deadline cannot move into the past nor out of the timetable's order.",
        params: idParams,
        body: tenderUpdateInput,
        response: { 200: tenderSchema, ...problemResponses },
      },
    },
    async (request) => tenders.update(admittedActor(request), request.params.id, request.body),
  );

  app.post(
    "/api/v1/tenders/:id/publish",
    {
      preValidation: requireApi("tenders:manage"),
      schema: {
        tags,
        summary: "Publishes the tender: 409 with the `missing` list until it may be (App C 5.1–5.4)",
        params: idParams,
        response: { 200: tenderSchema, ...problemResponses },
      },
    },
    async (request) => tenders.publish(admittedActor(request), request.params.id),
  );
}

function packApi(app: App) {
  const { tenders } = app.services;
  app.get(
    "/api/v1/tenders/:id/documents",
    {
      preValidation: requireApi("tenders:read"),
      schema: {
        tags,
        summary: "The tender's document pack, superseded documents included",
        params: idParams,
        response: { 200: z.object({ items: z.array(tenderDocumentSchema) }), ...problemResponses },
      },
    },
    async (request) => ({ items: await tenders.pack.list(request.params.id) }),
  );

  app.post(
    "/api/v1/tenders/:id/documents",
    {
      preValidation: requireApi("tenders:manage"),
      schema: {
        tags,
        summary:
          "Adds a document to the pack (multipart: kind, title, then file); after publication an addendum",
        description: `kind: ${PACK_DOCUMENT_KINDS.join(", ")}. PDF, DOCX, XLSX, ODT or CSV, judged from the bytes; 50 MB at most (413); another type 415.`,
        params: idParams,
        consumes: ["multipart/form-data"],
        response: {
          201: tenderDocumentSchema.extend({ addendum: z.number().int().nullable() }),
          ...problemResponses,
          413: problemSchema,
          415: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const received = await receiveUpload(request, { maxBytes: MAX_UPLOAD_BYTES });
      try {
        const actor = admittedActor(request);
        const stored = await tenders.pack.upload(actor, request.params.id, received.fields, received.file);
        return await reply.code(201).send(stored);
      } finally {
        await received.discard();
      }
    },
  );
}

/** The tenders' API (docs/api.md "Tenders"). */
export const tendersApi: FastifyPluginAsyncZod = async (app) => {
  projectTendersApi(app);
  oneTenderApi(app);
  packApi(app);
};
