import { describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { cleanText, hostileFields } from "./hostile-input.js";

describe("text the database cannot store", () => {
  it.each([
    ["plain text", { title: "Housing support", n: 3 }, []],
    ["emoji (a surrogate pair) and accents", { title: "Café 🏠" }, []],
    ["a null character", { title: "a\u0000b" }, ["title"]],
    ["a high surrogate alone", { title: "a\ud800b" }, ["title"]],
    ["a low surrogate alone", { title: "\udc00" }, ["title"]],
    [
      "nested in an array of objects",
      { members: [{ role: "chair" }, { role: "x\u0000" }] },
      ["members.1.role"],
    ],
    ["in a field's name", { "ti\u0000tle": "x" }, ["ti\uFFFDtle"]],
    ["in several fields", { a: "\u0000", b: "ok", c: "\ud83d" }, ["a", "c"]],
    ["a bare string", "x\u0000", ["body"]],
    ["nothing", undefined, []],
  ])("%s", (_what, value, paths) => {
    expect(hostileFields(value).map((e) => e.path)).toEqual(paths);
  });

  it("leaves a stream (a data file on its way to the importer) to the importer", () => {
    expect(hostileFields(Readable.from(["a\u0000b"]))).toEqual([]);
  });

  it("says what is wrong, naming the field", () => {
    expect(hostileFields({ title: "a\u0000" })[0]?.message).toBe(
      "title contains a null character (U+0000), which is not allowed: remove it",
    );
  });

  it("replaces what it refuses, so the typed text can be shown again", () => {
    expect(cleanText("a\u0000b\ud800c🏠")).toBe("a\uFFFDb\uFFFDc🏠");
  });
});
