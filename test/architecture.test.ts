import path from "node:path";
import { describe, expect, it } from "vitest";
import { importCycles, productionFiles, shapeOf, SRC } from "../scripts/code-shape/measure.js";

/** The layering of docs/architecture.md, read from the value imports of every production file. */
const shapes = productionFiles(SRC).map(shapeOf);
const imports = shapes.flatMap((s) => s.imports.map((to) => ({ from: s.file, to })));

const moduleOf = (file: string) => /^src\/modules\/([^/]+)\//.exec(file)?.[1] ?? null;
/** A module's use cases or reads: its service.ts or queries.ts, or those of a sub-capability's folder. */
const isUseCaseOrRead = (file: string) =>
  /^src\/modules\/[^/]+\/(?:[^/]+\/)*(service|queries)\.ts$/.test(file);

describe("the layering of docs/architecture.md", () => {
  it("reads the imports of every production file", () => {
    expect(shapes.length).toBeGreaterThan(100);
    expect(imports.length).toBeGreaterThan(300);
  });

  it("has no import cycle", () => {
    expect(importCycles(shapes)).toEqual([]);
  });

  it("keeps domain/ pure: it imports nothing of ours outside domain/", () => {
    const outside = imports.filter(
      ({ from, to }) => from.startsWith("src/domain/") && !to.startsWith("src/domain/"),
    );
    expect(outside).toEqual([]);
  });

  it("keeps use cases and reads out of web/: services and queries never import it", () => {
    const web = imports.filter(({ from, to }) => isUseCaseOrRead(from) && to.startsWith("src/web/"));
    expect(web).toEqual([]);
  });

  it("lets a module use another only through its service or queries", () => {
    const crossings = imports
      .filter(({ from, to }) => {
        const a = moduleOf(from);
        const b = moduleOf(to);
        return a !== null && b !== null && a !== b && !isUseCaseOrRead(to);
      })
      .map(({ from, to }) => `${moduleOf(from) ?? ""} -> ${path.relative("src/modules", to)}`);
    expect([...new Set(crossings)].sort()).toEqual([]);
  });
});
