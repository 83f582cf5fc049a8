import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeSchema, openApiMarkdown, type OpenApiDocument } from "../../scripts/markdown/api.js";
import { indicatorsMarkdown } from "../../scripts/markdown/indicators.js";
import { rulesMarkdown } from "../../scripts/markdown/rules.js";
import { INDICATOR_CODES } from "../../src/domain/indicators/definitions.js";
import { REGIMES } from "../../src/domain/regimes.js";
import { buildTestApp, type TestApp } from "../helpers.js";

const docs = path.resolve(import.meta.dirname, "../../docs");
const read = (name: string) => fs.readFileSync(path.join(docs, name), "utf8");

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

// The generated docs say what the code says (run `npm run docs` after changing a route or a rule).
describe("generated docs", () => {
  it("docs/api.md is the routes' OpenAPI document", () => {
    expect(read("api.md")).toBe(openApiMarkdown(t.app.swagger() as unknown as OpenApiDocument));
  });

  it("docs/indicators.md is the indicator catalogue", () => {
    expect(read("indicators.md")).toBe(indicatorsMarkdown());
  });

  it("docs/rules.md is the rules held as data", () => {
    expect(read("rules.md")).toBe(rulesMarkdown());
  });

  it("name every API path, indicator and regime", () => {
    const document = t.app.swagger() as unknown as OpenApiDocument;
    const paths = Object.keys(document.paths ?? {});
    expect(paths.length).toBeGreaterThan(20);
    for (const p of paths) expect(read("api.md")).toContain(`\`${p}\``);
    for (const code of INDICATOR_CODES) expect(read("indicators.md")).toContain(`### ${code}:`);
    for (const regime of REGIMES) expect(read("rules.md")).toContain(`(\`${regime.code}\`)`);
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
