import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, SRC } from "../scripts/code-shape/measure.js";

/**
 * "Accessibility" of docs/architecture.md: every table is in a labelled scroll region of its own
 * (`src/web/views/components/table.njk`), so that a wide one scrolls there, named and reachable by
 * keyboard, rather than pushing the page sideways at 320 CSS pixels (WCAG 2.2 1.4.10). Checked in the
 * templates here, and on every page the browser suite shows (`test/e2e/browser.ts`).
 */
const MACRO = path.join(SRC, "web", "views", "components", "table.njk");

function templatesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return templatesUnder(full);
    return entry.name.endsWith(".njk") ? [full] : [];
  });
}

const templates = templatesUnder(SRC)
  .filter((full) => full !== MACRO)
  .map((full) => ({
    file: path.relative(ROOT, full),
    // Without Nunjucks comments, which may mention a table.
    text: fs.readFileSync(full, "utf8").replace(/\{#[\s\S]*?#\}/g, ""),
  }));

/** The text of a call's arguments from the opening bracket at `open`, skipping brackets inside strings. */
function argumentsAt(text: string, open: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "{" || c === "[") depth++;
    else if (c === ")" || c === "}" || c === "]") {
      depth--;
      if (depth === 0) return text.slice(open + 1, i);
    }
  }
  return text.slice(open + 1);
}

const line = (text: string, index: number) => text.slice(0, index).split("\n").length;

/** Each `<table>` written by hand that is not inside `{% call appTableScroll(…) %}`, as file:line. */
function bareTables(file: string, text: string): string[] {
  const tokens = /\{%-?\s*call\s+(\w+)\s*\(|\{%-?\s*endcall\s*-?%\}|<table\b/g;
  const calls: string[] = [];
  const bare: string[] = [];
  for (const match of text.matchAll(tokens)) {
    if (match[1]) calls.push(match[1]);
    else if (match[0].includes("endcall")) calls.pop();
    else if (!calls.includes("appTableScroll")) bare.push(`${file}:${line(text, match.index)}`);
  }
  return bare;
}

const everywhere = (find: (t: (typeof templates)[number]) => string[]) => templates.flatMap(find);

describe("tables in templates", () => {
  it("reads the templates, with their tables", () => {
    expect(templates.length).toBeGreaterThan(50);
    expect(everywhere((t) => (t.text.includes("appTable") ? [t.file] : [])).length).toBeGreaterThan(10);
  });

  it("puts GOV.UK's table macro only through appTable", () => {
    expect(
      everywhere((t) =>
        [...t.text.matchAll(/govukTable\s*\(/g)].map((m) => `${t.file}:${line(t.text, m.index)}`),
      ),
    ).toEqual([]);
  });

  it("puts each table written by hand inside appTableScroll", () => {
    expect(everywhere((t) => bareTables(t.file, t.text))).toEqual([]);
  });

  it("names each region", () => {
    const unnamed = everywhere((t) =>
      [...t.text.matchAll(/\b(appTableScroll|appTable)\s*\(/g)]
        .filter((m) => {
          const args = argumentsAt(t.text, m.index + m[0].length - 1).trim();
          if (m[1] === "appTableScroll") return args === "" || /^(""|'')$/.test(args);
          return !/\b(caption|regionLabel)\s*:/.test(args);
        })
        .map((m) => `${t.file}:${line(t.text, m.index)}`),
    );
    expect(unnamed).toEqual([]);
  });
});
