import { describe, expect, it } from "vitest";
import { summaryInPageOrder } from "./error-summary.js";

const page = (links: string[], fields: string) =>
  `<div class="govuk-error-summary"><ul class="govuk-list govuk-error-summary__list">
${links.map((id) => `<li>\n<a href="#${id}">${id} is wrong</a>\n</li>`).join("\n")}
</ul></div><form>${fields}</form>`;

const order = (html: string) => [...html.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);

describe("the error summary in the order of the page's fields", () => {
  it.each([
    {
      what: "a date's error put first goes where its boxes are",
      links: ["endsOn-day", "name", "noticeDays"],
      fields: '<input id="name"><input id="endsOn-day"><input id="noticeDays">',
      expected: ["name", "endsOn-day", "noticeDays"],
    },
    {
      what: "a link to nothing on the page (the whole form) stays first",
      links: ["name", "form", "kind"],
      fields: '<input id="kind"><input id="name">',
      expected: ["form", "kind", "name"],
    },
    {
      what: "already in order, unchanged",
      links: ["a", "b"],
      fields: '<input id="a"><input id="b">',
      expected: ["a", "b"],
    },
    {
      what: "an id that only ends like the target does not count",
      links: ["b", "a"],
      fields: '<p data-id="a"></p><input id="b"><input id="a">',
      expected: ["b", "a"],
    },
  ])("$what", ({ links, fields, expected }) => {
    expect(order(summaryInPageOrder(page(links, fields)))).toEqual(expected);
  });

  it("leaves a page without a summary, or with one error, as it is", () => {
    const one = page(["a"], '<input id="a">');
    expect(summaryInPageOrder(one)).toBe(one);
    expect(summaryInPageOrder("<p>Nothing wrong</p>")).toBe("<p>Nothing wrong</p>");
  });
});
