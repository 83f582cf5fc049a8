import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The repository explains itself (docs/architecture.md): code, docs and tests cite the framework's
 * paragraphs (docs/framework/) and the project's own docs/, never files outside the repository nor
 * the history of how the work was organised.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const SEARCHED = [
  "src",
  "test",
  "bench",
  "scripts",
  "docs",
  "migrations",
  ".ci",
  "README.md",
  "package.json",
];
const TEXT = /\.(ts|mjs|js|njk|css|md|sql|json)$|^run$/;

function filesUnder(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (!fs.existsSync(full)) return [];
  if (fs.statSync(full).isFile()) return [entry];
  return fs.readdirSync(full).flatMap((name) => filesUnder(path.join(entry, name)));
}

const OUTSIDE_DOCS = ["STYLE", "DESIGN", "API", "INDICATORS", "RULES"].map((n) => `${n}.md`);
const FORBIDDEN: { what: string; pattern: RegExp }[] = [
  { what: "an issue number", pattern: new RegExp(["\\b[Ii]ssue", "\\s+#?\\d+"].join("")) },
  {
    what: "a design document outside the repository",
    pattern: new RegExp(`(?<![/\\w])(${OUTSIDE_DOCS.map((d) => d.replace(".", "\\.")).join("|")})`),
  },
  { what: "a path outside the repository", pattern: new RegExp(["\\.\\./", "shared/"].join("")) },
];

function offences(file: string): string[] {
  const lines = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n");
  return lines.flatMap((line, index) =>
    FORBIDDEN.filter(({ pattern }) => pattern.test(line)).map(
      ({ what }) => `${file}:${String(index + 1)}: ${what}: ${line.trim().slice(0, 100)}`,
    ),
  );
}

describe("the repository explains itself", () => {
  const files = SEARCHED.flatMap(filesUnder).filter((f) => TEXT.test(path.basename(f)));

  it("searches the code, tests, docs and CI", () => {
    expect(files.length).toBeGreaterThan(200);
    expect(files).toContain("docs/architecture.md");
  });

  it("cites no issue numbers, no documents and no paths outside the repository", () => {
    expect(files.flatMap(offences)).toEqual([]);
  });

  it("catches each kind of citation it forbids", () => {
    const samples = [
      ["(issue", "3, item 5)"].join(" "),
      ["see", "DESIGN", ".md"].join(" ").replace(" .", "."),
      ["../", "shared/seed"].join(""),
    ];
    for (const sample of samples) expect(FORBIDDEN.some(({ pattern }) => pattern.test(sample))).toBe(true);
    expect(FORBIDDEN.some(({ pattern }) => pattern.test("docs/api.md and docs/rules.md, §3.16"))).toBe(false);
  });

  it("names only files that exist, where the docs and README name one of ours", () => {
    const named = files
      .filter((f) => f.endsWith(".md"))
      .flatMap((doc) =>
        [
          ...fs
            .readFileSync(path.join(ROOT, doc), "utf8")
            .matchAll(/\b((?:src|test|bench|scripts)\/[\w./-]+\.(?:ts|njk|css))\b/g),
        ].map((m) => ({ doc, file: m[1] ?? "" })),
      );
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter(({ file }) => !fs.existsSync(path.join(ROOT, file)))).toEqual([]);
  });
});
