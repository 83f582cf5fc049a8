import "@fastify/cookie";
import type { FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Config } from "../config.js";
import type { Actor } from "../domain/policy.js";
import type { AccountsService } from "../modules/accounts/service.js";
import { actorFor, type LoadedSession, type SessionUser } from "../modules/accounts/queries.js";
import { hmacHex, randomToken, safeEqual } from "../modules/accounts/tokens.js";

export const SESSION_COOKIE = "commissioner_session";

declare module "fastify" {
  interface FastifyRequest {
    /** The signed-in person, from a session cookie (pages) or a bearer token (API). */
    actor: Actor | null;
    user: SessionUser | null;
    session: LoadedSession | null;
    /** Cookie value identifying this browser; issued lazily when a form needs a CSRF token. */
    browserToken: string | null;
    csrfToken(this: FastifyRequest): string;
  }
}

export interface SessionOptions {
  config: Config;
  accounts: AccountsService;
}

export function sessionCookieOptions(config: Config) {
  return {
    path: "/",
    httpOnly: true,
    sameSite: "lax" as const,
    secure: config.secureCookies,
    signed: true,
  };
}

/** Server-side sessions in the database (docs/security.md), one concern per file. */
export const sessionsPlugin = fp<SessionOptions>(
  async (app, { config, accounts }) => {
    app.decorateRequest("actor", null);
    app.decorateRequest("user", null);
    app.decorateRequest("session", null);
    app.decorateRequest("browserToken", null);
    app.decorateRequest("csrfToken", function (this: FastifyRequest) {
      if (!this.browserToken) {
        this.browserToken = randomToken();
        issuedCookies.set(this, this.browserToken);
      }
      return hmacHex(config.sessionSecret, `csrf:${this.browserToken}`);
    });

    const issuedCookies = new WeakMap<FastifyRequest, string>();

    app.addHook("onRequest", async (request) => {
      if (isApiOrAsset(request.url)) return;
      const raw = request.cookies[SESSION_COOKIE];
      if (!raw) return;
      const unsigned = request.unsignCookie(raw);
      if (!unsigned.valid || !unsigned.value) return;
      request.browserToken = unsigned.value;
      const session = await accounts.loadSession(unsigned.value);
      if (!session) return;
      request.session = session;
      if (session.user) {
        request.user = session.user;
        request.actor = actorFor(session.user);
        await accounts.touchSession(session);
      }
    });

    app.addHook("onSend", async (request, reply) => {
      // What a signed-in person sees (a new API token included) is never kept by a browser or proxy.
      if (request.actor || request.session?.pendingUserId) reply.header("cache-control", "no-store");
      const issued = issuedCookies.get(request);
      if (issued && !reply.hasHeader("set-cookie")) {
        reply.setCookie(SESSION_COOKIE, issued, sessionCookieOptions(config));
      }
    });
  },
  { name: "sessions", dependencies: ["@fastify/cookie"] },
);

export function isApiOrAsset(url: string): boolean {
  return (
    url.startsWith("/api/") ||
    url.startsWith("/assets/") ||
    url.startsWith("/stylesheets/") ||
    url.startsWith("/javascripts/") ||
    url === "/healthz" ||
    url === "/readyz" ||
    url === "/metrics"
  );
}

/** Starts a signed-in (or pending second factor) session under a fresh cookie value. */
export async function beginSession(
  request: FastifyRequest,
  reply: FastifyReply,
  accounts: AccountsService,
  config: Config,
  values: { userId?: string; pendingUserId?: string },
) {
  if (request.browserToken) await accounts.endSession(request.browserToken);
  const token = await accounts.startSession(values);
  request.browserToken = token;
  reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(config));
}

/** Keeps a message for the next page (Post/Redirect/Get): in the session row, anonymous or not. */
export async function setFlash(
  request: FastifyRequest,
  reply: FastifyReply,
  accounts: AccountsService,
  config: Config,
  flash: unknown,
) {
  if (request.browserToken && (await accounts.setSessionFields(request.browserToken, { flash }))) return;
  const token = await accounts.startSession({ flash }, request.browserToken ?? undefined);
  request.browserToken = token;
  reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(config));
}

/** Reads and clears the flash. */
export async function takeFlash(request: FastifyRequest, accounts: AccountsService): Promise<unknown> {
  const flash = request.session?.flash;
  if (!flash || !request.browserToken) return null;
  await accounts.setSessionFields(request.browserToken, { flash: null });
  return flash;
}

export function csrfTokenValid(request: FastifyRequest, submitted: unknown, secret: string): boolean {
  if (typeof submitted !== "string" || !request.browserToken) return false;
  return safeEqual(submitted, hmacHex(secret, `csrf:${request.browserToken}`));
}
