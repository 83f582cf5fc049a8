import { randomBytes } from "node:crypto";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import type { FieldError } from "../errors.js";
import { errorCode, ProblemError } from "../errors.js";

export const PROBLEM_TYPE_BASE = "https://commissioner.invalid/problems/";

export function isApiRequest(request: FastifyRequest): boolean {
  return request.url.startsWith("/api/");
}

export function sendProblem(
  reply: FastifyReply,
  problem: {
    title: string;
    status: number;
    detail: string;
    type?: string;
    errors?: FieldError[];
    [extra: string]: unknown;
  },
) {
  const slug = problem.title.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  return reply
    .code(problem.status)
    .type("application/problem+json")
    .send({ type: problem.type ?? `${PROBLEM_TYPE_BASE}${slug}`, ...problem });
}

/** Fastify's own errors (bad JSON, body too large, validation) carry a code and, for 4xx, a status. */
function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && "code" in error && typeof error.code === "string";
}

/** The Zod issue's own path, where a schema error names no instance path. */
function issuePath(params: unknown): string {
  const issue: unknown =
    typeof params === "object" && params !== null && "issue" in params ? params.issue : null;
  const path: unknown = typeof issue === "object" && issue !== null && "path" in issue ? issue.path : null;
  return Array.isArray(path) ? path.map(String).join(".") : "";
}

function validationErrors(error: unknown): FieldError[] | null {
  if (hasZodFastifySchemaValidationErrors(error)) {
    return error.validation.map((v) => ({
      path: v.instancePath.replace(/^\//, "").replace(/\//g, ".") || issuePath(v.params),
      message: v.message ?? "is not valid",
    }));
  }
  if (isFastifyError(error) && error.validation)
    return error.validation.map((v) => ({
      path: v.instancePath.replace(/^\//, "").replace(/\//g, "."),
      message: v.message ?? "is not valid",
    }));
  return null;
}

/** A request refused because its path parameters do not match the route's schema. */
function isPathError(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    "validationContext" in error &&
    error.validationContext === "params"
  );
}

/** Input that does not fit the schema: a 400 with every field for the API, the not-found page for pages. */
function answerInvalidInput(error: unknown, fieldErrors: FieldError[], reply: FastifyReply, api: boolean) {
  if (api)
    return sendProblem(reply, {
      title: "Invalid input",
      status: 400,
      detail: "The request has invalid fields",
      errors: fieldErrors,
    });
  // A page's address names what it shows: one whose parameters do not parse names no page (404).
  return reply
    .code(isPathError(error) ? 404 : 400)
    .view("errors/not-found.njk", { pageTitle: "Page not found" });
}

/** An error a use case raised (not found, conflict, stale version, invalid input): its own words. */
function answerProblem(error: ProblemError, reply: FastifyReply, api: boolean) {
  if (api) {
    return sendProblem(reply, {
      title: error.title,
      status: error.status,
      detail: error.message,
      ...(error.errors.length ? { errors: error.errors } : {}),
      ...error.extra,
    });
  }
  return renderStatus(reply, error.status);
}

/** Another 4xx (Fastify's or a plugin's): only words that are safe to show. */
function answerClientError(error: unknown, status: number, reply: FastifyReply, api: boolean) {
  if (api)
    return sendProblem(reply, {
      title: titleFor(status),
      status,
      detail: safeClientMessage(error, status),
    });
  return renderStatus(reply, status);
}

/** Anything else: logged with a reference, which is all the person is shown. */
function answerInternalError(error: unknown, request: FastifyRequest, reply: FastifyReply, api: boolean) {
  const reference = randomBytes(4).toString("hex");
  request.log.error({ err: error, reference }, "request failed");
  if (api)
    return sendProblem(reply, {
      title: "Internal error",
      status: 500,
      detail: `Something went wrong. Reference ${reference}.`,
    });
  return reply.code(500).view("errors/server-error.njk", {
    pageTitle: "Sorry, there is a problem with the service",
    reference,
  });
}

async function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const api = isApiRequest(request);
  const fieldErrors = validationErrors(error);
  if (fieldErrors) return answerInvalidInput(error, fieldErrors, reply, api);
  if (error instanceof ProblemError) return answerProblem(error, reply, api);
  const status = statusOf(error);
  if (status >= 400 && status < 500) return answerClientError(error, status, reply, api);
  return answerInternalError(error, request, reply, api);
}

/**
 * One error handler for both faces: the API answers RFC 9457 problem documents, pages answer the
 * GOV.UK error pages. Neither shows a stack trace, SQL or anything else from inside.
 */
export const errorsPlugin = fp(
  async (app) => {
    app.setErrorHandler(handleError);

    app.setNotFoundHandler(async (request, reply) => {
      if (isApiRequest(request))
        return sendProblem(reply, {
          title: "Not found",
          status: 404,
          detail: `No such resource: ${request.method} ${request.url.split("?")[0] ?? ""}`,
        });
      return reply.code(404).view("errors/not-found.njk", { pageTitle: "Page not found" });
    });
  },
  { name: "errors" },
);

function titleFor(status: number): string {
  return (
    {
      400: "Bad request",
      401: "Unauthorised",
      403: "Forbidden",
      404: "Not found",
      409: "Conflict",
      413: "Too large",
      415: "Unsupported media type",
      422: "Unprocessable",
      429: "Too many requests",
    }[status] ?? "Request refused"
  );
}

/** Fastify's own 4xx messages (bad JSON, body too large) are safe to show; nothing else is passed on. */
function safeClientMessage(error: unknown, status: number): string {
  if (error instanceof Error && errorCode(error)?.startsWith("FST_")) return error.message;
  return titleFor(status);
}

/** The status an error asks for (Fastify's and its plugins' carry `statusCode`); anything else is a 500. */
function statusOf(error: unknown): number {
  if (typeof error !== "object" || error === null || !("statusCode" in error)) return 500;
  return typeof error.statusCode === "number" ? error.statusCode : 500;
}

export function renderStatus(reply: FastifyReply, status: number) {
  if (status === 403)
    return reply
      .code(403)
      .view("errors/forbidden.njk", { pageTitle: "You do not have permission to see this page" });
  if (status === 404) return reply.code(404).view("errors/not-found.njk", { pageTitle: "Page not found" });
  return reply
    .code(status)
    .view("errors/server-error.njk", { pageTitle: "Sorry, there is a problem with the service" });
}
