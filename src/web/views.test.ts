import nunjucks from "nunjucks";
import { describe, expect, it } from "vitest";
import { configureNunjucks, trimKeepingSafeness } from "./views.js";

describe("the trim filter", () => {
  const env = new nunjucks.Environment(null, { autoescape: true });
  configureNunjucks(env);

  it.each([
    ["plain text", "  a b  ", "a b"],
    ["line ends and tabs", "\n\t a\n b \r\n", "a\n b"],
    ["nothing to trim", "a", "a"],
    ["only white space", " \n\t ", ""],
    ["a number", 42, "42"],
    ["undefined", undefined, ""],
    ["null", null, ""],
    ["non-breaking space, as String#trim and \\s both count it", "\u00a0a\u00a0", "a"],
  ])("%s", (_name, input, expected) => {
    expect(trimKeepingSafeness(input)).toBe(expected);
  });

  it("keeps markup marked safe, safe, and still escapes text that is not", () => {
    const rendered = env.renderString("{{ safe | trim }}|{{ unsafe | trim }}", {
      safe: new nunjucks.runtime.SafeString("  <b>x</b>  "),
      unsafe: "  <b>x</b>  ",
    });
    expect(rendered).toBe("<b>x</b>|&lt;b&gt;x&lt;/b&gt;");
  });

  it("refuses what is not text, as Nunjucks' own filter did, rather than printing [object Object]", () => {
    expect(() => trimKeepingSafeness({ a: 1 })).toThrow("the trim filter takes text");
  });
});

describe("the mojDate filter MOJ Frontend's components call", () => {
  const env = new nunjucks.Environment(null, { autoescape: true });
  configureNunjucks(env);

  it.each([
    ["a date and time in London", "2025-06-01T13:05:00.000Z", "datetime", "1 June 2025 at 2:05 pm"],
    ["noon, as people say it", "2027-02-01T12:00:00.000Z", "datetime", "1 February 2027 at 12:00 pm"],
    ["half past midnight", "2027-02-01T00:30:00.000Z", "datetime", "1 February 2027 at 12:30 am"],
    ["a date alone", "2025-06-01T13:05:00.000Z", "date", "1 June 2025"],
    ["nothing", "", "datetime", ""],
  ])("%s", (_name, value, type, expected) => {
    expect(env.renderString("{{ value | mojDate(type) }}", { value, type })).toBe(expected);
  });
});
