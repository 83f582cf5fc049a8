/**
 * Supplier accounts' pages (docs/tendering.md, supplier accounts): a supplier registers itself, proves
 * its address through the link sent to it, and adds colleagues.
 */
export const supplierPaths = {
  /** Open to anyone, signed in or not. */
  register: "/suppliers/register",
  /** "Check your email": the same answer whether or not the address already had an account. */
  registered: "/suppliers/register/check-your-email",
  /** Opened from the link in an email; the single-use token rides in the query string, never logged. */
  verify: "/suppliers/verify",
  /** A new link for an address not yet confirmed (the link's page says how when a link has expired). */
  newLink: "/suppliers/verify/new-link",
  colleagues: "/suppliers/colleagues",
} as const;
