import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { NotFoundError } from "../../../errors.js";
import { listQuery, pageList, problemResponses } from "../../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../../web/guards.js";
import { attachmentHeader } from "./presenter.js";
import { consistentFilters, filtersFrom, opportunityFields } from "./filters.js";

const instant = z.string().describe("ISO 8601 with offset");

const lotSchema = z.object({ code: z.string(), title: z.string(), valuePence: z.number().int().nullable() });

export const opportunitySchema = z.object({
  id: z.uuid(),
  reference: z.string(),
  title: z.string(),
  description: z.string(),
  programme: z.object({ code: z.string(), name: z.string() }),
  valuePence: z.number().int(),
  procedure: z.string(),
  procedureName: z.string(),
  lots: z.array(lotSchema),
  closingAt: instant.describe(
    "the PQQ deadline of a restricted tender while it is ahead, else the tender deadline",
  ),
  closingStage: z.enum(["pqq", "itt"]),
  open: z.boolean(),
  cancelled: z.boolean(),
  timetable: z.object({
    publishedAt: instant.nullable(),
    clarificationDeadline: instant,
    pqqDeadline: instant.nullable(),
    submissionDeadline: instant,
    plannedAwardOn: z.string().nullable().describe("YYYY-MM-DD"),
  }),
});

const packDocumentSchema = z.object({
  id: z.uuid(),
  kind: z.string(),
  kindName: z.string(),
  title: z.string(),
  fileName: z.string(),
  bytes: z.number().int(),
  mediaType: z.string(),
  sha256: z.string(),
  superseded: z.boolean(),
  supersededAt: instant.nullable(),
});

const downloadable = packDocumentSchema.extend({
  href: z.string().describe("the file, for a GET with the token"),
});

const documentHref = (tenderId: string, documentId: string) =>
  `/api/v1/tenders/${tenderId}/documents/${documentId}/file`;

const ID_PARAMS = z.object({ id: z.uuid() });

type App = Parameters<FastifyPluginAsyncZod>[0];

/** GET /api/v1/public/opportunities and /:id: no sign-in (App C 5.1, the advert). */
function publicApi(app: App) {
  const { opportunities } = app.services;
  app.get(
    "/api/v1/public/opportunities",
    {
      schema: {
        tags: ["tendering"],
        summary:
          "Published tenders open to bids, closing soonest first; filters by text, programme, value and deadline",
        querystring: opportunityFields.extend(listQuery.shape).superRefine(consistentFilters),
        response: {
          200: z.object({ items: z.array(opportunitySchema), nextCursor: z.string().optional() }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const items = await opportunities.list(filtersFrom(request.query));
      return pageList(items, request.query);
    },
  );

  app.get(
    "/api/v1/public/opportunities/:id",
    {
      schema: {
        tags: ["tendering"],
        summary:
          "One opportunity: advert, timetable, the pack's document names and the published clarification answers",
        params: ID_PARAMS,
        response: {
          200: opportunitySchema.extend({
            documents: z.array(packDocumentSchema),
            clarifications: z.array(
              z.object({
                number: z.number().int(),
                question: z.string(),
                answer: z.string(),
                answeredAt: instant.nullable(),
              }),
            ),
            interestClosesAt: instant,
            interestOpen: z.boolean(),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const found = await opportunities.get(request.params.id);
      if (!found) throw new NotFoundError("No published tender has this id");
      const { opportunity, ...rest } = found;
      return { ...opportunity, ...rest };
    },
  );
}

/** POST /api/v1/tenders/:id/interest and the pack's files. */
function supplierApi(app: App) {
  const { opportunities } = app.services;
  app.post(
    "/api/v1/tenders/:id/interest",
    {
      preValidation: requireApi("tenders:participate"),
      schema: {
        tags: ["tendering"],
        summary:
          "Registers the supplier's interest (once per organisation) and answers the document pack; 409 after the deadline",
        params: ID_PARAMS,
        response: {
          200: z.object({
            tenderId: z.uuid(),
            registeredAt: instant,
            alreadyRegistered: z.boolean(),
            documents: z.array(downloadable),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const done = await opportunities.registerInterest(admittedActor(request), request.params.id);
      return {
        ...done,
        documents: done.documents.map((d) => ({ ...d, href: documentHref(done.tenderId, d.id) })),
      };
    },
  );

  app.get(
    "/api/v1/tenders/:id/documents/:documentId/file",
    {
      preValidation: requireApi("home:view"),
      schema: {
        tags: ["tendering"],
        summary:
          "A pack document's file: staff always; a supplier after registering interest (each download logged)",
        params: z.object({ id: z.uuid(), documentId: z.uuid() }),
      },
    },
    async (request, reply) => {
      const file = await opportunities.openDocument(
        admittedActor(request),
        request.params.id,
        request.params.documentId,
      );
      return reply
        .type(file.mediaType)
        .header("content-disposition", attachmentHeader(file.fileName))
        .header("content-length", file.bytes)
        .header("x-superseded", String(file.superseded))
        .send(file.stream);
    },
  );
}

/** GET /api/v1/tenders/:id/downloads: who downloaded which pack document (App C 5). */
function downloadLogApi(app: App) {
  const { opportunities } = app.services;
  app.get(
    "/api/v1/tenders/:id/downloads",
    {
      preValidation: requireApi("tenders:read"),
      schema: {
        tags: ["tendering"],
        summary: "Staff: every supplier download of the tender's pack, newest first",
        params: ID_PARAMS,
        querystring: listQuery,
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.uuid(),
                at: instant,
                documentId: z.uuid(),
                documentTitle: z.string(),
                fileName: z.string(),
                superseded: z.boolean(),
                organisationName: z.string(),
                userName: z.string(),
              }),
            ),
            nextCursor: z.string().optional(),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const items = await opportunities.downloads(request.params.id);
      if (!items) throw new NotFoundError("No tender has this id");
      return pageList(items, request.query);
    },
  );
}

/** Find opportunities (public), register interest and download the pack (docs/tendering.md). */
export const opportunitiesApi: FastifyPluginAsyncZod = async (app) => {
  publicApi(app);
  supplierApi(app);
  downloadLogApi(app);
};
