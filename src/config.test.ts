import { describe, expect, it } from "vitest";
import { ConfigError, configFromEnvironment } from "./config.js";

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
      OIDC_ISSUER: "https://id.example",
      OIDC_CLIENT_ID: "commissioner",
      OIDC_REDIRECT_URI: "https://app.example/sign-in/oidc/callback",
    });
    expect(config.databaseUrl).toBe("postgres://u@h/db");
    expect(config.oidc).toMatchObject({ issuer: "https://id.example", clientId: "commissioner" });
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
