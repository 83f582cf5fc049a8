import { describe, expect, it } from "vitest";
import { ConfigError, configFromEnvironment } from "./config.js";
import { MESSAGE_TEMPLATE_KEYS, notifyTemplateVariable } from "./domain/messages.js";

const secret = "x".repeat(32);

describe("configuration from the environment", () => {
  it("has defaults that run the embedded database on port 3000", () => {
    const config = configFromEnvironment({}, () => secret);
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      sessionSecret: secret,
      demoData: true,
      secureCookies: false,
    });
    expect(config.dataDir).toMatch(/data$/);
  });

  it.each([
    [{ PORT: "seventy" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL: must start with postgres://"],
    [{ SESSION_SECRET: "short" }, "SESSION_SECRET: must be at least 32 characters"],
    [{ DATABASE_URL: "postgres://localhost/db" }, "SESSION_SECRET: required when DATABASE_URL is set"],
    [
      { DATABASE_URL: "postgres://localhost/db", SESSION_SECRET: "s".repeat(32) },
      "PSEUDONYMISATION_SECRET: required when DATABASE_URL is set",
    ],
    [
      {
        DATABASE_URL: "postgres://localhost/db",
        SESSION_SECRET: "s".repeat(32),
        PSEUDONYMISATION_SECRET: "p".repeat(32),
      },
      "SEALING_SECRET: required when DATABASE_URL is set",
    ],
    [
      { OIDC_ISSUER: "https://id.example" },
      "OIDC_*: set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_REDIRECT_URI together",
    ],
    [{ SECURE_COOKIES: "yes" }, "SECURE_COOKIES"],
    [{ TRUST_PROXY: "true" }, 'TRUST_PROXY: "true" would trust every hop'],
    [{ TRUST_PROXY: "10.0.0.0/33" }, 'TRUST_PROXY: "10.0.0.0/33" is not an IP address or CIDR block'],
    [{ TRUST_PROXY: "proxy.internal" }, "TRUST_PROXY"],
    [{ TRUST_PROXY: "-1" }, "TRUST_PROXY"],
  ])("refuses %j, naming the setting", (env, message) => {
    expect(() => configFromEnvironment(env, () => secret)).toThrow(ConfigError);
    expect(() => configFromEnvironment(env, () => secret)).toThrow(message);
  });

  it("takes a PostgreSQL server with its secret, and OIDC when complete", () => {
    const config = configFromEnvironment({
      DATABASE_URL: "postgres://u@h/db",
      SESSION_SECRET: secret,
      PSEUDONYMISATION_SECRET: secret,
      SEALING_SECRET: secret,
      OIDC_ISSUER: "https://id.example",
      OIDC_CLIENT_ID: "commissioner",
      OIDC_REDIRECT_URI: "https://app.example/sign-in/oidc/callback",
    });
    expect(config.databaseUrl).toBe("postgres://u@h/db");
    expect(config.oidc).toMatchObject({ issuer: "https://id.example", clientId: "commissioner" });
  });
});

describe("the address the app listens on", () => {
  it.each<[Record<string, string>, string]>([
    [{}, "127.0.0.1"],
    [{ DEMO_DATA: "true" }, "127.0.0.1"],
    [{ DEMO_DATA: "false" }, "0.0.0.0"],
    [{ HOST: "0.0.0.0" }, "0.0.0.0"],
    [{ DEMO_DATA: "false", HOST: "127.0.0.1" }, "127.0.0.1"],
    [{ HOST: "::" }, "::"],
  ])("with %o is %s: this computer only with demo data, unless HOST says", (env, host) => {
    expect(configFromEnvironment(env, () => secret).host).toBe(host);
  });

  it("refuses an empty HOST", () => {
    expect(() => configFromEnvironment({ HOST: " " }, () => secret)).toThrow(/HOST: must be an address/);
  });
});

describe("mail configuration", () => {
  const key = `commissioner-${"1".repeat(8)}-1111-4111-8111-${"1".repeat(12)}-${"2".repeat(8)}-2222-4222-8222-${"2".repeat(12)}`;
  const templates = {
    NOTIFY_TEMPLATE_DECISION_AWAITED: "3b6c5c4e-8a1d-4f0e-9a57-0f1e2d3c4b5a",
    NOTIFY_TEMPLATE_PASSWORD_RESET: "4b6c5c4e-8a1d-4f0e-9a57-0f1e2d3c4b5a",
    NOTIFY_TEMPLATE_ACCOUNT_CREATED: "5b6c5c4e-8a1d-4f0e-9a57-0f1e2d3c4b5a",
    ...Object.fromEntries(
      MESSAGE_TEMPLATE_KEYS.slice(3).map((key, i) => [
        notifyTemplateVariable(key),
        `${(i + 6).toString(16)}b6c5c4e-8a1d-4f0e-9a57-0f1e2d3c4b5a`,
      ]),
    ),
  };
  const site = { PUBLIC_URL: "https://commissioner.example.gov.uk/" };

  it("keeps messages in the outbox when no mail service is set", () => {
    const config = configFromEnvironment({}, () => secret);
    expect(config.mail).toEqual({ kind: "outbox" });
    expect(config.publicUrl).toBe("http://localhost:3000");
  });

  it("sends by SMTP with MAIL_URL and MAIL_FROM", () => {
    const config = configFromEnvironment(
      {
        ...site,
        MAIL_URL: "smtp://user:pass@mail.example:587",
        MAIL_FROM: "Commissioner <noreply@example.gov.uk>",
      },
      () => secret,
    );
    expect(config.mail).toEqual({
      kind: "smtp",
      url: "smtp://user:pass@mail.example:587",
      from: "Commissioner <noreply@example.gov.uk>",
    });
    expect(config.publicUrl).toBe("https://commissioner.example.gov.uk");
  });

  it("sends by GOV.UK Notify with the key and a template id for each message", () => {
    const config = configFromEnvironment({ ...site, NOTIFY_API_KEY: key, ...templates }, () => secret);
    expect(config.mail).toMatchObject({
      kind: "notify",
      apiKey: key,
      baseUrl: "https://api.notifications.service.gov.uk",
      templateIds: { "password-reset": templates.NOTIFY_TEMPLATE_PASSWORD_RESET },
    });
  });

  it.each([
    [{ MAIL_URL: "http://mail.example" }, "MAIL_URL: must be an SMTP server address"],
    [{ ...site, MAIL_URL: "smtp://mail.example" }, "MAIL_FROM: required when MAIL_URL is set"],
    [
      { MAIL_URL: "smtp://mail.example", MAIL_FROM: "a@b.example" },
      "PUBLIC_URL: required when messages are sent",
    ],
    [{ MAIL_FROM: "not an address" }, "MAIL_FROM: must be an email address"],
    [{ NOTIFY_API_KEY: "short" }, "NOTIFY_API_KEY: must be a GOV.UK Notify API key"],
    [{ ...site, NOTIFY_API_KEY: key }, "NOTIFY_TEMPLATE_PASSWORD_RESET: required when NOTIFY_API_KEY is set"],
    [
      { ...templates, NOTIFY_TEMPLATE_ACCOUNT_CREATED: "7" },
      "NOTIFY_TEMPLATE_ACCOUNT_CREATED: must be a GOV.UK Notify template id",
    ],
    [
      { ...site, ...templates, NOTIFY_API_KEY: key, MAIL_URL: "smtp://m.example", MAIL_FROM: "a@b.example" },
      "MAIL_URL, NOTIFY_API_KEY: set one of them, not both",
    ],
  ])("refuses %j, naming the setting", (env, message) => {
    expect(() => configFromEnvironment(env, () => secret)).toThrow(message);
  });

  it("says every mail problem at once, one line each", () => {
    let text = "";
    try {
      configFromEnvironment({ NOTIFY_API_KEY: key }, () => secret);
    } catch (error) {
      text = error instanceof Error ? error.message : "";
    }
    expect(text.split("\n").slice(1)).toEqual([
      "  PUBLIC_URL: required when messages are sent, for the links in them",
      ...MESSAGE_TEMPLATE_KEYS.map(
        (key) => `  ${notifyTemplateVariable(key)}: required when NOTIFY_API_KEY is set`,
      ),
    ]);
    expect(text).toContain("NOTIFY_TEMPLATE_SUBMISSION_RECEIPT: required");
  });
});

describe('TRUST_PROXY: which reverse proxies to believe (README, "Running in production")', () => {
  it.each([
    [undefined, false],
    ["false", false],
    ["0", false],
    ["1", 1],
    ["2", 2],
    ["10.0.0.0/8,127.0.0.1", ["10.0.0.0/8", "127.0.0.1"]],
    [" 10.1.2.3 , fd00::/8 ", ["10.1.2.3", "fd00::/8"]],
    ["loopback,uniquelocal", ["loopback", "uniquelocal"]],
  ])("reads %j as %j", (value, expected) => {
    const env = value === undefined ? {} : { TRUST_PROXY: value };
    expect(configFromEnvironment(env, () => secret).trustProxy).toEqual(expected);
  });
});
