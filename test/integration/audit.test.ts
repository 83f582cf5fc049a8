import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR, type Actor } from "../../src/domain/policy.js";
import { listAudit, verifyAuditChain } from "../../src/modules/audit/service.js";
import { ConflictError } from "../../src/errors.js";
import { buildTestApp, createUser, html, signIn, signInAdministrator, type TestApp } from "../helpers.js";

let t: TestApp;
let admin: Record<string, string>;

const actor: Actor = { id: null, label: "audit test", roles: ["administrator"], organisationId: null };
const organisation = (name: string) => ({
  name,
  kind: "partner" as const,
  code: undefined,
  companyNumber: undefined,
  charityNumber: undefined,
});

/** The database's own words for a refused statement (drizzle wraps them as the error's cause). */
async function refusal(statement: ReturnType<typeof sql>): Promise<string> {
  try {
    await t.database.rows(statement);
  } catch (error) {
    const messages: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) messages.push(e.message);
    return messages.join(" / ");
  }
  throw new Error("the statement was not refused");
}

async function auditCount(): Promise<number> {
  const [row] = await t.database.rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_events`);
  return row?.n ?? 0;
}

beforeAll(async () => {
  t = await buildTestApp();
  admin = await signInAdministrator(t.app, (await createUser(t.services, ["administrator"])).email);
});
afterAll(async () => t.close());

describe("audit records are written with the change", () => {
  it("records an organisation's creation, with who did it and what was created", async () => {
    const created = await t.services.organisations.create(actor, organisation("Kent Partner Trust"));
    const { items } = await listAudit(t.database.db, { entityType: "organisation", entityId: created.id });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      actorLabel: "audit test",
      entityType: "organisation",
      entityId: created.id,
      action: "created",
      summary: { name: "Kent Partner Trust", kind: "partner" },
    });
  });

  it("records nothing when the change is refused", async () => {
    const before = await auditCount();
    await expect(
      t.services.organisations.create(actor, organisation("kent partner trust")),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await auditCount()).toBe(before);
  });
});

describe("the audit trail is append-only", () => {
  it.each([
    ["UPDATE", sql`UPDATE audit_events SET action = 'x'`],
    ["DELETE", sql`DELETE FROM audit_events`],
    ["TRUNCATE", sql`TRUNCATE audit_events`],
  ])("the database refuses %s", async (_name, statement) => {
    const before = await auditCount();
    expect(before).toBeGreaterThan(0);
    expect(await refusal(statement)).toMatch(/append-only/);
    expect(await auditCount()).toBe(before);
  });
});

describe("the audit log page", () => {
  it("is for administrators only", async () => {
    const commissioner = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, commissioner.email);
    expect((await t.app.inject({ url: "/audit", cookies })).statusCode).toBe(403);
    expect((await t.app.inject({ url: "/audit/verify", cookies })).statusCode).toBe(403);
    const visitor = await t.app.inject({ url: "/audit" });
    expect(visitor.statusCode).toBe(303);
  });

  it("shows records newest first with time, actor, entity, action and a readable summary", async () => {
    const created = await t.services.organisations.create(actor, {
      ...organisation("Newest Partner"),
      companyNumber: "01234567",
    });
    const response = await t.app.inject({ url: "/audit", cookies: admin });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    const rows = $("tbody tr");
    expect(rows.length).toBeGreaterThan(1);
    const seqs = rows.map((_i, r) => Number($(r).attr("data-seq"))).get();
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const cells = rows
      .first()
      .find("td")
      .map((_i, td) => $(td).text().replace(/\s+/g, " ").trim())
      .get();
    expect(cells[0]).toMatch(/^\d{1,2} [A-Z][a-z]+ \d{4}\D+\d{1,2}:\d{2}\s?[ap]m$/);
    expect(cells.slice(1, 5)).toEqual(["audit test", "organisation", created.id, "created"]);
    expect(cells[5]).toContain("Name: Newest Partner");
    expect(cells[5]).toContain("Company number: 01234567");
    expect(rows.first().find("time").attr("datetime")).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
  });

  it("filters by entity type and action, offering the kinds there are", async () => {
    const response = await t.app.inject({
      url: "/audit?entityType=organisation&action=created",
      cookies: admin,
    });
    const $ = html(response.body);
    const types = $("#entityType option")
      .map((_i, o) => $(o).attr("value"))
      .get();
    expect(types).toEqual(expect.arrayContaining(["", "organisation", "user"]));
    expect($("#entityType option:selected").attr("value")).toBe("organisation");
    expect($("#action option:selected").attr("value")).toBe("created");
    const entityTypes = $("tbody tr td:nth-child(3)")
      .map((_i, td) => $(td).text().trim())
      .get();
    expect(entityTypes.length).toBeGreaterThan(0);
    expect(new Set(entityTypes)).toEqual(new Set(["organisation"]));

    const users = html((await t.app.inject({ url: "/audit?entityType=user", cookies: admin })).body);
    const userTypes = users("tbody tr td:nth-child(3)")
      .map((_i, td) => users(td).text().trim())
      .get();
    expect(userTypes.length).toBeGreaterThan(0);
    expect(new Set(userTypes)).toEqual(new Set(["user"]));
  });

  it("filters by actor and entity id, and says when nothing matches", async () => {
    const created = await t.services.organisations.create(
      { ...SYSTEM_ACTOR, label: "Filter Person" },
      organisation("Filtered Partner"),
    );
    const byActor = html((await t.app.inject({ url: "/audit?actor=filter+person", cookies: admin })).body);
    expect(byActor("tbody tr")).toHaveLength(1);
    const byId = html((await t.app.inject({ url: `/audit?entityId=${created.id}`, cookies: admin })).body);
    expect(byId("tbody tr")).toHaveLength(1);
    expect(byId("#entityId").val()).toBe(created.id);
    const none = html((await t.app.inject({ url: "/audit?actor=nobody-at-all", cookies: admin })).body);
    expect(none("tbody tr")).toHaveLength(0);
    expect(none("main").text()).toContain("No audit records match");
  });

  it("pages to older records, keeping the filter", async () => {
    for (let i = 0; i < 51; i++)
      await t.services.organisations.create(actor, organisation(`Paging Partner ${i}`));
    const first = html((await t.app.inject({ url: "/audit?entityType=organisation", cookies: admin })).body);
    expect(first("tbody tr")).toHaveLength(50);
    const older = first(".govuk-pagination__next a");
    expect(older.text()).toContain("Older records");
    const href = older.attr("href") ?? "";
    expect(href).toMatch(/^\/audit\?entityType=organisation&before=\d+$/);
    const second = html((await t.app.inject({ url: href, cookies: admin })).body);
    const lastSeqOnFirst = Number(first("tbody tr").last().attr("data-seq"));
    const seqs = second("tbody tr")
      .map((_i, r) => Number(second(r).attr("data-seq")))
      .get();
    expect(seqs.length).toBeGreaterThan(0);
    for (const seq of seqs) expect(seq).toBeLessThan(lastSeqOnFirst);
    expect(second(".govuk-pagination__prev a").attr("href")).toBe("/audit?entityType=organisation");
  });

  it("escapes what a summary holds, never running it as HTML", async () => {
    await t.services.organisations.create(actor, organisation('<script>alert("x")</script> Ltd'));
    const response = await t.app.inject({ url: "/audit?entityType=organisation", cookies: admin });
    expect(response.body).not.toContain('<script>alert("x")</script>');
    expect(response.body).toContain("&lt;script&gt;");
    expect(html(response.body)("tbody tr").first().text()).toContain('<script>alert("x")</script> Ltd');
  });

  it("checks the chain only when asked, on its own page", async () => {
    const list = html((await t.app.inject({ url: "/audit", cookies: admin })).body);
    expect(list("a[href='/audit/verify']").text()).toContain("Verify the chain");
    const response = await t.app.inject({ url: "/audit/verify", cookies: admin });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect($("h1").text()).toBe("The audit trail is intact");
    expect($("#verdict").text()).toContain(`${await auditCount()} records checked`);
  });
});

describe("verifying the hash chain", () => {
  it("finds an untouched chain intact, then names the record that was altered", async () => {
    const untouched = await verifyAuditChain(t.database.db);
    expect(untouched).toEqual({ ok: true, count: await auditCount() });

    const [target] = await t.database.rows<{ seq: number }>(
      sql`SELECT seq FROM audit_events WHERE entity_type = 'organisation' ORDER BY seq LIMIT 1 OFFSET 2`,
    );
    if (!target) throw new Error("no record to tamper with");
    // Tampering as an intruder with the owner's rights would: switch the guard off, edit, switch it on.
    await t.database.rows(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`);
    try {
      await t.database.rows(
        sql`UPDATE audit_events SET summary = '{"name":"Someone else"}'::jsonb WHERE seq = ${target.seq}`,
      );
    } finally {
      await t.database.rows(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`);
    }
    const verdict = await verifyAuditChain(t.database.db);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.brokenAt.seq).toBe(target.seq);
    expect(verdict.brokenAt.reason).toContain("altered");
    expect(verdict.count).toBe(target.seq);

    const page = html((await t.app.inject({ url: "/audit/verify", cookies: admin })).body);
    expect(page("h1").text()).toBe("The audit trail is broken");
    expect(page("#verdict").attr("data-seq")).toBe(String(target.seq));
    expect(page("main").text()).toContain(`The first broken record is number ${target.seq}`);
    // The guard is back on.
    expect(await refusal(sql`DELETE FROM audit_events`)).toMatch(/append-only/);
  });
});
