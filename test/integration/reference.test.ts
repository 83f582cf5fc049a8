import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { governanceBodies, governanceMembers } from "../../src/db/schema/index.js";
import { apiTokenFor, buildTestApp, createUser, html, signIn, type TestApp, asFixture } from "../helpers.js";

const BODY_CODES = [
  "KDAAT_BOARD",
  "SP_COMMISSIONING_BODY",
  "JCG",
  "CSG",
  "PROCUREMENT_BOARD",
  "PROCUREMENT_MANAGER",
  "SSP",
  "DIRECTOR",
  "EQUALITIES_TEAM",
  "LEGAL",
];

let t: TestApp;
let commissioner: Record<string, string>;
let supplier: Record<string, string>;
let commissionerToken: string;
let supplierToken: string;
let chair: { id: string; name: string };

beforeAll(async () => {
  t = await buildTestApp();
  const staff = await createUser(t.services, ["commissioner"]);
  const bidder = await createUser(t.services, ["supplier-user"]);
  commissioner = await signIn(t.app, staff.email);
  supplier = await signIn(t.app, bidder.email);
  commissionerToken = await apiTokenFor(t.services, staff.id);
  supplierToken = await apiTokenFor(t.services, bidder.id);
  // A board member, added as the demo loader does (there is no page for it yet).
  const member = await createUser(t.services, ["board-member"]);
  chair = { id: member.id, name: member.name };
  const [board] = await t.database.db
    .select({ id: governanceBodies.id })
    .from(governanceBodies)
    .where(eq(governanceBodies.code, "KDAAT_BOARD"));
  if (!board) throw new Error("reference data missing");
  await asFixture(t.database.db, (tx) =>
    tx.insert(governanceMembers).values({ bodyId: board.id, userId: member.id, role: "chair" }),
  );
});
afterAll(async () => t.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("programme pages", () => {
  it("lists the four programmes in the framework's order, each linking to its page", async () => {
    const response = await t.app.inject({ url: "/programmes", cookies: commissioner });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect($("h1").text()).toBe("Programmes");
    const links = $("table a")
      .map((_i, a) => ({ text: $(a).text(), href: $(a).attr("href") }))
      .get();
    expect(links).toEqual([
      { text: "Supporting People", href: "/programmes/SP" },
      { text: "Drug and Alcohol Action Team", href: "/programmes/KDAAT" },
      { text: "Supported Employment", href: "/programmes/KSE" },
      { text: "Support and Assistance Service", href: "/programmes/KSAS" },
    ]);
  });

  it("shows a programme's aims and outcomes with their paragraphs, and the bodies that serve it", async () => {
    const response = await t.app.inject({ url: "/programmes/KDAAT", cookies: commissioner });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect($("h1").text()).toBe("Drug and Alcohol Action Team");
    const aims = $('ul[aria-labelledby="aims"] li')
      .map((_i, li) => $(li).text().replace(/\s+/g, " ").trim())
      .get();
    expect(aims).toHaveLength(8);
    expect(aims[0]).toBe("§1.1 a Prevent problematic drug and alcohol misuse");
    const outcomes = $('ul[aria-labelledby="outcomes"] li')
      .map((_i, li) => $(li).text().replace(/\s+/g, " ").trim())
      .get();
    expect(outcomes).toContain("§1.2 a Freedom from dependency on drugs and alcohol");
    expect(outcomes.some((o) => o.startsWith("§1.2 r "))).toBe(true);
    const bodies = $('ul[aria-labelledby="governance"] a')
      .map((_i, a) => $(a).attr("href"))
      .get();
    expect(bodies).toEqual(expect.arrayContaining(["/governance#body-KDAAT_BOARD", "/governance#body-JCG"]));
    expect(bodies).not.toContain("/governance#body-CSG");
  });

  it("finds a programme whatever the case of its code", async () => {
    const response = await t.app.inject({ url: "/programmes/sp", cookies: commissioner });
    expect(response.statusCode).toBe(200);
    expect(html(response.body)("h1").text()).toBe("Supporting People");
  });

  it("answers an unknown programme with the not-found page", async () => {
    const response = await t.app.inject({ url: "/programmes/NOPE", cookies: commissioner });
    expect(response.statusCode).toBe(404);
    expect(html(response.body)("h1").text()).toContain("Page not found");
  });

  it("lets suppliers and providers read programmes, without the governance they may not see", async () => {
    const provider = await createUser(t.services, ["provider-user"]);
    const providerCookies = await signIn(t.app, provider.email);
    for (const cookies of [supplier, providerCookies]) {
      const list = await t.app.inject({ url: "/programmes", cookies });
      expect(list.statusCode).toBe(200);
      const page = await t.app.inject({ url: "/programmes/SP", cookies });
      expect(page.statusCode).toBe(200);
      const $ = html(page.body);
      expect($('ul[aria-labelledby="outcomes"] li').length).toBeGreaterThan(0);
      expect($("#governance").length).toBe(0);
    }
  });

  it("sends a visitor who is not signed in to sign in", async () => {
    const response = await t.app.inject({ url: "/programmes/SP" });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/sign-in?next=%2Fprogrammes%2FSP");
  });
});

describe("governance page", () => {
  it("draws the structure as an SVG image with a title and a description", async () => {
    const response = await t.app.inject({ url: "/governance", cookies: commissioner });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    const svg = $('svg[role="img"]');
    expect(svg.length).toBe(1);
    const labelledBy = (svg.attr("aria-labelledby") ?? "").split(" ");
    expect(labelledBy).toHaveLength(2);
    expect(
      svg
        .find(`#${labelledBy[0] ?? ""}`)
        .prop("tagName")
        ?.toLowerCase(),
    ).toBe("title");
    expect(svg.find(`#${labelledBy[1] ?? ""}`).text()).toContain(
      "KDAAT Board has beneath it: Joint Commissioning Groups",
    );
    const drawn = svg
      .find("g[data-code]")
      .map((_i, g) => $(g).attr("data-code"))
      .get();
    expect(drawn).toEqual(expect.arrayContaining(BODY_CODES));
    expect(svg.find('polyline[data-from="KDAAT_BOARD"][data-to="JCG"]').length).toBe(1);
    expect(svg.find('polyline[data-from="SSP"][data-to="PROCUREMENT_MANAGER"]').length).toBe(1);
    // The CSP forbids inline styles: presentation attributes only.
    expect(response.body).not.toMatch(/<[^>]+\sstyle=/);
  });

  it("lists every body once in a nested list, with kind, programmes, paragraph and members", async () => {
    const response = await t.app.inject({ url: "/governance", cookies: commissioner });
    const $ = html(response.body);
    const listed = $("li[data-code]")
      .map((_i, li) => $(li).attr("data-code"))
      .get();
    for (const code of BODY_CODES)
      expect(
        listed.filter((c) => c === code),
        code,
      ).toHaveLength(1);
    // Operational groups sit inside their boards' items; the Procurement Manager inside SSP's.
    expect($("#body-KDAAT_BOARD #body-JCG").length).toBe(1);
    expect($("#body-SP_COMMISSIONING_BODY #body-CSG").length).toBe(1);
    expect($("#body-SSP #body-PROCUREMENT_MANAGER").length).toBe(1);
    const board = $("#body-KDAAT_BOARD > dl").text().replace(/\s+/g, " ");
    expect(board).toContain("Executive board");
    expect(board).toContain("Drug and Alcohol Action Team (KDAAT)");
    expect(board).toContain("§2.1");
    expect(board).toContain(`${chair.name} (chair)`);
    expect($("#body-LEGAL > dl").text()).toContain("None recorded");
  });

  it("is for staff: a supplier is refused", async () => {
    const response = await t.app.inject({ url: "/governance", cookies: supplier });
    expect(response.statusCode).toBe(403);
  });
});

describe("governance API", () => {
  interface Body {
    code: string;
    name: string;
    kind: string;
    parentCode: string | null;
    programmeCodes: string[];
    description: string;
    paragraph: string;
    members: { userId: string; name: string; role: string }[];
  }

  it("returns every body with its kind, parent, programmes and members", async () => {
    const response = await t.app.inject({
      url: "/api/v1/governance-bodies",
      headers: bearer(commissionerToken),
    });
    expect(response.statusCode).toBe(200);
    const { items } = response.json<{ items: Body[] }>();
    const byCode = new Map(items.map((b) => [b.code, b]));
    for (const code of BODY_CODES) expect(byCode.has(code), code).toBe(true);
    expect(byCode.get("JCG")).toMatchObject({ kind: "operational-group", parentCode: "KDAAT_BOARD" });
    expect(byCode.get("CSG")).toMatchObject({
      kind: "operational-group",
      parentCode: "SP_COMMISSIONING_BODY",
    });
    expect(byCode.get("KDAAT_BOARD")).toMatchObject({
      kind: "executive-board",
      parentCode: null,
      programmeCodes: ["KDAAT"],
      paragraph: "§2.1",
      members: [{ userId: chair.id, name: chair.name, role: "chair" }],
    });
    expect(byCode.get("PROCUREMENT_BOARD")?.kind).toBe("procurement-board");
    expect(byCode.get("PROCUREMENT_MANAGER")).toMatchObject({ kind: "officer", parentCode: "SSP" });
    expect(byCode.get("DIRECTOR")?.kind).toBe("officer");
    expect(byCode.get("LEGAL")).toMatchObject({ kind: "team", members: [] });
    for (const body of items) expect(typeof body.description).toBe("string");
  });

  it("pages like every list", async () => {
    const first = await t.app.inject({
      url: "/api/v1/governance-bodies?limit=4",
      headers: bearer(commissionerToken),
    });
    const body = first.json<{ items: Body[]; nextCursor?: string }>();
    expect(body.items).toHaveLength(4);
    expect(body.nextCursor).toBeTruthy();
  });

  it("returns one body by its code, and 404 for an unknown code", async () => {
    const one = await t.app.inject({
      url: "/api/v1/governance-bodies/csg",
      headers: bearer(commissionerToken),
    });
    expect(one.statusCode).toBe(200);
    expect(one.json<Body>()).toMatchObject({ code: "CSG", parentCode: "SP_COMMISSIONING_BODY" });
    const none = await t.app.inject({
      url: "/api/v1/governance-bodies/NOPE",
      headers: bearer(commissionerToken),
    });
    expect(none.statusCode).toBe(404);
    expect(none.headers["content-type"]).toContain("application/problem+json");
  });

  it("refuses a supplier with 403 and a visitor without a token with 401", async () => {
    const refused = await t.app.inject({
      url: "/api/v1/governance-bodies",
      headers: bearer(supplierToken),
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ status: 403 });
    const one = await t.app.inject({
      url: "/api/v1/governance-bodies/JCG",
      headers: bearer(supplierToken),
    });
    expect(one.statusCode).toBe(403);
    expect((await t.app.inject({ url: "/api/v1/governance-bodies" })).statusCode).toBe(401);
  });
});
