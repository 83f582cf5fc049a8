import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { DOCUMENT_KINDS } from "../../../domain/stages.js";
import { ProblemError } from "../../../errors.js";
import { renderStatus } from "../../../web/errors.js";
import { redirectWithErrors, redirectWithSuccess } from "../../../web/forms.js";
import { admittedActor, requirePage } from "../../../web/guards.js";
import { MAX_UPLOAD_BYTES } from "../../../web/limits.js";
import { formRefusal } from "../../../web/problems.js";
import { csrfTokenValid } from "../../../web/sessions.js";
import { pageRoute, projectParams, refusalErrors } from "../pages.js";
import { projectPaths } from "../paths.js";
import { documentsContext } from "../page-models.js";
import { kindName } from "../presenter.js";
import { projectPageServer, type ProjectPage } from "../project-page.js";
import { attachmentHeader, receiveUpload, UploadStopped, type ReceivedUpload } from "../upload.js";

const uploads = new WeakMap<FastifyRequest, ReceivedUpload>();

const versionParams = z.object({
  id: z.uuid(),
  documentId: z.uuid(),
  version: z.coerce.number().int().min(1),
});

function csrfRefused(reply: FastifyReply) {
  return reply.code(403).view("errors/csrf.njk", { pageTitle: "Your form could not be sent" });
}

/**
 * Reads the multipart form before the CSRF check (which reads `request.body._csrf`), and checks the
 * token as soon as it arrives, before a byte of the file is kept.
 */
function receiveDocumentForm(sessionSecret: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const valid = (fields: Record<string, string>) => csrfTokenValid(request, fields._csrf, sessionSecret);
    let received: ReceivedUpload;
    try {
      received = await receiveUpload(request, { maxBytes: MAX_UPLOAD_BYTES, beforeFile: valid });
    } catch (error) {
      if (!(error instanceof UploadStopped)) throw error;
      request.log.warn({ url: request.routeOptions.url }, "upload refused before the file (CSRF token)");
      return csrfRefused(reply);
    }
    if (!valid(received.fields)) {
      await received.discard();
      return csrfRefused(reply);
    }
    uploads.set(request, received);
    request.body = received.fields;
  };
}

const DOCUMENTS_PAGE: ProjectPage = {
  section: "documents",
  key: "documents",
  template: "projects/views/documents-page.njk",
  title: (title) => `Documents: ${title}`,
  context: documentsContext,
};

/** `?kind=` sets the upload form's kind (the overview's "Upload the …" links); anything else is none. */
const documentsQuery = z.object({ kind: z.enum(DOCUMENT_KINDS).optional().catch(undefined) });

type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

/** The documents page: every document with its versions, and the upload form. */
function documentsPage(app: ZodApp) {
  const serve = projectPageServer(app);

  app.get(
    projectPaths.documents(),
    pageRoute("projects:read", { params: projectParams, querystring: documentsQuery }),
    async (request, reply) => {
      const { kind } = request.query;
      return serve(request, reply, request.params.id, DOCUMENTS_PAGE, kind ? { kind } : {});
    },
  );
}

/** A project's documents page: the list, the upload form and its post, and each version's download. */
export const documentRoutes: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;
  documentsPage(app);
  // Uploads are multipart: the permission is checked and the form read before the CSRF check.
  app.post(
    projectPaths.documents(),
    {
      schema: { hide: true, params: projectParams },
      preValidation: [requirePage("documents:upload"), receiveDocumentForm(app.config.sessionSecret)],
      onResponse: async (request: FastifyRequest) => {
        await uploads.get(request)?.discard();
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const received = uploads.get(request);
      try {
        const document = await projects.documents.upload(
          admittedActor(request),
          id,
          received?.fields ?? {},
          received?.file ?? null,
        );
        const message = `${kindName(document.kind)} “${document.title}” version ${document.version} has been uploaded`;
        return await redirectWithSuccess(request, reply, projectPaths.documents(id), message);
      } catch (error) {
        const refused = formRefusal(error);
        if (!refused) throw error;
        const back = projectPaths.documents(id);
        return redirectWithErrors(request, reply, back, refusalErrors(refused, "file"));
      }
    },
  );

  app.get(
    projectPaths.documentVersion(),
    pageRoute("projects:read", { params: versionParams }),
    async (request, reply) => {
      const { id, documentId, version } = request.params;
      try {
        const file = await projects.documents.openVersion(id, documentId, version);
        return await reply
          .type(file.mediaType)
          .header("content-disposition", attachmentHeader(file.fileName))
          .header("content-length", file.bytes)
          .send(file.stream);
      } catch (error) {
        if (error instanceof ProblemError && error.status === 404) return renderStatus(reply, 404);
        throw error;
      }
    },
  );
};
