import { Readable } from "node:stream";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditEvents,
  tenderDocuments,
  tenderDownloads,
  tenderInterests,
  tenders,
} from "../../src/db/schema/index.js";
import {
  apiTokenFor,
  asFixture,
  buildTestApp,
  createUser,
  html,
  insertProject,
  postForm,
  signIn,
  type TestApp,
} from "../helpers.js";
import { insertPublishedTender } from "../tenders.js";

let t: TestApp;
const DAY = 86_400_000;
const now = Date.now();
const at = (days: number) => new Date(now + days * DAY);

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface Opportunity {
  id: string;
  reference: string;
  title: string;
  valuePence: number;
  closingAt: string;
  open: boolean;
  programme: { code: string; name: string };
}

/** A published tender in a project of the programme, with the title, value and description given. */
async function tender(values: {
  title: string;
  programmeCode?: string;
  valuePence?: number;
  description?: string;
  closesInDays?: number;
  status?: "draft" | "published" | "cancelled";
  procedure?: "open" | "restricted";
  pqqInDays?: number;
}) {
  const db = t.database.db;
  const projectId = await insertProject(db, {
    title: `Project for ${values.title}`,
    programmeCode: values.programmeCode ?? "SP",
    estimatedValuePence: 100_000_000,
  });
  const closes = values.closesInDays ?? 30;
  const id = await insertPublishedTender(db, t.services.sealer, {
    projectId,
    title: values.title,
    procedure: values.procedure ?? "open",
    publishedAt: at(Math.min(closes, 0) - 30),
    clarificationDeadline: at(closes - 7),
    pqqDeadline: values.pqqInDays === undefined ? undefined : at(values.pqqInDays),
    submissionDeadline: at(closes),
  });
  await asFixture(db, async (tx) => {
    await tx
      .update(tenders)
      .set({
        valuePence: values.valuePence ?? 250_000_000,
        description: values.description ?? "",
        status: values.status ?? "published",
      })
      .where(eq(tenders.id, id));
  });
  return id;
}

/** A pack document: a blob stored through the document store and its row. */
async function packDocument(tenderId: string, title: string, content: string, superseded = false) {
  const blob = await t.services.documents.save(Readable.from(Buffer.from(content)), "text/plain", 1_000_000);
  return asFixture(t.database.db, async (tx) => {
    const [row] = await tx
      .insert(tenderDocuments)
      .values({
        tenderId,
        kind: "specification",
        title,
        blobId: blob.id,
        sha256: blob.sha256,
        bytes: blob.bytes,
        mediaType: "text/plain",
        fileName: `${title.toLowerCase().replace(/\W+/g, "-")}.txt`,
        supersededAt: superseded ? new Date() : null,
      })
      .returning({ id: tenderDocuments.id });
    if (!row) throw new Error("document not stored");
    return row.id;
  });
}

async function search(query = "") {
  const response = await t.app.inject({ url: `/api/v1/public/opportunities${query}` });
  return { response, items: response.json<{ items?: Opportunity[] }>().items ?? [] };
}
const titles = (items: Opportunity[]) => items.map((o) => o.title);

let soon: string;
let later: string;
let big: string;
let closed: string;
let draft: string;
let restricted: string;

beforeAll(async () => {
  t = await buildTestApp();
  soon = await tender({
    title: "Supported housing for young people",
    description: "Accommodation with support for care leavers",
    valuePence: 50_000_000,
    closesInDays: 10,
  });
  later = await tender({
    title: "Community drug and alcohol treatment",
    programmeCode: "KDAAT",
    valuePence: 300_000_000,
    closesInDays: 40,
  });
  big = await tender({
    title: "Domestic abuse refuge",
    programmeCode: "KSAS",
    valuePence: 900_000_000,
    closesInDays: 60,
  });
  closed = await tender({ title: "Floating support (closed)", closesInDays: -2 });
  draft = await tender({ title: "Secret draft tender", status: "draft" });
  await tender({ title: "Cancelled outreach", status: "cancelled" });
  restricted = await tender({
    title: "Restricted: recovery housing",
    procedure: "restricted",
    pqqInDays: 5,
    closesInDays: 50,
  });
});

afterAll(async () => {
  await t.close();
});

describe("find opportunities (API, public)", () => {
  it("lists published open tenders without sign-in, closing soonest first; drafts, cancelled and closed left out", async () => {
    const { response, items } = await search();
    expect(response.statusCode).toBe(200);
    expect(titles(items)).toEqual([
      "Restricted: recovery housing",
      "Supported housing for young people",
      "Community drug and alcohol treatment",
      "Domestic abuse refuge",
    ]);
    // A restricted tender closes, for now, at its PQQ deadline.
    const r = items.find((o) => o.id === restricted);
    expect(r?.closingAt).toBe(at(5).toISOString());
    expect(r && /(Z|[+-]\d\d:\d\d)$/.test(r.closingAt)).toBe(true);
  });

  it("filters by words in the title or description", async () => {
    expect(titles((await search("?q=care%20leavers")).items)).toEqual(["Supported housing for young people"]);
    expect(titles((await search("?q=ALCOHOL")).items)).toEqual(["Community drug and alcohol treatment"]);
    expect(titles((await search("?q=100%25")).items)).toEqual([]);
  });

  it("filters by programme", async () => {
    expect(titles((await search("?programme=KSAS")).items)).toEqual(["Domestic abuse refuge"]);
  });

  it("filters by value band in pence", async () => {
    expect(titles((await search("?minValuePence=100000000&maxValuePence=500000000")).items)).toEqual([
      "Restricted: recovery housing",
      "Community drug and alcohol treatment",
    ]);
    expect(titles((await search("?minValuePence=800000000")).items)).toEqual(["Domestic abuse refuge"]);
  });

  it("filters by closing date, in whole UK days", async () => {
    const day = (d: number) => new Date(now + d * DAY).toISOString().slice(0, 10);
    expect(titles((await search(`?closingBefore=${day(20)}`)).items)).toEqual([
      "Restricted: recovery housing",
      "Supported housing for young people",
    ]);
    expect(titles((await search(`?closingAfter=${day(45)}`)).items)).toEqual(["Domestic abuse refuge"]);
  });

  it("includes closed tenders when asked", async () => {
    const { items } = await search("?includeClosed=true");
    expect(titles(items)).toContain("Floating support (closed)");
    expect(items.find((o) => o.id === closed)?.open).toBe(false);
    expect(titles(items)).not.toContain("Secret draft tender");
    expect(titles(items)).not.toContain("Cancelled outreach");
  });

  it("pages like other lists", async () => {
    const first = await t.app.inject({ url: "/api/v1/public/opportunities?limit=2" });
    const body = first.json<{ items: Opportunity[]; nextCursor?: string }>();
    expect(body.items).toHaveLength(2);
    expect(body.nextCursor).toBeDefined();
    const next = await t.app.inject({
      url: `/api/v1/public/opportunities?limit=2&cursor=${body.nextCursor ?? ""}`,
    });
    expect(next.json<{ items: Opportunity[] }>().items.map((o) => o.id)).not.toContain(body.items[0]?.id);
  });

  it("refuses bad filters with a problem naming the field", async () => {
    const bad = await t.app.inject({ url: "/api/v1/public/opportunities?minValuePence=lots" });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("minValuePence");
    const band = await t.app.inject({
      url: "/api/v1/public/opportunities?minValuePence=500&maxValuePence=100",
    });
    expect(band.statusCode).toBe(400);
    expect(band.body).toContain("Maximum value must be at least the minimum value");
    const date = await t.app.inject({ url: "/api/v1/public/opportunities?closingBefore=31/02/2027" });
    expect(date.statusCode).toBe(400);
    expect(date.body).toContain("closingBefore");
  });

  it("shows one opportunity without sign-in; a draft is 404", async () => {
    await packDocument(soon, "Service specification", "the specification");
    const one = await t.app.inject({ url: `/api/v1/public/opportunities/${soon}` });
    expect(one.statusCode).toBe(200);
    const body = one.json<{ documents: { title: string }[]; procedureName: string; reference: string }>();
    expect(body.documents.map((d) => d.title)).toContain("Service specification");
    expect(body.procedureName).toBe("Open procedure");
    expect((await t.app.inject({ url: `/api/v1/public/opportunities/${draft}` })).statusCode).toBe(404);
  });
});

describe("find opportunities (pages)", () => {
  it("shows the list and the opportunity signed out", async () => {
    const list = await t.app.inject({ url: "/opportunities" });
    expect(list.statusCode).toBe(200);
    const $ = html(list.body);
    expect($("#opportunities li").length).toBe(4);
    expect(list.body).not.toContain("Secret draft tender");
    const page = await t.app.inject({ url: `/opportunities/${later}` });
    expect(page.statusCode).toBe(200);
    const p = html(page.body);
    expect(p("h1").text()).toContain("Community drug and alcohol treatment");
    expect(p("#advert").text()).toContain("£3,000,000");
    expect(p("#interest").text()).toContain("Sign in as a supplier");
    expect((await t.app.inject({ url: `/opportunities/${draft}` })).statusCode).toBe(404);
    expect((await t.app.inject({ url: "/opportunities/not-an-id" })).statusCode).toBe(404);
  });

  it("filters in pounds, and says so clearly when nothing matches", async () => {
    const band = await t.app.inject({ url: "/opportunities?minValue=8%2C000%2C000&programme=" });
    expect(html(band.body)("#opportunities li").length).toBe(1);
    const none = await t.app.inject({ url: "/opportunities?q=zebra+crossings" });
    expect(none.statusCode).toBe(200);
    expect(html(none.body)("#empty").text()).toContain("No opportunities found");
    expect(none.body).toContain("Clear filters");
  });

  it("shows a GOV.UK error summary for bad filters", async () => {
    const bad = await t.app.inject({ url: "/opportunities?minValue=lots&closingBefore=tomorrow" });
    expect(bad.statusCode).toBe(400);
    const $ = html(bad.body);
    expect($(".govuk-error-summary").text()).toContain("Minimum value must be an amount in pounds");
    expect($(".govuk-error-summary a[href='#closingBefore']").length).toBe(1);
  });
});

describe("interest and downloads", () => {
  it("registers interest once per organisation, audited, and gives the pack", async () => {
    const doc = await packDocument(later, "Pricing schedule", "prices");
    const old = await packDocument(later, "Old specification", "old words", true);
    const user = await createUser(t.services, ["supplier-user"]);
    const colleague = await createUser(t.services, ["supplier-user"], {});
    const token = await apiTokenFor(t.services, user.id);
    const first = await t.app.inject({
      method: "POST",
      url: `/api/v1/tenders/${later}/interest`,
      headers: bearer(token),
    });
    expect(first.statusCode).toBe(200);
    const body = first.json<{
      alreadyRegistered: boolean;
      documents: { id: string; superseded: boolean; href: string }[];
    }>();
    expect(body.alreadyRegistered).toBe(false);
    expect(body.documents.map((d) => d.id).sort()).toEqual([doc, old].sort());
    expect(body.documents.find((d) => d.id === old)?.superseded).toBe(true);
    const again = await t.app.inject({
      method: "POST",
      url: `/api/v1/tenders/${later}/interest`,
      headers: bearer(token),
    });
    expect(again.json<{ alreadyRegistered: boolean }>().alreadyRegistered).toBe(true);
    const rows = await t.database.db
      .select()
      .from(tenderInterests)
      .where(
        and(
          eq(tenderInterests.tenderId, later),
          eq(tenderInterests.organisationId, user.organisationId ?? ""),
        ),
      );
    expect(rows).toHaveLength(1);
    const audits = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "tender-interest"), eq(auditEvents.entityId, rows[0]?.id ?? "")));
    expect(audits).toHaveLength(1);
    expect(colleague.organisationId).not.toBe(user.organisationId);
  });

  it("refuses interest after the deadline, and from staff", async () => {
    const user = await createUser(t.services, ["supplier-user"]);
    const token = await apiTokenFor(t.services, user.id);
    const late = await t.app.inject({
      method: "POST",
      url: `/api/v1/tenders/${closed}/interest`,
      headers: bearer(token),
    });
    expect(late.statusCode).toBe(409);
    expect(late.json<{ detail: string }>().detail).toContain("Interest can no longer be registered");
    const officer = await createUser(t.services, ["procurement-officer"]);
    const staff = await t.app.inject({
      method: "POST",
      url: `/api/v1/tenders/${later}/interest`,
      headers: bearer(await apiTokenFor(t.services, officer.id)),
    });
    expect(staff.statusCode).toBe(403);
    const hidden = await t.app.inject({
      method: "POST",
      url: `/api/v1/tenders/${draft}/interest`,
      headers: bearer(token),
    });
    expect(hidden.statusCode).toBe(404);
  });

  it("refuses a download before interest, and logs each one after (page and API)", async () => {
    const doc = await packDocument(big, "Refuge specification", "refuge words");
    const old = await packDocument(big, "Refuge specification (first issue)", "older refuge words", true);
    const user = await createUser(t.services, ["supplier-user"]);
    const token = await apiTokenFor(t.services, user.id);
    const file = `/api/v1/tenders/${big}/documents/${doc}/file`;
    const before = await t.app.inject({ url: file, headers: bearer(token) });
    expect(before.statusCode).toBe(403);
    const cookies = await signIn(t.app, user.email);
    const pageBefore = await t.app.inject({ url: `/tenders/${big}/documents/${doc}`, cookies });
    expect(pageBefore.statusCode).toBe(403);
    expect(
      await t.database.db.select().from(tenderDownloads).where(eq(tenderDownloads.tenderId, big)),
    ).toHaveLength(0);

    // The page's button registers interest; the page then says so and links the documents.
    const posted = await postForm(
      t.app,
      `/opportunities/${big}`,
      `/opportunities/${big}/interest`,
      cookies,
      {},
    );
    expect(posted.response.statusCode).toBe(303);
    const page = await t.app.inject({ url: `/opportunities/${big}`, cookies: posted.cookies });
    const $ = html(page.body);
    expect($("#interest").text()).toContain("Your organisation registered interest");
    expect($(`#documents a[href='/tenders/${big}/documents/${doc}']`).length).toBe(1);
    expect($(`#documents li[data-document-id='${old}']`).text()).toContain("Superseded");

    const api = await t.app.inject({ url: file, headers: bearer(token) });
    expect(api.statusCode).toBe(200);
    expect(api.body).toBe("refuge words");
    expect(api.headers["content-disposition"]).toContain("attachment");
    const viaPage = await t.app.inject({ url: `/tenders/${big}/documents/${old}`, cookies: posted.cookies });
    expect(viaPage.statusCode).toBe(200);
    expect(viaPage.body).toBe("older refuge words");
    const logged = await t.database.db
      .select()
      .from(tenderDownloads)
      .where(eq(tenderDownloads.tenderId, big));
    expect(logged).toHaveLength(2);
    expect(logged.every((d) => d.organisationId === user.organisationId && d.userId === user.id)).toBe(true);
    const audits = await t.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.entityType, "tender-download"));
    expect(audits.length).toBeGreaterThanOrEqual(2);

    // Staff download without interest and are not logged; they see the log.
    const officer = await createUser(t.services, ["procurement-officer"]);
    const officerToken = await apiTokenFor(t.services, officer.id);
    expect((await t.app.inject({ url: file, headers: bearer(officerToken) })).statusCode).toBe(200);
    expect(
      await t.database.db.select().from(tenderDownloads).where(eq(tenderDownloads.tenderId, big)),
    ).toHaveLength(2);
    const log = await t.app.inject({
      url: `/api/v1/tenders/${big}/downloads`,
      headers: bearer(officerToken),
    });
    expect(
      log
        .json<{ items: { superseded: boolean }[] }>()
        .items.map((d) => d.superseded)
        .sort(),
    ).toEqual([false, true]);
    const staffPage = await t.app.inject({
      url: `/tenders/${big}/clarifications`,
      cookies: await signIn(t.app, officer.email),
    });
    expect(html(staffPage.body)("#downloads tbody tr").length).toBe(2);
    // Suppliers cannot read the log.
    expect(
      (await t.app.inject({ url: `/api/v1/tenders/${big}/downloads`, headers: bearer(token) })).statusCode,
    ).toBe(403);
  });
});
