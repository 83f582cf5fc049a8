import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Database } from "../../src/db/client.js";
import type { LoggedError } from "../../src/db/errors.js";
import { users } from "../../src/db/schema/index.js";
import { buildApp, loggerOptions } from "../../src/web/app.js";
import { SIGN_IN_LIMITS } from "../../src/modules/accounts/sign-in/throttle.js";
import { asFixture, createTestDatabase, formToken, html, testConfig } from "../helpers.js";

const METRICS_TOKEN = "m".repeat(40);

/** A detail that must never reach a browser: it stands for SQL, paths and secrets inside an error. */
const INTERNAL_DETAIL = "relation secret_table_xyz does not exist (password=hunter2)";

interface OpsApp {
  app: FastifyInstance;
  database: Database;
  config: Config;
  close(): Promise<void>;
}

/**
 * The real app with a few test-only routes added before it is ready (buildTestApp is ready already,
 * and Fastify takes no routes after that).
 */
async function buildOpsApp(
  addRoutes: (app: FastifyInstance) => void,
  env: Record<string, string> = {},
): Promise<OpsApp> {
  const config = testConfig(env);
  const database = await createTestDatabase();
  const app = await buildApp(config, { database, logger: false });
  addRoutes(app);
  await app.ready();
  let closed = false;
  return {
    app,
    database,
    config,
    close: async () => {
      if (!closed) await app.close();
      closed = true;
      await database.close();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

function throwingRoutes(app: FastifyInstance) {
  const boom = async () => {
    throw new Error(INTERNAL_DETAIL);
  };
  app.get("/test/boom", { schema: { hide: true } }, boom);
  app.get("/api/v1/test/boom", { schema: { hide: true } }, boom);
}

/** What a page or problem must not show: the error's message, a stack frame or a source path. */
function expectNothingLeaked(body: string) {
  expect(body).not.toContain("secret_table_xyz");
  expect(body).not.toContain("hunter2");
  expect(body).not.toMatch(/\bat [\w.<>]+ \(/);
  expect(body).not.toMatch(/\.(ts|js):\d+/);
  expect(body).not.toContain(process.cwd());
  expect(body).not.toContain("node_modules");
}

describe("operations endpoints and error pages", () => {
  let ops: OpsApp;
  beforeAll(async () => {
    ops = await buildOpsApp(throwingRoutes, { METRICS_TOKEN });
  });
  afterAll(async () => ops.close());

  it("answers /healthz", async () => {
    const response = await ops.app.inject({ url: "/healthz" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ok" });
  });

  it("answers /readyz with 200 on a migrated database", async () => {
    const response = await ops.app.inject({ url: "/readyz" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ready" });
  });

  it("serves Prometheus metrics including request durations after a request", async () => {
    await ops.app.inject({ url: "/healthz" });
    const response = await ops.app.inject({
      url: "/metrics",
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.body).toContain("# TYPE http_request_duration_seconds histogram");
    expect(response.body).toMatch(
      /^http_request_duration_seconds_count\{[^}]*route="\/healthz"[^}]*\} [1-9]\d*$/m,
    );
    expect(response.body).toContain("process_cpu_seconds_total");
  });

  it.each([
    ["no token", undefined],
    ["a wrong token", `Bearer ${"n".repeat(40)}`],
    ["a prefix of the token", `Bearer ${METRICS_TOKEN.slice(0, 20)}`],
    ["the token without Bearer", METRICS_TOKEN],
  ])("refuses /metrics with %s", async (_what, authorization) => {
    const response = await ops.app.inject({
      url: "/metrics",
      headers: authorization ? { authorization } : {},
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toBe('Bearer realm="metrics"');
    expect(response.body).not.toContain("http_request_duration_seconds");
  });

  it("sends security headers, with a fresh CSP nonce that matches every script tag on the page", async () => {
    const response = await ops.app.inject({ url: "/sign-in" });
    expect(response.statusCode).toBe(200);
    const csp = String(response.headers["content-security-policy"]);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    const nonce = /script-src [^;]*'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["referrer-policy"]).toBe("same-origin");
    expect(response.headers["x-powered-by"]).toBeUndefined();

    const $ = html(response.body);
    const scripts = $("script");
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    scripts.each((_i, el) => {
      expect($(el).attr("nonce")).toBe(nonce);
    });

    const again = await ops.app.inject({ url: "/sign-in" });
    expect(String(again.headers["content-security-policy"])).not.toContain(`'nonce-${nonce ?? ""}'`);
  });

  it("answers an unknown page with the GOV.UK 404 page and nothing from inside", async () => {
    const response = await ops.app.inject({ url: "/no-such-page?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E" });
    expect(response.statusCode).toBe(404);
    expect(response.headers["content-type"]).toMatch(/^text\/html/);
    const $ = html(response.body);
    expect($("h1").text()).toContain("Page not found");
    expect(response.body).not.toContain("<script>alert(1)");
    expectNothingLeaked(response.body);
  });

  it("answers an unknown API resource with a problem document", async () => {
    const response = await ops.app.inject({ url: "/api/v1/no-such-thing" });
    expect(response.statusCode).toBe(404);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 404, title: "Not found" });
  });

  it("answers a failing page with the GOV.UK 500 page: a reference, no message, no stack trace", async () => {
    const response = await ops.app.inject({ url: "/test/boom" });
    expect(response.statusCode).toBe(500);
    expect(response.headers["content-type"]).toMatch(/^text\/html/);
    const $ = html(response.body);
    expect($("h1").text()).toContain("Sorry, there is a problem with the service");
    expect($("main").text()).toMatch(/quote reference [0-9a-f]{8}/);
    expectNothingLeaked(response.body);
    // The error page is a page like any other: it carries the security headers too.
    expect(response.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  });

  it("answers a failing API call with a problem document carrying a reference and nothing more", async () => {
    const response = await ops.app.inject({ url: "/api/v1/test/boom" });
    expect(response.statusCode).toBe(500);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    const problem = response.json<Record<string, unknown>>();
    expect(problem).toMatchObject({ status: 500, title: "Internal error" });
    expect(typeof problem.type).toBe("string");
    expect(String(problem.detail)).toMatch(/^Something went wrong\. Reference [0-9a-f]{8}\.$/);
    expect(Object.keys(problem).sort()).toEqual(["detail", "status", "title", "type"]);
    expectNothingLeaked(response.body);
  });
});

describe("metrics without METRICS_TOKEN", () => {
  it("are not served at all", async () => {
    const ops = await buildOpsApp(() => undefined);
    try {
      await ops.app.inject({ url: "/healthz" });
      for (const headers of [
        {},
        { authorization: "Bearer " },
        { authorization: `Bearer ${METRICS_TOKEN}` },
      ]) {
        const response = await ops.app.inject({ url: "/metrics", headers });
        expect(response.statusCode).toBe(404);
        expect(response.body).not.toContain("http_request_duration_seconds");
      }
    } finally {
      await ops.close();
    }
  });
});

describe("readiness", () => {
  it("answers /readyz with 503 while a migration is missing", async () => {
    const ops = await buildOpsApp(() => undefined);
    try {
      await ops.database.db.execute(
        sql`DELETE FROM drizzle.__drizzle_migrations WHERE id = (SELECT max(id) FROM drizzle.__drizzle_migrations)`,
      );
      const response = await ops.app.inject({ url: "/readyz" });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ status: "not ready" });
      // Liveness does not depend on the database.
      expect((await ops.app.inject({ url: "/healthz" })).statusCode).toBe(200);
    } finally {
      await ops.close();
    }
  });
});

describe("graceful shutdown", () => {
  /** An app with a route that takes 300 ms, listening on a real port. */
  async function slowApp() {
    let signal: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      signal = resolve;
    });
    const ops = await buildOpsApp((app) => {
      app.get("/test/slow", { schema: { hide: true } }, async () => {
        signal();
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { finished: true };
      });
    });
    await ops.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = ops.app.server.address() as AddressInfo;
    return { ops, started, port };
  }

  /** One request on a connection of its own (no keep-alive), as a load balancer's probe makes it. */
  function getOnce(port: number, path: string) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.get({ host: "127.0.0.1", port, path, agent: false }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => {
          resolve({ status: response.statusCode ?? 0, body });
        });
        response.on("error", reject);
      });
      request.on("error", reject);
    });
  }

  it("finishes a request in flight when the app closes, then takes no more", async () => {
    const { ops, started, port } = await slowApp();
    try {
      const inFlight = getOnce(port, "/test/slow");
      await started;
      const closing = ops.app.close();

      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ finished: true });
      await closing;
      expect(ops.app.server.listening).toBe(false);
      await expect(getOnce(port, "/healthz")).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await ops.close();
    }
  });

  // Known bug, outside this file: a response finished after close() began still says keep-alive, so
  // the server waits for the browser's idle connection to time out (Fastify's default is 72 s) before
  // it closes. The fix is two hooks in src/web/app.ts (preClose sets a flag; onSend adds
  // "Connection: close" while closing). Remove `.fails` once that is in.
  it("closes a browser's kept-alive connection as soon as its in-flight response is sent", async () => {
    const { ops, started, port } = await slowApp();
    try {
      // fetch keeps its connection alive, as a browser does.
      const inFlight = fetch(`http://127.0.0.1:${port}/test/slow`);
      await started;
      const closing = ops.app.close().then(() => "closed" as const);

      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ finished: true });
      const outcome = await Promise.race([
        closing,
        new Promise((resolve) => setTimeout(resolve, 2_000, "still open")),
      ]);
      expect(outcome).toBe("closed");
    } finally {
      ops.app.server.closeAllConnections();
      await ops.close();
    }
  });
});

describe("client addresses behind a reverse proxy (TRUST_PROXY)", () => {
  const PROXY = "10.0.0.7";

  /** A sign-in with a wrong password for an unknown email, arriving from `from` with the header given. */
  async function wrongSignIn(ops: OpsApp, from: string, forwardedFor: string, attempt: number) {
    const { csrf, cookies } = await formToken(ops.app, "/sign-in");
    return ops.app.inject({
      method: "POST",
      url: "/sign-in",
      remoteAddress: from,
      headers: { "x-forwarded-for": forwardedFor },
      cookies,
      payload: { _csrf: csrf, email: `nobody-${attempt}@test.example`, password: "wrong", next: "/" },
    });
  }

  it.each(["1", "10.0.0.0/8,127.0.0.1"])(
    "with TRUST_PROXY=%s, throttles a client by the address the proxy saw, whatever left-most X-Forwarded-For it sends",
    async (trustProxy) => {
      const ops = await buildOpsApp(() => undefined, { TRUST_PROXY: trustProxy });
      try {
        const client = "203.0.113.7";
        for (let i = 0; i < SIGN_IN_LIMITS.failuresPerSourcePerWindow; i++) {
          // A fresh made-up address each time: with every hop trusted, each was a new client.
          const response = await wrongSignIn(ops, PROXY, `198.51.100.${i + 1}, ${client}`, i);
          expect(response.statusCode).toBe(303);
        }
        const throttled = await wrongSignIn(ops, PROXY, `192.0.2.200, ${client}`, 999);
        expect(throttled.statusCode).toBe(429);

        // Another client behind the same proxy is not held back by the first one's failures.
        const other = await wrongSignIn(ops, PROXY, "203.0.113.8", 1000);
        expect(other.statusCode).toBe(303);
      } finally {
        await ops.close();
      }
    },
  );

  it("believes X-Forwarded-For only from the listed proxies: a client that connects directly is its own address", async () => {
    const ops = await buildOpsApp(() => undefined, { TRUST_PROXY: "10.0.0.0/8" });
    try {
      const direct = "198.51.100.99";
      for (let i = 0; i < SIGN_IN_LIMITS.failuresPerSourcePerWindow; i++)
        await wrongSignIn(ops, direct, `192.0.2.${i + 1}`, i);
      const throttled = await wrongSignIn(ops, direct, "192.0.2.250", 999);
      expect(throttled.statusCode).toBe(429);
    } finally {
      await ops.close();
    }
  });
});

describe("logs of failed queries", () => {
  const EMAIL = "alice.person@example.org";
  const NAME = "Alice Quentin Person";

  it("name the error's class, code, constraint and the statement's shape, never its parameters", async () => {
    const config = testConfig({ LOG_LEVEL: "info" });
    const database = await createTestDatabase();
    const lines: string[] = [];
    const stream = { write: (line: string) => lines.push(line) };
    const app = await buildApp(config, { database, logger: { ...loggerOptions(config), stream } });
    const db = database.db;
    app.get("/test/duplicate-user", { schema: { hide: true } }, async () => {
      // The second insert breaks users_email_unique; the driver's detail repeats the email.
      for (let i = 0; i < 2; i++)
        await asFixture(db, (tx) => tx.insert(users).values({ email: EMAIL, name: NAME }));
      return {};
    });
    app.get("/api/v1/test/bad-cast", { schema: { hide: true } }, async () => {
      // PostgreSQL quotes the value it could not read: "invalid input syntax for type uuid: ...".
      await db.execute(sql`SELECT * FROM users WHERE id = ${NAME}::uuid AND email = ${EMAIL}`);
      return {};
    });
    await app.ready();
    try {
      expect((await app.inject({ url: "/test/duplicate-user" })).statusCode).toBe(500);
      expect((await app.inject({ url: "/api/v1/test/bad-cast" })).statusCode).toBe(500);
      const log = lines.join("");
      const failures = lines
        .map((line) => JSON.parse(line) as { msg?: string; err?: LoggedError })
        .filter((entry) => entry.msg === "request failed");
      expect(failures).toHaveLength(2);

      expect(log).not.toContain(EMAIL);
      expect(log).not.toContain("alice.person");
      expect(log).not.toContain(NAME);
      expect(log).not.toContain("Quentin");
      expect(log).not.toMatch(/params/i);

      const [duplicate, badCast] = failures.map((f) => f.err);
      expect(duplicate?.type).toBe("DrizzleQueryError");
      expect(duplicate?.statement).toMatch(/^insert into "users" \(.*\) values \(default, \$1, \$2/);
      expect(duplicate?.cause).toMatchObject({
        code: "23505",
        constraint: "users_email_unique",
        table: "users",
      });
      expect(badCast?.type).toBe("DrizzleQueryError");
      expect(badCast?.statement).toBe("SELECT * FROM users WHERE id = $1::uuid AND email = $2");
      expect(badCast?.cause?.code).toBe("22P02");
      expect(badCast?.cause?.message).toBe('invalid input syntax for type uuid: "…"');
      expect(String(duplicate?.stack)).toMatch(/^\s+at /);
    } finally {
      await app.close();
      await database.close();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    }
  });
});
