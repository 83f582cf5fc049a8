import { randomBytes } from "node:crypto";
import net from "node:net";
import path from "node:path";
import { z } from "zod";
import { notifyTemplateIds, notifyTemplateSettings } from "./notify-templates.js";
import { MESSAGE_TEMPLATE_KEYS, notifyTemplateVariable, type MessageTemplateKey } from "./domain/messages.js";

/**
 * Configuration comes only from environment variables, validated at boot.
 * Each entry's description is what the README lists.
 */
export const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe("port the web app listens on"),
  HOST: z
    .string()
    .trim()
    .min(1, "must be an address to listen on, like 127.0.0.1 or 0.0.0.0")
    .optional()
    .describe(
      "address the web app listens on; default 127.0.0.1 (this computer only) with demo data, 0.0.0.0 (every network interface) without",
    ),
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
  SEALING_SECRET: z
    .string()
    .min(32, "must be at least 32 characters")
    .optional()
    .describe(
      "key that wraps each tender's data key, so sealed submissions cannot be read before their opening; required with DATABASE_URL, generated and kept in DATA_DIR otherwise; keep it apart from backups, and never lose it while a tender is unopened",
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
  PUBLIC_URL: z
    .url("must be the service's address, like https://commissioner.example.gov.uk")
    .regex(/^https?:\/\//, "must start with https:// or http://")
    .optional()
    .describe("the service's own address, for the links in the messages it sends"),
  MAIL_URL: z
    .string()
    .regex(/^smtps?:\/\/[^/]+/, "must be an SMTP server address, like smtp://user:password@host:587")
    .optional()
    .describe("an SMTP server that delivers the messages"),
  MAIL_FROM: z
    .string()
    .regex(
      /^(.*<)?[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>?$/,
      "must be an email address, like Commissioner <noreply@example.gov.uk>",
    )
    .optional()
    .describe("the sender of the messages sent by SMTP"),
  NOTIFY_API_KEY: z
    .string()
    .regex(
      /^.+-[0-9a-f-]{36}-[0-9a-f-]{36}$/,
      "must be a GOV.UK Notify API key (its name, service id and secret)",
    )
    .optional()
    .describe("a GOV.UK Notify API key that delivers the messages"),
  NOTIFY_BASE_URL: z
    .url()
    .default("https://api.notifications.service.gov.uk")
    .describe("GOV.UK Notify's API"),
  ...notifyTemplateSettings,
});

export type Environment = z.infer<typeof environmentSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  sessionSecret: string;
  /** Keys HMAC-SHA-256 of client_ref (docs/indicators.md): changing it would split every client in two. */
  pseudonymisationSecret: string;
  /** Wraps each tender's data key (docs/tendering.md, the seal): without it no submission can be read. */
  sealingSecret: string;
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
  /** The service's own address, without a trailing slash, for links in messages. */
  publicUrl: string;
  /** How messages leave the outbox; "outbox" keeps them there for administrators to read. */
  mail: MailConfig;
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

export type MailConfig =
  | { kind: "outbox" }
  | { kind: "smtp"; url: string; from: string }
  | {
      kind: "notify";
      apiKey: string;
      baseUrl: string;
      templateIds: Record<MessageTemplateKey, string>;
    };

export class ConfigError extends Error {}

function everyTemplateGiven(
  given: Record<MessageTemplateKey, string | undefined>,
): given is Record<MessageTemplateKey, string> {
  return MESSAGE_TEMPLATE_KEYS.every((key) => given[key] !== undefined);
}

/** The mail settings, or one line per problem with them. */
function mailFrom(e: Environment): { mail: MailConfig; problems: string[] } {
  const problems: string[] = [];
  if (e.MAIL_URL && e.NOTIFY_API_KEY)
    problems.push("  MAIL_URL, NOTIFY_API_KEY: set one of them, not both: messages go one way");
  if (e.MAIL_URL && !e.MAIL_FROM) problems.push("  MAIL_FROM: required when MAIL_URL is set, as the sender");
  if ((e.MAIL_URL || e.NOTIFY_API_KEY) && !e.PUBLIC_URL)
    problems.push("  PUBLIC_URL: required when messages are sent, for the links in them");
  const given = notifyTemplateIds(e);
  if (e.NOTIFY_API_KEY) {
    for (const key of MESSAGE_TEMPLATE_KEYS)
      if (!given[key]) problems.push(`  ${notifyTemplateVariable(key)}: required when NOTIFY_API_KEY is set`);
  }
  if (problems.length > 0) return { mail: { kind: "outbox" }, problems };
  if (e.MAIL_URL && e.MAIL_FROM)
    return { mail: { kind: "smtp", url: e.MAIL_URL, from: e.MAIL_FROM }, problems };
  if (e.NOTIFY_API_KEY && everyTemplateGiven(given)) {
    return {
      mail: { kind: "notify", apiKey: e.NOTIFY_API_KEY, baseUrl: e.NOTIFY_BASE_URL, templateIds: given },
      problems,
    };
  }
  return { mail: { kind: "outbox" }, problems };
}

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

/**
 * Where the app listens unless HOST says: with demo data only on this computer (127.0.0.1), since the
 * demo's accounts and passwords are printed to whoever starts it (README, "Quick start"); without it on
 * every interface, as a server in a container needs.
 */
function defaultHost(e: Environment): string {
  return e.HOST ?? (e.DEMO_DATA ? "127.0.0.1" : "0.0.0.0");
}

export function parseEnvironment(env: NodeJS.ProcessEnv): Environment {
  const result = environmentSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Configuration is not valid:\n${lines.join("\n")}`);
  }
  return result.data;
}

/** The secrets the embedded database keeps in DATA_DIR when the environment does not set them. */
export type KeptSecret = "session-secret" | "pseudonymisation-secret" | "sealing-secret";

/** With PostgreSQL every instance must share the secrets, so none may be generated (README, Configuration). */
function requireSecretsWithDatabase(e: Environment): void {
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
  if (e.DATABASE_URL && !e.SEALING_SECRET) {
    throw new ConfigError(
      "Configuration is not valid:\n  SEALING_SECRET: required when DATABASE_URL is set, so that every instance can open the tenders the others sealed",
    );
  }
}

/** Builds the app's configuration; `readSecret` supplies a kept secret (by name) for the embedded database. */
export function configFromEnvironment(
  env: NodeJS.ProcessEnv,
  readSecret?: (dataDir: string, name: KeptSecret) => string,
): Config {
  const e = parseEnvironment(env);
  const dataDir = path.resolve(e.DATA_DIR);
  requireSecretsWithDatabase(e);
  const oidcParts = [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_REDIRECT_URI];
  if (oidcParts.some(Boolean) && !oidcParts.every(Boolean)) {
    throw new ConfigError(
      "Configuration is not valid:\n  OIDC_*: set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_REDIRECT_URI together",
    );
  }
  const { mail, problems } = mailFrom(e);
  if (problems.length > 0) throw new ConfigError(`Configuration is not valid:\n${problems.join("\n")}`);
  return {
    port: e.PORT,
    host: defaultHost(e),
    dataDir,
    databaseUrl: e.DATABASE_URL,
    sessionSecret:
      e.SESSION_SECRET ??
      (readSecret ? readSecret(dataDir, "session-secret") : randomBytes(32).toString("hex")),
    pseudonymisationSecret:
      e.PSEUDONYMISATION_SECRET ??
      (readSecret ? readSecret(dataDir, "pseudonymisation-secret") : randomBytes(32).toString("hex")),
    sealingSecret:
      e.SEALING_SECRET ??
      (readSecret ? readSecret(dataDir, "sealing-secret") : randomBytes(32).toString("hex")),
    sessionHours: e.SESSION_HOURS,
    secureCookies: e.SECURE_COOKIES,
    trustProxy: e.TRUST_PROXY,
    metricsToken: e.METRICS_TOKEN,
    logLevel: e.LOG_LEVEL,
    demoData: e.DEMO_DATA,
    ocdsPrefix: e.OCDS_PREFIX,
    jobsEnabled: e.JOBS_ENABLED,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${String(e.PORT)}`).replace(/\/+$/, ""),
    mail,
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
