/** The EqIA's pages (typed paths; they belong in src/web/paths.ts once that file takes them). */
export const eqiaPaths = {
  eqia: (id = ":id") => `/projects/${id}/eqia`,
  eqiaSignOff: (id = ":id") => `/projects/${id}/eqia/sign-off`,
} as const;
