import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import * as client from "openid-client";
import { z } from "zod";
import type { Config } from "../../config.js";
import { redirectWithErrors } from "../../web/forms.js";
import { safeNext } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { beginSession, SESSION_COOKIE, sessionCookieOptions } from "../../web/sessions.js";

type OidcConfig = NonNullable<Config["oidc"]>;

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

/** Plain HTTP is allowed only to an identity provider on this machine (development and tests). */
function isLoopback(url: URL): boolean {
  return ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

/**
 * Discovers the identity provider once per app instance, when first needed. A failed discovery is
 * not kept, so the next sign-in tries again (the provider may only have been down for a moment).
 */
function lazyDiscovery(oidc: OidcConfig) {
  let pending: Promise<client.Configuration> | undefined;
  return () => {
    if (!pending) {
      const issuer = new URL(oidc.issuer);
      // Deprecated only to stand out: plain HTTP is allowed to an issuer on this machine alone.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      const allowHttp = client.allowInsecureRequests;
      const execute = issuer.protocol === "http:" && isLoopback(issuer) ? [allowHttp] : [];
      pending = client
        .discovery(
          issuer,
          oidc.clientId,
          oidc.clientSecret,
          // Without a secret this is a public client; PKCE protects the code exchange.
          oidc.clientSecret ? undefined : client.None(),
          { timeout: 10, execute },
        )
        .catch((error: unknown) => {
          pending = undefined;
          throw error;
        });
    }
    return pending;
  };
}

/**
 * Single sign-on with the council's own identity provider (docs/architecture.md, auth), by OpenID Connect's
 * authorization code flow with PKCE, state and nonce. Registers nothing when OIDC_* is not set.
 */
export const oidcRoutes: FastifyPluginAsyncZod = async (app) => {
  const oidc = app.config.oidc;
  if (!oidc) return;
  const { accounts } = app.services;
  const config = app.config;
  const configuration = lazyDiscovery(oidc);

  /** Back to the sign-in page with one message, nothing signed in. */
  function refuse(request: FastifyRequest, reply: FastifyReply, message: string, next?: string) {
    const to =
      next && next !== paths.home ? `${paths.signIn}?next=${encodeURIComponent(next)}` : paths.signIn;
    return redirectWithErrors(request, reply, to, [{ path: "email", message }]);
  }

  /** Keeps the sign-in in progress in this browser's session row, starting an anonymous one if needed. */
  async function keep(request: FastifyRequest, reply: FastifyReply, kept: KeptState) {
    if (request.browserToken && (await accounts.setSessionFields(request.browserToken, { oidcState: kept })))
      return;
    // A fresh cookie value, never one the browser brought: nothing planted beforehand is reused.
    const token = await accounts.startSession({ oidcState: kept });
    request.browserToken = token;
    reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(config));
  }

  app.get(
    paths.signInOidc,
    {
      schema: {
        hide: true,
        querystring: z.object({ next: z.string().max(2000).optional() }),
      },
    },
    async (request, reply) => {
      const next = safeNext(request.query.next);
      if (request.actor) return reply.redirect(next, 303);
      let discovered: client.Configuration;
      try {
        discovered = await configuration();
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
      const url = client.buildAuthorizationUrl(discovered, {
        redirect_uri: oidc.redirectUri,
        response_type: "code",
        scope: "openid email profile",
        state: kept.state,
        nonce: kept.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(kept.codeVerifier),
        code_challenge_method: "S256",
      });
      return reply.redirect(url.href, 303);
    },
  );

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

    let claims: client.IDToken | undefined;
    try {
      const discovered = await configuration();
      const tokens = await client.authorizationCodeGrant(discovered, currentUrl, {
        pkceCodeVerifier: kept.codeVerifier,
        expectedState: kept.state,
        expectedNonce: kept.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      const refusedByProvider = error instanceof client.AuthorizationResponseError;
      request.log.warn(
        {
          code: (error as { code?: unknown }).code,
          error: refusedByProvider ? error.error : undefined,
          reason: error instanceof Error ? error.message : undefined,
        },
        "OpenID Connect sign-in refused",
      );
      return refuse(
        request,
        reply,
        refusedByProvider ? OIDC_MESSAGES.refused : OIDC_MESSAGES.failed,
        kept.next,
      );
    }
    if (!claims) return refuse(request, reply, OIDC_MESSAGES.failed, kept.next);

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
    await beginSession(request, reply, accounts, config, { userId: user.id });
    request.log.info({ userId: user.id }, "signed in with council account");
    return reply.redirect(safeNext(kept.next), 303);
  });
};
