import * as client from "openid-client";
import type { Config } from "../../../config.js";

export type OidcConfig = NonNullable<Config["oidc"]>;

/** Plain HTTP is allowed only to an identity provider on this machine (development and tests). */
function isLoopback(url: URL): boolean {
  return ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

/**
 * Discovers the identity provider once per app instance, when first needed. A failed discovery is
 * not kept, so the next sign-in tries again (the provider may only have been down for a moment).
 */
export function lazyDiscovery(oidc: OidcConfig) {
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
