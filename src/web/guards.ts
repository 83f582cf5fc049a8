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

/** Any origin will do: only whether `next` keeps to it matters. */
const OWN_ORIGIN = "https://commissioner.invalid";
/** C0 controls and DEL: browsers strip some of them from URLs, and none may go in a header. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * A safe place to go after sign-in: a path of this service, never another host (docs/security.md).
 * Parsed as a browser would, against our origin, so `//host`, `/\host` and the like are refused, and
 * control characters (which browsers strip, and which cannot go in a header) are refused outright.
 */
export function safeNext(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || hasControlCharacter(value)) return paths.home;
  let url: URL;
  try {
    url = new URL(value, OWN_ORIGIN);
  } catch {
    return paths.home;
  }
  if (url.origin !== OWN_ORIGIN) return paths.home;
  return `${url.pathname}${url.search}${url.hash}`;
}
