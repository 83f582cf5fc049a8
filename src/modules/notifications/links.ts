/**
 * The absolute links that messages carry (a message is read outside the service, so a path is not
 * enough). The composition root builds them once from PUBLIC_URL and the pages' paths.
 */
export interface MessageLinks {
  signIn: string;
  /** The page that sets a password with a single-use token (the token rides in the query string). */
  resetPassword: (token: string) => string;
  /** What awaits a governance body's decision. */
  awaiting: (bodyCode: string) => string;
}
