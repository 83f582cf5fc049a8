import type { FastifyReply, FastifyRequest } from "fastify";
import { can, type Action, type Actor } from "../domain/policy.js";
import { renderStatus, sendProblem } from "./errors.js";
import { paths } from "./paths.js";

/** A page that needs a signed-in person allowed to take `action` (the one policy). */
export function requirePage(action: Action) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.actor) {
      const next = request.method === "GET" ? `?next=${encodeURIComponent(request.url)}` : "";
      return reply.redirect(`${paths.signIn}${next}`, 303);
    }
    if (!can(request.actor, action)) {
      request.log.info({ action }, "permission refused");
      return renderStatus(reply, 403);
    }
  };
}

/** An API route that needs a bearer token whose user may take `action`. */
export function requireApi(action: Action) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.actor) {
      return sendProblem(reply.header("www-authenticate", 'Bearer realm="commissioner"'), {
        title: "Unauthorised",
        status: 401,
        detail: "Send a personal API token as 'Authorization: Bearer <token>'",
      });
    }
    if (!can(request.actor, action)) {
      return sendProblem(reply, {
        title: "Forbidden",
        status: 403,
        detail: `Your roles do not allow ${action}`,
      });
    }
  };
}

/**
 * The person requirePage or requireApi let through. Those guards run before the handler, so a missing
 * actor here is a route registered without one: a programming error, not a request to refuse.
 */
export function admittedActor(request: FastifyRequest): Actor {
  if (!request.actor) throw new Error(`${request.method} ${request.routeOptions.url ?? ""} has no guard`);
  return request.actor;
}

/** A safe place to go after sign-in: a path on this site, never another host. */
export function safeNext(value: unknown): string {
  if (
    typeof value !== "string" ||
    !value.startsWith("/") ||
    value.startsWith("//") ||
    value.startsWith("/\\")
  )
    return paths.home;
  return value;
}
