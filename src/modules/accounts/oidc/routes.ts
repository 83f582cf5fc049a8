import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import * as client from "openid-client";
import { z } from "zod";
import { redirectWithErrors } from "../../../web/forms.js";
import { safeNext } from "../../../web/guards.js";
import { paths } from "../../../web/paths.js";
import { beginSession, SESSION_COOKIE, sessionCookieOptions } from "../../../web/sessions.js";
import { lazyDiscovery, type OidcConfig } from "./discovery.js";

type App = Parameters<FastifyPluginAsyncZod>[0];

/** What a sign-in in progress keeps in its session row between the redirect out and the callback. */
const keptStateSchema = z.object({
  state: z.string().min(1),
  nonce: z.string().min(1),
  codeVerifier: z.string().min(1),
  next: z.string(),
  startedAt: z.number(),
});
type KeptState = z.infer<typeof keptStateSchema>;

/** A sign-in left at the identity provider longer than this must start again. */
const SIGN_IN_WINDOW_MS = 10 * 60_000;

export const OIDC_MESSAGES = {
  notRegistered: "Your council account is not registered in Commissioner. Ask your administrator to add you.",
  expired:
    "Your council sign-in has expired or was started in another browser. Sign in with your council account again.",
  refused:
    "Your council account sign-in was cancelled or refused. Try again, or sign in with your email address and password.",
  failed:
    "We could not complete the sign-in with your council account. Try again, or sign in with your email address and password.",
  unavailable:
    "Council account sign-in is not available at the moment. Try again later, or sign in with your email address and password.",
} as const;

/** Back to the sign-in page with one message, nothing signed in. */
function refuse(request: FastifyRequest, reply: FastifyReply, message: string, next?: string) {
  const to = next && next !== paths.home ? `${paths.signIn}?next=${encodeURIComponent(next)}` : paths.signIn;
  return redirectWithErrors(request, reply, to, [{ path: "email", message }]);
}

/** An error's `code`, when it has one (openid-client's errors do), for the log. */
function codeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
}

/**
 * Exchanges the code the provider sent back for the ID token's claims, checking state, nonce and
 * PKCE. Returns the message to refuse with when the provider refused or the exchange failed.
 */
async function claimsFrom(
  discovered: () => Promise<client.Configuration>,
  currentUrl: URL,
  kept: KeptState,
  log: FastifyBaseLogger,
): Promise<client.IDToken | string> {
  try {
    const tokens = await client.authorizationCodeGrant(await discovered(), currentUrl, {
      pkceCodeVerifier: kept.codeVerifier,
      expectedState: kept.state,
      expectedNonce: kept.nonce,
      idTokenExpected: true,
    });
    return tokens.claims() ?? OIDC_MESSAGES.failed;
  } catch (error) {
    const refusedByProvider = error instanceof client.AuthorizationResponseError;
    log.warn(
      {
        code: codeOf(error),
        error: refusedByProvider ? error.error : undefined,
        reason: error instanceof Error ? error.message : undefined,
      },
      "OpenID Connect sign-in refused",
    );
    return refusedByProvider ? OIDC_MESSAGES.refused : OIDC_MESSAGES.failed;
  }
}

/** Out to the identity provider, with the sign-in in progress kept in this browser's session row. */
function startPage(app: App, oidc: OidcConfig, discovered: () => Promise<client.Configuration>) {
  const { accounts } = app.services;
  const config = app.config;

  /** Keeps the sign-in in progress in this browser's session row, starting an anonymous one if needed. */
  async function keep(request: FastifyRequest, reply: FastifyReply, kept: KeptState) {
    if (request.browserToken && (await accounts.setSessionFields(request.browserToken, { oidcState: kept })))
      return;
    // A fresh cookie value, never one the browser brought: nothing planted beforehand is reused.
    const token = await accounts.startSession({ oidcState: kept });
    request.browserToken = token;
    reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(config));
  }

  const querystring = z.object({ next: z.string().max(2000).optional() });
  app.get(paths.signInOidc, { schema: { hide: true, querystring } }, async (request, reply) => {
    const next = safeNext(request.query.next);
    if (request.actor) return reply.redirect(next, 303);
    let configuration: client.Configuration;
    try {
      configuration = await discovered();
    } catch (error) {
      request.log.error({ err: error }, "OpenID Connect discovery failed");
      return refuse(request, reply, OIDC_MESSAGES.unavailable, next);
    }
    const kept: KeptState = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
      next,
      startedAt: Date.now(),
    };
    await keep(request, reply, kept);
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: oidc.redirectUri,
      response_type: "code",
      scope: "openid email profile",
      state: kept.state,
      nonce: kept.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(kept.codeVerifier),
      code_challenge_method: "S256",
    });
    return reply.redirect(url.href, 303);
  });
}

/** Back from the identity provider: the code exchanged, the person found (or linked) and signed in. */
function callbackPage(app: App, oidc: OidcConfig, discovered: () => Promise<client.Configuration>) {
  const { accounts } = app.services;

  app.get(paths.signInOidcCallback, { schema: { hide: true } }, async (request, reply) => {
    const parsed = keptStateSchema.safeParse(request.session?.oidcState);
    // One use only: whatever happens next, this state cannot be replayed.
    if (request.browserToken && request.session?.oidcState)
      await accounts.setSessionFields(request.browserToken, { oidcState: null });
    if (!parsed.success || Date.now() - parsed.data.startedAt > SIGN_IN_WINDOW_MS) {
      request.log.info("OpenID Connect callback without a sign-in in progress");
      return refuse(request, reply, OIDC_MESSAGES.expired);
    }
    const kept = parsed.data;

    // The URL the provider sent the browser to: our registered redirect URI with the response's query.
    const currentUrl = new URL(oidc.redirectUri);
    currentUrl.search = request.url.includes("?") ? request.url.slice(request.url.indexOf("?")) : "";
    const claims = await claimsFrom(discovered, currentUrl, kept, request.log);
    if (typeof claims === "string") return refuse(request, reply, claims, kept.next);

    // An email links an account only when the provider has not said it is unverified.
    const email =
      typeof claims.email === "string" && claims.email_verified !== false ? claims.email : undefined;
    const user = await accounts.userForOidc(claims.sub, email);
    if (!user) {
      request.log.info("OpenID Connect sign-in for an account not registered here");
      return refuse(request, reply, OIDC_MESSAGES.notRegistered, kept.next);
    }
    // No TOTP step here, even for roles that require it after a password: single sign-on users are
    // authenticated by their council's identity provider, and the IdP owns the second factor.
    await beginSession(request, reply, accounts, app.config, { userId: user.id });
    request.log.info({ userId: user.id }, "signed in with council account");
    return reply.redirect(safeNext(kept.next), 303);
  });
}

/**
 * Single sign-on with the council's own identity provider (docs/architecture.md, auth), by OpenID Connect's
 * authorization code flow with PKCE, state and nonce. Registers nothing when OIDC_* is not set.
 */
export const oidcRoutes: FastifyPluginAsyncZod = async (app) => {
  const oidc = app.config.oidc;
  if (!oidc) return;
  const discovered = lazyDiscovery(oidc);
  startPage(app, oidc, discovered);
  callbackPage(app, oidc, discovered);
};
