/** The GOV.UK pagination component's arguments for page `current` of `pages`; null for one page. */
export function pagination(current: number, pages: number, href: (n: number) => string) {
  if (pages <= 1) return null;
  return {
    previous: current > 1 ? { href: href(current - 1) } : undefined,
    next: current < pages ? { href: href(current + 1) } : undefined,
    items: Array.from({ length: pages }, (_v, i) => ({
      number: i + 1,
      href: href(i + 1),
      current: i + 1 === current,
    })),
  };
}
