import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTokenFor, buildTestApp, createUser, type TestApp } from "../helpers.js";

let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await buildTestApp();
  token = await apiTokenFor(t.services, (await createUser(t.services, ["commissioner"])).id);
});
afterAll(async () => t.close());

describe("the API's conventions", () => {
  it("answers 401 with a problem document without a token", async () => {
    const response = await t.app.inject({ url: "/api/v1/programmes" });
    expect(response.statusCode).toBe(401);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    expect(response.json()).toMatchObject({ status: 401, title: "Unauthorised" });
  });

  it("answers 401 for a token that does not exist", async () => {
    const response = await t.app.inject({
      url: "/api/v1/programmes",
      headers: { authorization: "Bearer cmr_nope" },
    });
    expect(response.statusCode).toBe(401);
  });

  it("lists the four programmes with their aims and outcomes", async () => {
    const response = await t.app.inject({
      url: "/api/v1/programmes",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ items: { code: string; aims: unknown[]; outcomes: { ref: string }[] }[] }>();
    expect(body.items.map((p) => p.code).sort()).toEqual(["KDAAT", "KSAS", "KSE", "SP"]);
    const kdaat = body.items.find((p) => p.code === "KDAAT");
    expect(kdaat?.outcomes.map((o) => o.ref)).toContain("§1.2 a");
  });

  it("pages with limit and cursor", async () => {
    const first = await t.app.inject({
      url: "/api/v1/programmes?limit=3",
      headers: { authorization: `Bearer ${token}` },
    });
    const body = first.json<{ items: unknown[]; nextCursor?: string }>();
    expect(body.items).toHaveLength(3);
    expect(body.nextCursor).toBeTruthy();
    const second = await t.app.inject({
      url: `/api/v1/programmes?limit=3&cursor=${body.nextCursor ?? ""}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(second.json<{ items: unknown[]; nextCursor?: string }>()).toMatchObject({
      items: [expect.anything()],
    });
  });

  it("answers 400 with field paths for a bad query", async () => {
    const response = await t.app.inject({
      url: "/api/v1/programmes?limit=9999",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ status: 400, errors: [{ path: "limit" }] });
  });

  it("answers 404 as a problem document", async () => {
    const response = await t.app.inject({
      url: "/api/v1/programmes/NOPE",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ status: 404, detail: "No programme has the code NOPE" });
    const unknownPath = await t.app.inject({
      url: "/api/v1/nothing-here",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(unknownPath.json()).toMatchObject({ status: 404 });
  });

  it("serves an OpenAPI 3.1 document generated from the route schemas", async () => {
    const response = await t.app.inject({ url: "/api/v1/openapi.json" });
    expect(response.statusCode).toBe(200);
    const doc = response.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/api/v1/programmes");
  });
});
