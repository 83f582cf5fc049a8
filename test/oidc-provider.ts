import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

/** Who the provider says signed in at its next authorisation request, or the error it answers. */
export type NextSignIn =
  | { sub: string; email?: string; email_verified?: boolean; name?: string }
  | { error: string; error_description?: string };

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The identity (or error) the authorize endpoint answers next; one sign-in each. */
  willSignIn(next: NextSignIn): void;
  /** Token requests the provider has answered, for checks on what the client sent. */
  tokenRequests: URLSearchParams[];
  close(): Promise<void>;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  identity: Extract<NextSignIn, { sub: string }>;
}

/**
 * A minimal OpenID Connect provider for tests, written with jose: a discovery document, a JWKS, an
 * authorize endpoint that redirects straight back with a code (no login page), and a token endpoint
 * that checks the client, the redirect URI and PKCE, and issues an RS256 ID token carrying the nonce.
 */
export async function startTestOidcProvider(options: {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}): Promise<TestOidcProvider> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const kid = randomBytes(6).toString("hex");
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const codes = new Map<string, IssuedCode>();
  const queue: NextSignIn[] = [];
  const tokenRequests: URLSearchParams[] = [];
  let issuer = "";

  function json(res: http.ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  }

  async function readBody(req: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  function authorize(url: URL, res: http.ServerResponse) {
    const q = url.searchParams;
    const redirectUri = q.get("redirect_uri");
    if (q.get("client_id") !== options.clientId || redirectUri !== options.redirectUri) {
      json(res, 400, { error: "invalid_request", error_description: "unknown client or redirect_uri" });
      return;
    }
    const back = new URL(redirectUri);
    const state = q.get("state");
    if (state) back.searchParams.set("state", state);
    back.searchParams.set("iss", issuer);
    const next = queue.shift() ?? { error: "login_required" };
    if ("error" in next) {
      back.searchParams.set("error", next.error);
      if (next.error_description) back.searchParams.set("error_description", next.error_description);
    } else {
      const code = randomBytes(16).toString("base64url");
      codes.set(code, {
        clientId: options.clientId,
        redirectUri,
        nonce: q.get("nonce") ?? undefined,
        codeChallenge: q.get("code_challenge") ?? undefined,
        identity: next,
      });
      back.searchParams.set("code", code);
    }
    res.writeHead(302, { location: back.href });
    res.end();
  }

  async function token(req: http.IncomingMessage, res: http.ServerResponse) {
    const form = new URLSearchParams(await readBody(req));
    tokenRequests.push(form);
    let clientId = form.get("client_id");
    let clientSecret = form.get("client_secret");
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? "");
    if (basic?.[1]) {
      const [id = "", secret = ""] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
      clientId = decodeURIComponent(id);
      clientSecret = decodeURIComponent(secret);
    }
    if (clientId !== options.clientId || clientSecret !== options.clientSecret) {
      json(res, 401, { error: "invalid_client" });
      return;
    }
    const code = form.get("code") ?? "";
    const issued = codes.get(code);
    codes.delete(code);
    const verifier = form.get("code_verifier") ?? "";
    // PKCE is required here: a client that does not send it cannot sign anyone in.
    const pkceOk =
      issued?.codeChallenge !== undefined &&
      createHash("sha256").update(verifier).digest("base64url") === issued.codeChallenge;
    if (
      form.get("grant_type") !== "authorization_code" ||
      !issued ||
      !pkceOk ||
      issued.redirectUri !== form.get("redirect_uri")
    ) {
      json(res, 400, { error: "invalid_grant" });
      return;
    }
    const { sub, ...profile } = issued.identity;
    const idToken = await new SignJWT({ ...profile, ...(issued.nonce ? { nonce: issued.nonce } : {}) })
      .setProtectedHeader({ alg: "RS256", kid })
      .setIssuer(issuer)
      .setAudience(issued.clientId)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    json(res, 200, {
      access_token: randomBytes(16).toString("base64url"),
      token_type: "Bearer",
      expires_in: 300,
      id_token: idToken,
    });
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const route = `${req.method ?? "GET"} ${url.pathname}`;
    const base = new URL(issuer).pathname;
    const handle = async () => {
      switch (route) {
        case `GET ${base}/.well-known/openid-configuration`:
          json(res, 200, {
            issuer,
            authorization_endpoint: `${issuer}/authorize`,
            token_endpoint: `${issuer}/token`,
            jwks_uri: `${issuer}/jwks`,
            response_types_supported: ["code"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: ["RS256"],
            code_challenge_methods_supported: ["S256"],
            token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
            scopes_supported: ["openid", "email", "profile"],
            authorization_response_iss_parameter_supported: true,
          });
          break;
        case `GET ${base}/jwks`:
          json(res, 200, { keys: [jwk] });
          break;
        case `GET ${base}/authorize`:
          authorize(url, res);
          break;
        case `POST ${base}/token`:
          await token(req, res);
          break;
        default:
          json(res, 404, { error: "not_found" });
      }
    };
    handle().catch((error: unknown) => {
      json(res, 500, { error: "server_error", error_description: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  issuer = `http://127.0.0.1:${port}/idp`;

  return {
    issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    willSignIn(next) {
      queue.push(next);
    },
    tokenRequests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}
