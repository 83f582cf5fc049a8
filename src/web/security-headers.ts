import helmet from "@fastify/helmet";
import fp from "fastify-plugin";

/**
 * Security headers, with a per-response CSP nonce (helmet's `enableCSPNonces`) for the one inline
 * script the GOV.UK template has and our module script tag.
 */
export const securityHeadersPlugin = fp<{ secure: boolean }>(
  async (app, { secure }) => {
    await app.register(helmet, {
      enableCSPNonces: true,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", "data:"],
          fontSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
          ...(secure ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: secure ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      referrerPolicy: { policy: "same-origin" },
      crossOriginEmbedderPolicy: false,
    });
  },
  { name: "security-headers" },
);
