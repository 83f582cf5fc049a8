import fs from "node:fs";
import { sql } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/client.js";
import { ROLE_CODES, type Role } from "../../src/domain/roles.js";
import { ensureDemoData } from "../../src/modules/demo/demo.js";
import { buildApp } from "../../src/web/app.js";
import {
  apiTokenFor,
  createProjectThroughApi,
  createTestDatabase,
  createUser,
  multipart,
  postForm,
  signIn,
  signInAdministrator,
  TEST_PASSWORD,
  testConfig,
} from "../helpers.js";

/**
 * No GET changes anything (docs/security.md): every GET route the app registers, pages and API, is
 * requested as each role (a session for pages, a token for the API), by a visitor, and during a
 * pending two-factor sign-in; no table may change and no audit record be written. Routes are
 * collected as they are registered, so routes added later are covered without editing this file.
 */

/**
 * Columns a read may write, and why. Only the API token's last use, recorded at most once a minute
 * so the account page can show it. (Sliding session expiry writes at most once in a tenth of a
 * session's length, so never to the fresh sessions of this test: no session column is excluded.)
 */
const BOOKKEEPING_COLUMNS: Record<string, readonly string[]> = {
  api_tokens: ["last_used_at"],
};

/**
 * Reads that are recorded by design, and the only tables they may write (docs/security.md): a refused
 * read of sealed tender content is audited (docs/tendering.md, the seal), and a supplier's download of a
 * pack document is logged so the council can show who had which version (App C 5).
 */
const RECORDED_READS: { route: RegExp; tables: readonly string[] }[] = [
  { route: /^(\/api\/v1)?\/tenders\/:id\/submissions(\/|$)/, tables: ["audit_events"] },
  {
    route: /^(\/api\/v1)?\/tenders\/:id\/documents\/:documentId(\/file)?$/,
    tables: ["audit_events", "tender_downloads"],
  },
];

/** The tables a GET of this route changed that it may not. */
function unexpectedChanges(route: string, tables: string[]): string[] {
  const allowed = RECORDED_READS.find((r) => r.route.test(route))?.tables ?? [];
  return tables.filter((t) => !allowed.includes(t));
}

let app: FastifyInstance;
let database: Database;
let dataDir: string;
const getRoutes = new Set<string>();

interface Visitor {
  name: string;
  cookies: Record<string, string>;
  token: string | null;
}
const visitors: Visitor[] = [];
const params = new Map<string, string>();

type Row = Record<string, unknown>;
const rowsOf = (result: unknown): Row[] =>
  Array.isArray(result) ? (result as Row[]) : (result as { rows: Row[] }).rows;

async function query(text: string): Promise<Row[]> {
  return rowsOf(await database.db.execute(sql.raw(text)));
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Per table: its row count and an md5 of all its rows (bookkeeping columns left out). */
async function snapshot(): Promise<Map<string, string>> {
  const columns = await query(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
  );
  const byTable = new Map<string, string[]>();
  for (const c of columns) {
    const table = String(c.table_name);
    const column = String(c.column_name);
    if (BOOKKEEPING_COLUMNS[table]?.includes(column)) continue;
    byTable.set(table, [...(byTable.get(table) ?? []), column]);
  }
  const out = new Map<string, string>();
  for (const [table, cols] of byTable) {
    const row = `json_build_array(${cols.map(quoteIdent).join(", ")})::text`;
    const [result] = await query(
      `SELECT count(*)::int AS n, coalesce(md5(string_agg(r, '|' ORDER BY r)), '') AS h
       FROM (SELECT ${row} AS r FROM ${quoteIdent(table)}) s`,
    );
    out.set(table, `${String(result?.n)}:${String(result?.h)}`);
  }
  return out;
}

function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n) !== after.get(n)).sort();
}

/** A real value for each path parameter, found by the collection the parameter follows. */
async function firstValue(table: string, column: string): Promise<string | null> {
  const exists = await query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
     AND table_name = '${table.replace(/'/g, "''")}' AND column_name = '${column}'`,
  );
  if (exists.length === 0) return null;
  const [row] = await query(
    `SELECT ${quoteIdent(column)}::text AS v FROM ${quoteIdent(table)} ORDER BY 1 LIMIT 1`,
  );
  return row ? String(row.v) : null;
}

/**
 * The path with its parameters filled: known ones from the fixtures, any other `:x` after a
 * collection `/things/` from the table `things` (its `code`, else its `id`), so that routes other
 * modules add later are requested with real ids too.
 */
async function fill(route: string): Promise<string> {
  const segments = route.split("/");
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] ?? "";
    if (segment === "*") {
      out.push("none");
      continue;
    }
    if (!segment.startsWith(":")) {
      out.push(segment);
      continue;
    }
    const name = segment.slice(1);
    const collection = segments[i - 1] ?? "";
    const known = params.get(`${collection}/${name}`) ?? params.get(name);
    if (known) {
      out.push(known);
      continue;
    }
    const table = collection.replace(/-/g, "_");
    const value =
      (name === "code" ? await firstValue(table, "code") : null) ??
      (await firstValue(
        table,
        name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      )) ??
      (await firstValue(table, "id"));
    out.push(value ?? "00000000-0000-4000-8000-000000000000");
  }
  return out.join("/");
}

async function makeFixtures(commissionerToken: string) {
  const auth = { authorization: `Bearer ${commissionerToken}` };
  const project = await createProjectThroughApi(app, commissionerToken, { programmeCode: "SP" });
  const form = multipart([
    { name: "kind", value: "business-case" },
    { name: "title", value: "Business case" },
    {
      name: "file",
      filename: "case.pdf",
      contentType: "application/pdf",
      data: Buffer.from("%PDF-1.4\n%%EOF\n"),
    },
  ]);
  const document = await app.inject({
    method: "POST",
    url: `/api/v1/projects/${project.id}/documents`,
    headers: { ...auth, ...form.headers },
    payload: form.payload,
  });
  const risk = await app.inject({
    method: "POST",
    url: `/api/v1/projects/${project.id}/risks`,
    headers: auth,
    payload: {
      title: "Staff leave before transfer",
      likelihood: 3,
      impact: 4,
      owner: "Commissioning manager",
      mitigation: "Early engagement",
      reviewOn: "2030-06-30",
    },
  });
  const [task] = await query(
    `SELECT task_key FROM checklist_tasks WHERE project_id = '${project.id}' ORDER BY task_key LIMIT 1`,
  );
  const [programme] = await query(`SELECT code FROM programmes ORDER BY code LIMIT 1`);
  const [body] = await query(`SELECT code FROM governance_bodies ORDER BY code LIMIT 1`);
  const [organisation] = await query(`SELECT id FROM organisations ORDER BY name LIMIT 1`);
  const [user] = await query(`SELECT id FROM users ORDER BY email LIMIT 1`);
  const set = (key: string, value: unknown) => {
    if (typeof value === "string" && value) params.set(key, value);
  };
  set("projects/id", project.id);
  set("documents/documentId", document.json<{ id?: string }>().id);
  set("versions/version", "1");
  set("checklist/taskKey", task?.task_key);
  set("risks/riskId", risk.json<{ id?: string }>().id);
  set("risks/id", risk.json<{ id?: string }>().id);
  set("programmes/code", programme?.code);
  set("governance/code", body?.code);
  set("governance-bodies/code", body?.code);
  set("organisations/id", organisation?.id);
  set("users/id", user?.id);
}

beforeAll(async () => {
  const config = testConfig();
  dataDir = config.dataDir;
  database = await createTestDatabase();
  app = await buildApp(config, {
    database,
    logger: false,
    onRoute: (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (methods.includes("GET")) getRoutes.add(route.url);
    },
  });
  await app.ready();
  await ensureDemoData(app.services, config);

  visitors.push({ name: "visitor", cookies: {}, token: null });
  for (const role of ROLE_CODES) {
    const user = await createUser(app.services, [role satisfies Role]);
    const cookies =
      role === "administrator" ? await signInAdministrator(app, user.email) : await signIn(app, user.email);
    visitors.push({ name: role, cookies, token: await apiTokenFor(app.services, user.id) });
  }
  // Password given, second factor still owed: the two-factor pages must only show, too.
  const pendingAdmin = await createUser(app.services, ["administrator"]);
  const pending = await postForm(
    app,
    "/sign-in",
    "/sign-in",
    {},
    {
      email: pendingAdmin.email,
      password: TEST_PASSWORD,
    },
  );
  visitors.push({ name: "pending sign-in", cookies: pending.cookies, token: null });
  const commissioner = visitors.find((v) => v.name === "commissioner");
  await makeFixtures(commissioner?.token ?? "");
}, 120_000);

afterAll(async () => {
  await app.close();
  await database.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("every GET route", () => {
  it("is found as it is registered, pages and API alike", () => {
    const routes = [...getRoutes];
    expect(routes).toContain("/account/two-factor");
    expect(routes.some((r) => r.startsWith("/api/v1/"))).toBe(true);
    expect(routes.length).toBeGreaterThan(50);
  });

  it("changes no table and writes no audit record, for every role", async () => {
    const changes: string[] = [];
    let requests = 0;
    const routes = [...getRoutes].sort();
    for (const route of routes) {
      const url = await fill(route);
      const before = await snapshot();
      for (const visitor of visitors) {
        const headers: Record<string, string> =
          route.startsWith("/api/") && visitor.token ? { authorization: `Bearer ${visitor.token}` } : {};
        await app.inject({ method: "GET", url, cookies: visitor.cookies, headers });
        requests++;
      }
      const tables = unexpectedChanges(route, changedTables(before, await snapshot()));
      if (tables.length > 0) changes.push(`GET ${route} changed ${tables.join(", ")}`);
    }
    expect(changes).toEqual([]);
    expect(requests).toBe(routes.length * visitors.length);
  }, 600_000);
});
