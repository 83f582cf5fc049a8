import { randomBytes } from "node:crypto";
import net from "node:net";
import path from "node:path";
import { z } from "zod";

/**
 * Configuration comes only from environment variables, validated at boot (STYLE.md, example 5).
 * Each entry's description is what the README lists.
 */
export const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe("port the web app listens on"),
  HOST: z.string().default("0.0.0.0").describe("address the web app listens on"),
  DATA_DIR: z.string().default("./data").describe("folder for the embedded database and stored documents"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres://")
    .optional()
    .describe("a PostgreSQL server to use instead of the embedded database"),
  SESSION_SECRET: z
    .string()
    .min(32, "must be at least 32 characters")
    .optional()
    .describe(
      "secret that signs cookies; required with DATABASE_URL, generated and kept in DATA_DIR otherwise",
    ),
  PSEUDONYMISATION_SECRET: z
    .string()
    .min(32, "must be at least 32 characters")
    .optional()
    .describe(
      "key that pseudonymises client identifiers on import; required with DATABASE_URL, generated and kept in DATA_DIR otherwise; never change it once data is imported",
    ),
  SESSION_HOURS: z.coerce.number().positive().default(8).describe("hours a session lasts without use"),
  SECURE_COOKIES: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true")
    .describe("mark cookies Secure (set to true behind TLS)"),
  TRUST_PROXY: z
    .string()
    .default("false")
    .transform((value, ctx) => {
      const parsed = parseTrustProxy(value);
      if (typeof parsed === "object" && "problem" in parsed) {
        ctx.addIssue({ code: "custom", message: parsed.problem });
        return z.NEVER;
      }
      return parsed;
    })
    .describe(
      "the reverse proxies in front: how many (1) or their addresses (10.0.0.0/8,127.0.0.1); false when none",
    ),
  METRICS_TOKEN: z
    .string()
    .min(32, "must be at least 32 characters")
    .optional()
    .describe("token a Prometheus scraper sends to read /metrics; without it /metrics is not served"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DEMO_DATA: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true")
    .describe("load demo data into an empty database on first start"),
  OCDS_PREFIX: z.string().default("ocds-xxxxxx").describe("ocid prefix for open contracting data"),
  OIDC_ISSUER: z.url().optional().describe("OpenID Connect issuer URL for single sign-on"),
  OIDC_CLIENT_ID: z.string().optional().describe("OpenID Connect client id"),
  OIDC_CLIENT_SECRET: z.string().optional().describe("OpenID Connect client secret"),
  OIDC_REDIRECT_URI: z
    .url()
    .optional()
    .describe("this service's callback URL, ending /sign-in/oidc/callback"),
  OIDC_BUTTON_TEXT: z.string().default("Sign in with your council account"),
  JOBS_ENABLED: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true")
    .describe("run the in-process job worker"),
});

export type Environment = z.infer<typeof environmentSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  sessionSecret: string;
  /** Keys HMAC-SHA-256 of client_ref (INDICATORS.md): changing it would split every client in two. */
  pseudonymisationSecret: string;
  sessionHours: number;
  secureCookies: boolean;
  /** Which hops' X-Forwarded-For entries to believe: none, the last n, or those from these addresses. */
  trustProxy: TrustProxy;
  /** Bearer token for /metrics; no /metrics without it. */
  metricsToken: string | undefined;
  logLevel: Environment["LOG_LEVEL"];
  demoData: boolean;
  ocdsPrefix: string;
  jobsEnabled: boolean;
  oidc:
    | {
        issuer: string;
        clientId: string;
        clientSecret: string | undefined;
        redirectUri: string;
        buttonText: string;
      }
    | undefined;
}

export class ConfigError extends Error {}

/** Which proxies to believe, never all of them: trusting every hop lets a client name its own address. */
export type TrustProxy = false | number | string[];

const PROXY_NAMES = ["loopback", "linklocal", "uniquelocal"];

/** An address, a CIDR block, or one of proxy-addr's names for the private ranges. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.includes(entry)) return true;
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = net.isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY: "false" (or 0) for none; a hop count; or a comma-separated list of proxy addresses and
 * CIDR blocks. "true" is refused rather than guessed at: it used to trust every hop, so the client's own
 * left-most X-Forwarded-For entry became its address and the sign-in throttle never applied (README,
 * "Running in production").
 */
export function parseTrustProxy(value: string): TrustProxy | { problem: string } {
  const text = value.trim();
  if (text === "" || text === "false" || text === "0") return false;
  if (text === "true")
    return {
      problem:
        '"true" would trust every hop, so a client could choose its own address: give the number of proxies in front (e.g. 1) or their addresses (e.g. 10.0.0.0/8,127.0.0.1)',
    };
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(",").map((e) => e.trim());
  const wrong = entries.filter((e) => !isProxyAddress(e));
  if (wrong.length > 0)
    return {
      problem: `${wrong.map((w) => `"${w}"`).join(", ")} is not an IP address or CIDR block (e.g. 10.0.0.0/8,127.0.0.1), nor a number of proxies`,
    };
  return entries;
}

/**
 * The option Fastify takes. Fastify 5 treats a bare number as "trust nothing" (it cannot tell the proxy
 * from a client that connects directly), so a hop count becomes a function trusting the last n hops: the
 * README says to use it only where the app can be reached through the proxy alone.
 */
export function fastifyTrustProxy(
  trustProxy: TrustProxy,
): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trustProxy !== "number") return trustProxy;
  if (trustProxy === 0) return false;
  return (_address, hop) => hop < trustProxy;
}

export function parseEnvironment(env: NodeJS.ProcessEnv): Environment {
  const result = environmentSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Configuration is not valid:\n${lines.join("\n")}`);
  }
  return result.data;
}

/** Builds the app's configuration; `readSecret` supplies a kept secret (by name) for the embedded database. */
export function configFromEnvironment(
  env: NodeJS.ProcessEnv,
  readSecret?: (dataDir: string, name: "session-secret" | "pseudonymisation-secret") => string,
): Config {
  const e = parseEnvironment(env);
  const dataDir = path.resolve(e.DATA_DIR);
  if (e.DATABASE_URL && !e.SESSION_SECRET) {
    throw new ConfigError(
      "Configuration is not valid:\n  SESSION_SECRET: required when DATABASE_URL is set, so that every instance signs cookies alike",
    );
  }
  if (e.DATABASE_URL && !e.PSEUDONYMISATION_SECRET) {
    throw new ConfigError(
      "Configuration is not valid:\n  PSEUDONYMISATION_SECRET: required when DATABASE_URL is set, so that every instance pseudonymises client identifiers alike",
    );
  }
  const oidcParts = [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_REDIRECT_URI];
  if (oidcParts.some(Boolean) && !oidcParts.every(Boolean)) {
    throw new ConfigError(
      "Configuration is not valid:\n  OIDC_*: set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_REDIRECT_URI together",
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    sessionSecret:
      e.SESSION_SECRET ??
      (readSecret ? readSecret(dataDir, "session-secret") : randomBytes(32).toString("hex")),
    pseudonymisationSecret:
      e.PSEUDONYMISATION_SECRET ??
      (readSecret ? readSecret(dataDir, "pseudonymisation-secret") : randomBytes(32).toString("hex")),
    sessionHours: e.SESSION_HOURS,
    secureCookies: e.SECURE_COOKIES,
    trustProxy: e.TRUST_PROXY,
    metricsToken: e.METRICS_TOKEN,
    logLevel: e.LOG_LEVEL,
    demoData: e.DEMO_DATA,
    ocdsPrefix: e.OCDS_PREFIX,
    jobsEnabled: e.JOBS_ENABLED,
    oidc:
      e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_REDIRECT_URI
        ? {
            issuer: e.OIDC_ISSUER,
            clientId: e.OIDC_CLIENT_ID,
            clientSecret: e.OIDC_CLIENT_SECRET,
            redirectUri: e.OIDC_REDIRECT_URI,
            buttonText: e.OIDC_BUTTON_TEXT,
          }
        : undefined,
  };
}
