/**
 * The GOV.UK error summary lists its errors in the order the fields appear on the page ("Error summary":
 * "list errors in the same order as they appear on the page"). Errors come from several places (a date's
 * own boxes, the form's schema, the use case), none of which knows where the template puts each field; the
 * rendered page does. So a page with an error summary has its list put in the order of the elements its
 * links point to. A link to nothing on the page (a refusal of the whole form) stays first, as it came.
 */

const LIST = /(<ul class="govuk-list govuk-error-summary__list">)([\s\S]*?)(<\/ul>)/;
const ITEM = /<li>[\s\S]*?<\/li>/g;
const HREF = /href="#([^"]+)"/;

/** The page with its error summary's items in the order of the fields they link to. */
export function summaryInPageOrder(html: string): string {
  const list = LIST.exec(html);
  if (!list) return html;
  const [whole, open = "", items = "", close = ""] = list;
  const found = items.match(ITEM);
  if (!found || found.length < 2) return html;
  const afterList = list.index + whole.length;
  const position = (item: string): number => {
    const id = HREF.exec(item)?.[1];
    if (id === undefined) return -1;
    return html.indexOf(` id="${id}"`, afterList);
  };
  const ordered = found
    .map((item, index) => ({ item, index, at: position(item) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map((entry) => entry.item);
  return `${html.slice(0, list.index)}${open}\n${ordered.join("\n")}\n${close}${html.slice(afterList)}`;
}
