import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import * as cheerio from "cheerio";
import { eq } from "drizzle-orm";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import pg from "pg";
import { authenticator } from "otplib";
import { inject } from "vitest";
import { configFromEnvironment, type Config } from "../src/config.js";
import { openDatabase, type Database } from "../src/db/client.js";
import { governanceBodies, governanceMembers, projects } from "../src/db/schema/index.js";
import type { Clock } from "../src/domain/clock.js";
import { SYSTEM_ACTOR } from "../src/domain/policy.js";
import type { Role } from "../src/domain/roles.js";
import { markUnaudited } from "../src/modules/audit/service.js";
import { instantiateChecklist } from "../src/modules/checklist/service.js";
import { loadReferenceData } from "../src/modules/programmes/service.js";
import type { Services } from "../src/services.js";
import { buildApp } from "../src/web/app.js";
import { withDatabase } from "./global-setup.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgTemplate: string;
    pgliteTemplate: string;
  }
}

/**
 * Drops a test database once its connections are gone: pool.end() resolves before the server has let
 * go of every connection, and a forced drop would kill one still closing (an unhandled error).
 */
export async function dropDatabase(url: string, name: string): Promise<void> {
  const dropper = new pg.Client({ connectionString: url });
  await dropper.connect();
  try {
    for (let i = 0; i < 100; i++) {
      const { rows } = await dropper.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
        [name],
      );
      if (!rows[0]?.n) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await dropper.end();
  }
}

type FixtureTx = Parameters<Parameters<Database["db"]["transaction"]>[0]>[0];

/**
 * Writes a test's fixture straight to the database, saying why it carries no audit record: the
 * database refuses a change of the record without one (docs/adr/0007-every-change-audited-by-the-database.md).
 */
export async function asFixture<T>(db: Database["db"], write: (tx: FixtureTx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await markUnaudited(tx, "test fixture");
    return write(tx);
  });
}

/** A fresh, migrated database of its own for one test file: PGlite by default, PostgreSQL with TEST_DATABASE_URL. */
export async function createTestDatabase(): Promise<Database> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const name = `commissioner_t_${process.pid}_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject("pgTemplate")}`);
    await admin.end();
    const database = await openDatabase({
      databaseUrl: withDatabase(url, name),
      dataDir: os.tmpdir(),
      poolSize: 4,
    });
    await loadReferenceData(database.db);
    const close = () => database.close();
    return {
      ...database,
      close: async () => {
        await close();
        await dropDatabase(url, name);
      },
    };
  }
  const tarball = fs.readFileSync(inject("pgliteTemplate"));
  const engine = await PGlite.create({ loadDataDir: new Blob([tarball]) });
  const database = await openDatabase({ dataDir: os.tmpdir(), pglite: engine });
  await loadReferenceData(database.db);
  return database;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "commissioner-test-"));
  return configFromEnvironment({
    DATA_DIR: dataDir,
    SESSION_SECRET: randomBytes(32).toString("hex"),
    PSEUDONYMISATION_SECRET: randomBytes(32).toString("hex"),
    SEALING_SECRET: randomBytes(32).toString("hex"),
    LOG_LEVEL: "silent",
    JOBS_ENABLED: "false",
    ...overrides,
  });
}

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  database: Database;
  config: Config;
  close(): Promise<void>;
}

/**
 * The real app on a real database of its own; close it in afterAll. `clock` fixes the day the app
 * thinks it is (domain/clock.ts: `fixedClock("2025-06-02")`); the system's clock otherwise.
 */
export async function buildTestApp(
  overrides: Record<string, string> = {},
  options: { clock?: Clock } = {},
): Promise<TestApp> {
  const config = testConfig(overrides);
  const database = await createTestDatabase();
  const app = await buildApp(config, { database, logger: false, ...options });
  await app.ready();
  return {
    app,
    services: app.services,
    database,
    config,
    close: async () => {
      await app.close();
      await database.close();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

export const TEST_PASSWORD = "correct horse battery staple";
let counter = 0;

/** A user with the given roles (and an organisation when the role needs one). */
export async function createUser(
  services: Services,
  roles: Role[],
  extra: { email?: string; organisationCode?: string } = {},
) {
  counter++;
  let organisationCode = extra.organisationCode;
  if (!organisationCode && (roles.includes("provider-user") || roles.includes("supplier-user"))) {
    const kind = roles.includes("provider-user") ? "provider" : "supplier";
    const code = `T${process.pid % 1000}${counter}${randomBytes(2).toString("hex")}`.toUpperCase();
    await services.organisations.create(SYSTEM_ACTOR, {
      name: `Test ${kind} ${code}`,
      kind,
      code,
      companyNumber: undefined,
      charityNumber: undefined,
    });
    organisationCode = code;
  }
  const { user } = await services.users.create(SYSTEM_ACTOR, {
    email: extra.email ?? `user${counter}-${randomBytes(3).toString("hex")}@test.example`,
    name: `Test User ${counter}`,
    roles,
    organisationCode,
    password: TEST_PASSWORD,
  });
  return user;
}

/** Cookies from a response, to send back on the next request. */
export function cookiesFrom(
  response: LightMyRequestResponse,
  previous: Record<string, string> = {},
): Record<string, string> {
  const jar = { ...previous };
  for (const c of response.cookies) jar[c.name] = c.value;
  return jar;
}

/** GETs a page and returns its CSRF token and cookies, as a browser would have them. */
export async function formToken(app: FastifyInstance, url: string, cookies: Record<string, string> = {}) {
  const response = await app.inject({ method: "GET", url, cookies });
  const $ = cheerio.load(response.body);
  return { csrf: $('input[name="_csrf"]').first().val() as string, cookies: cookiesFrom(response, cookies) };
}

/** Signs in through the real sign-in form; returns the cookies of the signed-in browser. */
export async function signIn(app: FastifyInstance, email: string, password = TEST_PASSWORD) {
  const { csrf, cookies } = await formToken(app, "/sign-in");
  const response = await app.inject({
    method: "POST",
    url: "/sign-in",
    cookies,
    payload: { _csrf: csrf, email, password, next: "/" },
  });
  if (response.statusCode !== 303 || response.headers.location === "/sign-in") {
    throw new Error(`sign-in refused (${response.statusCode} to ${String(response.headers.location)})`);
  }
  return cookiesFrom(response, cookies);
}

/** POSTs a form the way a browser does, with the CSRF token of the page it came from. */
export async function postForm(
  app: FastifyInstance,
  pageUrl: string,
  actionUrl: string,
  cookies: Record<string, string>,
  fields: Record<string, string | string[]>,
) {
  const { csrf, cookies: jar } = await formToken(app, pageUrl, cookies);
  const body = new URLSearchParams();
  body.append("_csrf", csrf);
  for (const [k, v] of Object.entries(fields))
    for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
  const response = await app.inject({
    method: "POST",
    url: actionUrl,
    cookies: jar,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: body.toString(),
  });
  return { response, cookies: cookiesFrom(response, jar) };
}

/** An API token for a user, made through the service (the API tests make their own through the API too). */
export async function apiTokenFor(services: Services, userId: string): Promise<string> {
  const created = await services.accounts.createApiToken(SYSTEM_ACTOR, userId, "test");
  return created.token;
}

export function html(body: string) {
  return cheerio.load(body);
}

/** Administrators set up two-factor at their first sign-in: go through it as a browser would. */
export async function signInAdministrator(app: FastifyInstance, email: string, password = TEST_PASSWORD) {
  const first = await postForm(app, "/sign-in", "/sign-in", {}, { email, password, next: "/" });
  const setup = await app.inject({ url: "/sign-in/two-factor", cookies: first.cookies });
  const secret = html(setup.body)("#secret-key").text().trim();
  const done = await postForm(app, "/sign-in/two-factor", "/sign-in/two-factor", first.cookies, {
    securityCode: authenticator.generate(secret),
    next: "/",
  });
  if (done.response.headers.location !== "/") throw new Error("two-factor sign-in refused");
  return cookiesFrom(done.response, first.cookies);
}

export type MultipartPart =
  { name: string; value: string } | { name: string; filename: string; contentType: string; data: Buffer };

/** A multipart/form-data body, in the order given (our upload forms read their fields before the file). */
export function multipart(parts: MultipartPart[]) {
  const boundary = `----commissioner${randomBytes(8).toString("hex")}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    if ("filename" in part) {
      chunks.push(
        Buffer.from(
          `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.contentType}\r\n\r\n`,
        ),
        part.data,
        Buffer.from("\r\n"),
      );
    } else {
      chunks.push(
        Buffer.from(`Content-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  };
}

/** Form fields, then one file in the field "file". */
export function multipartForm(
  fields: Record<string, string>,
  file: { filename: string; contentType: string; data: Buffer | string },
) {
  return multipart([
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    { name: "file", filename: file.filename, contentType: file.contentType, data: Buffer.from(file.data) },
  ]);
}

/**
 * A project made through `POST /api/v1/projects` with the bearer token: a random title, KDAAT and
 * £750,000 unless the body says otherwise. Throws with the response when it is not 201.
 */
export async function createProjectThroughApi<T = { id: string; title: string }>(
  app: FastifyInstance,
  token: string,
  body: Record<string, unknown> = {},
): Promise<T> {
  const response = await app.inject({
    method: "POST",
    url: "/api/v1/projects",
    headers: { authorization: `Bearer ${token}` },
    payload: {
      title: `Project ${randomBytes(3).toString("hex")}`,
      programmeCode: "KDAAT",
      estimatedValuePence: 75_000_000,
      ...body,
    },
  });
  if (response.statusCode !== 201) {
    throw new Error(`the project was not created (${String(response.statusCode)}): ${response.body}`);
  }
  return response.json<T>();
}

/**
 * A project written straight to the database with its checklist, for tests of one capability that do
 * not need the project's own use case (nor its audit record).
 */
export async function insertProject(
  db: Database["db"],
  values: { title: string; programmeCode: string; estimatedValuePence: number },
): Promise<string> {
  return db.transaction(async (tx) => {
    await markUnaudited(tx, "test fixture");
    const [row] = await tx
      .insert(projects)
      .values({ ...values, regime: "PCR2015", startedOn: "2025-04-01" })
      .returning({ id: projects.id });
    if (!row) throw new Error("project not stored");
    await instantiateChecklist(tx, { projectId: row.id, estimatedValuePence: values.estimatedValuePence });
    return row.id;
  });
}

/**
 * Puts a user in a governance body (framework §2) directly, as the demo loader's data would be: from a
 * date well before the meetings tests record, so the membership covers them (decision-authority.ts).
 */
export async function addMembership(
  database: Database,
  bodyCode: string,
  userId: string,
  role: "chair" | "member" | "officer",
  period: { from?: string; to?: string | null } = {},
) {
  const [body] = await database.db
    .select({ id: governanceBodies.id })
    .from(governanceBodies)
    .where(eq(governanceBodies.code, bodyCode));
  if (!body) throw new Error(`no governance body ${bodyCode}`);
  await asFixture(database.db, (tx) =>
    tx
      .insert(governanceMembers)
      .values({ bodyId: body.id, userId, role, from: period.from ?? "2020-01-01", to: period.to ?? null }),
  );
}
