import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/domain/policy.js";
import { apiTokenFor, buildTestApp, createUser, type TestApp } from "../helpers.js";

let t: TestApp;
let adminToken: string;
let commissionerToken: string;

interface AuditItem {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  summary: Record<string, unknown>;
}
interface AuditPage {
  items: AuditItem[];
  nextCursor?: string;
}

const actor: Actor = { id: null, label: "audit api test", roles: ["administrator"], organisationId: null };
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function audit(query = "", token = adminToken) {
  return t.app.inject({ url: `/api/v1/audit${query}`, headers: auth(token) });
}

async function createOrganisation(name: string) {
  return t.services.organisations.create(actor, {
    name,
    kind: "partner",
    code: undefined,
    companyNumber: undefined,
    charityNumber: undefined,
  });
}

beforeAll(async () => {
  t = await buildTestApp();
  adminToken = await apiTokenFor(t.services, (await createUser(t.services, ["administrator"])).id);
  commissionerToken = await apiTokenFor(t.services, (await createUser(t.services, ["commissioner"])).id);
});
afterAll(async () => t.close());

describe("GET /api/v1/audit (the audit page's API twin)", () => {
  it("lists records newest first with who, what and when", async () => {
    const created = await createOrganisation("Audit API Partner");
    const response = await audit();
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json<AuditPage>();
    const seqs = page.items.map((i) => i.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(page.items[0]).toMatchObject({
      actor: "audit api test",
      action: "created",
      subjectType: "organisation",
      subjectId: created.id,
      summary: expect.objectContaining({ name: "Audit API Partner" }) as unknown,
    });
    expect(page.items[0]?.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  });

  it("filters by action and by subject id", async () => {
    const one = await createOrganisation("Audit API Filter One");
    await createOrganisation("Audit API Filter Two");
    const bySubject = (await audit(`?subjectId=${one.id}`)).json<AuditPage>();
    expect(bySubject.items.map((i) => i.subjectId)).toEqual([one.id]);
    const byAction = (await audit("?action=created")).json<AuditPage>();
    expect(byAction.items.length).toBeGreaterThanOrEqual(2);
    expect(byAction.items.every((i) => i.action === "created")).toBe(true);
    const both = (await audit(`?action=nothing-like-this&subjectId=${one.id}`)).json<AuditPage>();
    expect(both).toEqual({ items: [] });
  });

  it("pages with ?limit= and an opaque ?cursor=, without gaps or repeats", async () => {
    for (let i = 0; i < 5; i++) await createOrganisation(`Audit API Page ${String(i)}`);
    const all = (await audit("?limit=500")).json<AuditPage>().items.map((i) => i.seq);
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page: AuditPage = (await audit(`?limit=2${cursor ? `&cursor=${cursor}` : ""}`)).json<AuditPage>();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.seq));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it.each([
    ["?limit=0", "limit"],
    ["?limit=501", "limit"],
    ["?cursor=not-a-cursor", "cursor"],
  ])("refuses %s with 400 at %s", async (query, path) => {
    const response = await audit(query);
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toContain(path);
  });

  it("is for administrators only", async () => {
    expect((await audit("", commissionerToken)).statusCode).toBe(403);
    expect((await t.app.inject({ url: "/api/v1/audit" })).statusCode).toBe(401);
  });
});
