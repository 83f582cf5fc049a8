/** A user's administration pages (typed paths), beside `paths.user` in src/web/paths.ts. */
export const userPaths = {
  deactivate: (id = ":id") => `/users/${id}/deactivate`,
  reactivate: (id = ":id") => `/users/${id}/reactivate`,
  unlock: (id = ":id") => `/users/${id}/unlock`,
  resetTwoFactor: (id = ":id") => `/users/${id}/two-factor/reset`,
} as const;
