import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { DOCUMENT_KINDS } from "../../domain/stages.js";
import { problemResponses, problemSchema } from "../../web/api-schemas.js";
import { MAX_UPLOAD_BYTES } from "../../web/limits.js";
import { admittedActor, requireApi } from "../../web/guards.js";
import { NotFoundError } from "../../errors.js";
import {
  advanceInput,
  DECISION_VALUES,
  decisionInput,
  projectCreateInput,
  projectListQuery,
  projectPatchInput,
  rejectInput,
} from "./inputs.js";
import { projectApiPaths } from "./paths.js";
import { attachmentHeader, receiveUpload } from "./upload.js";

const stageSchema = z.union([z.number().int().min(1).max(5), z.literal("closed")]);

const missingSchema = z.object({
  output: z.string().describe("a document kind, or procurement-plan, eqia-screening, award, mobilisation"),
  reason: z.string(),
  paragraph: z.string().describe("the framework paragraph the rule comes from"),
  kind: z.enum(["document", "approval", "record"]),
  bodyCode: z.string().optional().describe("for an approval: the body that must decide"),
  version: z.number().int().optional().describe("for an approval of a document: the version to approve"),
});

export const projectSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  description: z.string(),
  programmeCode: z.string(),
  programmeCodes: z.array(z.string()).describe("the other programmes, for joint commissioning"),
  leadCommissionerId: z.uuid().nullable(),
  leadCommissionerName: z.string().nullable(),
  estimatedValuePence: z.number().int(),
  contractMonths: z.number().int().nullable(),
  regime: z.string(),
  startedOn: z.string(),
  stage: stageSchema,
  stageName: z.string(),
  outcome: z.enum(["open", "completed", "rejected", "withdrawn"]),
  outcomeReason: z.string().nullable(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  gate: z.object({
    canAdvance: z.boolean(),
    nextStage: stageSchema.nullable(),
    missing: z.array(missingSchema),
  }),
  overdue: z.boolean().optional().describe("in lists: has checklist tasks planned before today and not done"),
});

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

const decisionSchema = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  subjectType: z.enum(["document", "project"]),
  subjectId: z.uuid(),
  subjectVersion: z.number().int().nullable(),
  subjectKind: z.string().nullable(),
  subjectTitle: z.string().nullable(),
  bodyCode: z.string(),
  decision: z.enum(DECISION_VALUES),
  decidedOn: z.string(),
  minutesRef: z.string(),
  conditions: z.string().nullable(),
  memberId: z.uuid().nullable().describe("the member of the body who decided, when known"),
  memberName: z.string().nullable(),
  recordedById: z.uuid().describe("whoever entered it"),
  recordedByName: z.string().nullable(),
  onBehalf: z.boolean().describe("recorded by an officer on the body's behalf"),
  recordedAt: z.string(),
});

const idParams = z.object({ id: z.uuid() });
const uploadResponses = {
  ...problemResponses,
  413: problemSchema,
  415: problemSchema,
};

/**
 * Commissioning projects (docs/api.md): projects, documents, decisions, advance, reject and timeline.
 * Permission is checked before validation, so a caller who may not act learns nothing from a 400.
 */
export const projectsApi: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;
  const tags = ["commissioning projects"];

  app.post(
    projectApiPaths.projects,
    {
      preValidation: requireApi("projects:create"),
      schema: {
        tags,
        summary: "Starts a commissioning project at Stage 1",
        body: projectCreateInput,
        response: { 201: projectSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await projects.create(admittedActor(request), request.body)),
  );

  app.get(
    projectApiPaths.projects,
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags,
        summary: "Projects, most recently changed first; filter by programme, stage and overdue tasks",
        querystring: projectListQuery,
        response: {
          200: z.object({
            items: z.array(projectSchema),
            nextCursor: z.string().optional(),
            total: z.number().int(),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const result = await projects.list({
        programmeCode: q.programmeCode ?? q.programme,
        stage: q.stage,
        overdue: q.overdue,
        limit: q.limit,
        cursor: q.cursor,
      });
      return {
        items: result.items,
        total: result.total,
        ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
      };
    },
  );

  app.get(
    projectApiPaths.project(),
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags,
        summary: "One project with its gate: whether it may advance and what is missing",
        params: idParams,
        response: { 200: projectSchema, ...problemResponses },
      },
    },
    async (request) => {
      const project = await projects.get(request.params.id);
      if (!project) throw new NotFoundError("No project has this id");
      return project;
    },
  );

  app.patch(
    projectApiPaths.project(),
    {
      preValidation: requireApi("projects:update"),
      schema: {
        tags,
        summary: "Changes a project; a stale version gets 409 and changes nothing",
        params: idParams,
        body: projectPatchInput,
        response: { 200: projectSchema, ...problemResponses },
      },
    },
    async (request) => projects.update(admittedActor(request), request.params.id, request.body),
  );

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
        const document = await projects.uploadDocument(
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
    async (request) => ({ items: await projects.listDocuments(request.params.id) }),
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
      const file = await projects.openDocumentVersion(id, documentId, version);
      return reply
        .type(file.mediaType)
        .header("content-disposition", attachmentHeader(file.fileName))
        .header("content-length", file.bytes)
        .header("x-content-sha256", file.sha256)
        .send(file.stream);
    },
  );

  app.post(
    projectApiPaths.decisions(),
    {
      preValidation: requireApi("decisions:record"),
      schema: {
        tags,
        summary: "Records a governance body's decision on a document of the project or on the project",
        description:
          "A member of the body records it in their own name; an officer (the body's officer, a commissioner, " +
          "procurement officer or administrator) records it on the body's behalf with the minutes reference.",
        params: idParams,
        body: decisionInput,
        response: { 201: decisionSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await projects.recordDecision(admittedActor(request), request.params.id, request.body)),
  );

  app.get(
    projectApiPaths.decisions(),
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags,
        summary: "The decisions recorded for the project, by meeting date",
        params: idParams,
        response: { 200: z.object({ items: z.array(decisionSchema) }), ...problemResponses },
      },
    },
    async (request) => ({ items: await projects.listDecisions(request.params.id) }),
  );

  app.post(
    projectApiPaths.advance(),
    {
      preValidation: requireApi("projects:update"),
      schema: {
        tags,
        summary: "Moves the project to its next stage; 409 with `missing` when its gate is not met",
        params: idParams,
        body: advanceInput,
        response: {
          200: z.object({ stage: stageSchema, version: z.number().int() }),
          ...problemResponses,
        },
      },
    },
    async (request) => projects.advance(admittedActor(request), request.params.id, request.body?.version),
  );

  app.post(
    projectApiPaths.reject(),
    {
      preValidation: requireApi("projects:update"),
      schema: {
        tags,
        summary: "Records that the recommendation was rejected: the procurement ends (§3.17)",
        params: idParams,
        body: rejectInput,
        response: {
          200: z.object({
            stage: stageSchema,
            outcome: z.literal("rejected"),
            version: z.number().int(),
            costAvoidancePaper: z.object({
              required: z.boolean(),
              reason: z.string(),
              paragraph: z.string(),
            }),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => projects.reject(admittedActor(request), request.params.id, request.body),
  );

  app.get(
    projectApiPaths.timeline(),
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags,
        summary: "Every recorded event of the project, its documents and decisions, oldest first",
        params: idParams,
        response: {
          200: z.object({
            items: z.array(
              z.object({
                at: z.string(),
                actor: z.string(),
                action: z.string(),
                summary: z.string(),
                entityType: z.string(),
                entityId: z.string(),
              }),
            ),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => projects.timeline(request.params.id),
  );
};
