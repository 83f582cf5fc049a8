import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { productionFiles, ROOT, SRC, shapeOf } from "../scripts/code-shape/measure.js";

/**
 * "A capability folder" of docs/architecture.md, checked by what each file does rather than by its
 * name alone: the same job is always in the file of the same name, in a module or in a part of one.
 */
const MODULES = path.join(SRC, "modules");
const files = productionFiles(MODULES).map((full) => ({
  file: path.relative(ROOT, full),
  name: path.basename(full),
  text: fs.readFileSync(full, "utf8"),
}));

const offShape = (rule: (f: (typeof files)[number]) => boolean) => files.filter(rule).map((f) => f.file);

describe("the module shape of docs/architecture.md", () => {
  it("reads every module's files", () => {
    expect(files.filter((f) => f.name === "routes.ts").length).toBeGreaterThan(10);
    expect(files.filter((f) => f.name === "service.ts").length).toBeGreaterThan(10);
  });

  it("registers routes only in routes.ts (pages) and api.ts (the JSON API)", () => {
    const registers = /\bapp\.(get|post|put|patch|delete|route)\(/;
    expect(offShape((f) => registers.test(f.text) && f.name !== "routes.ts" && f.name !== "api.ts")).toEqual(
      [],
    );
  });

  it("keeps the API out of routes.ts", () => {
    expect(offShape((f) => f.name === "routes.ts" && f.text.includes("/api/"))).toEqual([]);
  });

  it("opens transactions only in service.ts: each use case is one", () => {
    expect(offShape((f) => f.text.includes(".transaction(") && f.name !== "service.ts")).toEqual([]);
  });

  it("only reads in queries.ts", () => {
    expect(offShape((f) => f.name === "queries.ts" && /\.(insert|update|delete)\(/.test(f.text))).toEqual([]);
  });

  it("makes view models in presenter.ts without touching the database", () => {
    const presenters = files
      .filter((f) => f.name === "presenter.ts")
      .map((f) => shapeOf(path.join(ROOT, f.file)));
    expect(presenters.flatMap((p) => p.imports.filter((to) => to.startsWith("src/db/")))).toEqual([]);
  });

  it("keeps templates in views/ and nothing else there", () => {
    const templates = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return templates(full);
        return [path.relative(ROOT, full)];
      });
    const all = templates(MODULES);
    const misplaced = all.filter((f) => f.endsWith(".njk") !== f.split(path.sep).includes("views"));
    expect(misplaced).toEqual([]);
  });
});
