import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeSchema, openApiMarkdown, type OpenApiDocument } from "../../src/web/openapi-markdown.js";
import { buildTestApp, type TestApp } from "../helpers.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

describe("docs/api.md", () => {
  it("is what the routes' OpenAPI document says (run `npm run docs:api` after changing a route)", () => {
    const written = fs.readFileSync(path.resolve(import.meta.dirname, "../../docs/api.md"), "utf8");
    const document = t.app.swagger() as unknown as OpenApiDocument;
    expect(written).toBe(openApiMarkdown(document));
  });

  it("lists every API path of the document", () => {
    const document = t.app.swagger() as unknown as OpenApiDocument;
    const markdown = openApiMarkdown(document);
    const paths = Object.keys(document.paths ?? {});
    expect(paths.length).toBeGreaterThan(20);
    for (const p of paths) expect(markdown).toContain(`\`${p}\``);
  });
});

describe("describeSchema", () => {
  it.each([
    [{ type: "string", format: "uuid" }, "string (uuid)"],
    [{ enum: ["approved", "rejected"] }, '"approved" | "rejected"'],
    [{ type: "array", items: { type: "integer" } }, "array of integer"],
    [{ anyOf: [{ type: "string" }, { type: "null" }] }, "string | null"],
    [undefined, "any"],
  ])("%j is %s", (schema, words) => {
    expect(describeSchema(schema)).toBe(words);
  });
});
