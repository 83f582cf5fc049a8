import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../src/db/schema/index.js";
import { OIDC_MESSAGES } from "../../src/modules/accounts/oidc/routes.js";
import { buildTestApp, cookiesFrom, createUser, html, type TestApp } from "../helpers.js";
import { startTestOidcProvider, type TestOidcProvider } from "../oidc-provider.js";

const REDIRECT_URI = "http://localhost:3000/sign-in/oidc/callback";

let idp: TestOidcProvider;
let t: TestApp;

beforeAll(async () => {
  idp = await startTestOidcProvider({
    clientId: "commissioner",
    clientSecret: "test-client-secret",
    redirectUri: REDIRECT_URI,
  });
  t = await buildTestApp({
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: idp.clientId,
    OIDC_CLIENT_SECRET: idp.clientSecret,
    OIDC_REDIRECT_URI: REDIRECT_URI,
  });
});
afterAll(async () => {
  await t.close();
  await idp.close();
});

let subjects = 0;
const newSubject = () => `subject-${process.pid}-${++subjects}`;

/** Our app's redirect to the provider: the authorize URL and the browser's cookies. */
async function startSignIn(next = "/account", cookies: Record<string, string> = {}) {
  const response = await t.app.inject({ url: `/sign-in/oidc?next=${encodeURIComponent(next)}`, cookies });
  expect(response.statusCode).toBe(303);
  const location = new URL(String(response.headers.location));
  return { authorizeUrl: location, cookies: cookiesFrom(response, cookies) };
}

/** The browser at the provider, which sends it straight back: the callback path and query on our app. */
async function atProvider(authorizeUrl: URL): Promise<string> {
  const response = await fetch(authorizeUrl, { redirect: "manual" });
  expect(response.status).toBe(302);
  const back = new URL(response.headers.get("location") ?? "");
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
  return `${back.pathname}${back.search}`;
}

async function callback(path: string, cookies: Record<string, string>) {
  const response = await t.app.inject({ url: path, cookies });
  return { response, cookies: cookiesFrom(response, cookies) };
}

/** The whole journey: start, provider, callback. */
async function signInWithCouncil(next = "/account") {
  const started = await startSignIn(next);
  const path = await atProvider(started.authorizeUrl);
  return callback(path, started.cookies);
}

async function isSignedIn(cookies: Record<string, string>) {
  const response = await t.app.inject({ url: "/account", cookies });
  return response.statusCode === 200;
}

/** The sign-in page's error summary after a refusal. */
async function signInErrors(location: string, cookies: Record<string, string>) {
  const page = await t.app.inject({ url: location, cookies });
  expect(page.statusCode).toBe(200);
  return html(page.body)(".govuk-error-summary").text();
}

describe("council single sign-on (OpenID Connect)", () => {
  it("shows the council sign-in link on the sign-in page", async () => {
    const page = await t.app.inject({ url: "/sign-in?next=%2Faccount" });
    const link = html(page.body)('a[href^="/sign-in/oidc"]');
    expect(link.text()).toBe("Sign in with your council account");
    expect(link.attr("href")).toBe("/sign-in/oidc?next=%2Faccount");
  });

  it("sends the browser to the provider with PKCE, state and nonce kept in its session", async () => {
    const { authorizeUrl, cookies } = await startSignIn();
    expect(authorizeUrl.href.startsWith(`${idp.issuer}/authorize?`)).toBe(true);
    const q = authorizeUrl.searchParams;
    expect(q.get("client_id")).toBe("commissioner");
    expect(q.get("redirect_uri")).toBe(REDIRECT_URI);
    expect(q.get("response_type")).toBe("code");
    expect(q.get("scope")).toContain("openid");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(q.get("state")).toBeTruthy();
    expect(q.get("nonce")).toBeTruthy();
    expect(cookies.commissioner_session).toBeTruthy();
    // The verifier never leaves the server.
    expect(authorizeUrl.href).not.toContain("code_verifier");
  });

  it("signs in a registered user, linked by verified email first and by subject after", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const subject = newSubject();

    idp.willSignIn({ sub: subject, email: user.email.toUpperCase(), email_verified: true });
    const first = await signInWithCouncil("/account");
    expect(first.response.statusCode).toBe(303);
    expect(first.response.headers.location).toBe("/account");
    expect(await isSignedIn(first.cookies)).toBe(true);
    const [linked] = await t.database.db
      .select({ oidcSubject: users.oidcSubject })
      .from(users)
      .where(eq(users.id, user.id));
    expect(linked?.oidcSubject).toBe(subject);
    // The PKCE verifier went to the token endpoint.
    expect(idp.tokenRequests.at(-1)?.get("code_verifier")).toMatch(/^[\w-]{43,128}$/);

    // The provider's email has changed since: the subject still finds the same person.
    idp.willSignIn({ sub: subject, email: "someone.else@elsewhere.example", email_verified: true });
    const second = await signInWithCouncil("/");
    expect(second.response.headers.location).toBe("/");
    const home = await t.app.inject({ url: "/", cookies: second.cookies });
    expect(html(home.body)("h1").text()).toContain(`Welcome, ${user.name}`);
  });

  it("gives a fresh session cookie on sign-in, not the one that carried the state", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    idp.willSignIn({ sub: newSubject(), email: user.email, email_verified: true });
    const started = await startSignIn();
    const path = await atProvider(started.authorizeUrl);
    const done = await callback(path, started.cookies);
    expect(done.cookies.commissioner_session).toBeTruthy();
    expect(done.cookies.commissioner_session).not.toBe(started.cookies.commissioner_session);
    expect(await isSignedIn(started.cookies)).toBe(false);
  });

  it("does not ask for a TOTP code after single sign-on, even for roles that need one with a password", async () => {
    const admin = await createUser(t.services, ["administrator"]);
    idp.willSignIn({ sub: newSubject(), email: admin.email, email_verified: true });
    const { response, cookies } = await signInWithCouncil("/account");
    expect(response.headers.location).toBe("/account");
    expect(await isSignedIn(cookies)).toBe(true);
  });

  it("refuses an unknown user with a clear message, nothing signed in", async () => {
    idp.willSignIn({ sub: newSubject(), email: "not.registered@council.example", email_verified: true });
    const { response, cookies } = await signInWithCouncil("/account");
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/sign-in?next=%2Faccount");
    expect(await signInErrors(String(response.headers.location), cookies)).toContain(
      OIDC_MESSAGES.notRegistered,
    );
    expect(await isSignedIn(cookies)).toBe(false);
  });

  it("does not link an account by an email the provider says is unverified", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    idp.willSignIn({ sub: newSubject(), email: user.email, email_verified: false });
    const { response, cookies } = await signInWithCouncil();
    expect(String(response.headers.location)).toMatch(/^\/sign-in/);
    expect(await signInErrors(String(response.headers.location), cookies)).toContain(
      OIDC_MESSAGES.notRegistered,
    );
    expect(await isSignedIn(cookies)).toBe(false);
    const [row] = await t.database.db
      .select({ oidcSubject: users.oidcSubject })
      .from(users)
      .where(eq(users.id, user.id));
    expect(row?.oidcSubject).toBeNull();
  });

  it("does not let another subject take over an account already linked", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    idp.willSignIn({ sub: newSubject(), email: user.email, email_verified: true });
    expect(await isSignedIn((await signInWithCouncil()).cookies)).toBe(true);
    idp.willSignIn({ sub: newSubject(), email: user.email, email_verified: true });
    const { response, cookies } = await signInWithCouncil();
    expect(String(response.headers.location)).toMatch(/^\/sign-in/);
    expect(await isSignedIn(cookies)).toBe(false);
  });

  it("refuses a callback whose state was tampered with, nothing signed in", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    idp.willSignIn({ sub: newSubject(), email: user.email, email_verified: true });
    const started = await startSignIn();
    const path = await atProvider(started.authorizeUrl);
    const tampered = new URL(path, "http://localhost");
    tampered.searchParams.set("state", "an-attackers-state");
    const { response, cookies } = await callback(`${tampered.pathname}${tampered.search}`, started.cookies);
    expect(response.statusCode).toBe(303);
    expect(String(response.headers.location)).toMatch(/^\/sign-in/);
    expect(await signInErrors(String(response.headers.location), cookies)).toContain(OIDC_MESSAGES.failed);
    expect(await isSignedIn(cookies)).toBe(false);
    const [row] = await t.database.db
      .select({ oidcSubject: users.oidcSubject })
      .from(users)
      .where(eq(users.id, user.id));
    expect(row?.oidcSubject).toBeNull();

    // The kept state was used up: the genuine response cannot be replayed afterwards either.
    const replay = await callback(path, started.cookies);
    expect(String(replay.response.headers.location)).toMatch(/^\/sign-in/);
    expect(await isSignedIn(replay.cookies)).toBe(false);
  });

  it("refuses a callback from a browser with no sign-in in progress", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    idp.willSignIn({ sub: newSubject(), email: user.email, email_verified: true });
    const started = await startSignIn();
    const path = await atProvider(started.authorizeUrl);
    // Another browser (no cookies) arrives with the code.
    const { response, cookies } = await callback(path, {});
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/sign-in");
    expect(await signInErrors("/sign-in", cookies)).toContain(OIDC_MESSAGES.expired);
    expect(await isSignedIn(cookies)).toBe(false);
  });

  it("refuses when the provider answers with an error, nothing signed in", async () => {
    idp.willSignIn({ error: "access_denied", error_description: "The user cancelled" });
    const { response, cookies } = await signInWithCouncil();
    expect(String(response.headers.location)).toMatch(/^\/sign-in/);
    expect(await signInErrors(String(response.headers.location), cookies)).toContain(OIDC_MESSAGES.refused);
    expect(await isSignedIn(cookies)).toBe(false);
  });

  it("never sends the browser to another site after sign-in", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    idp.willSignIn({ sub: newSubject(), email: user.email, email_verified: true });
    const { response } = await signInWithCouncil("//evil.example/steal");
    expect(response.headers.location).toBe("/");
  });
});

describe("when the identity provider cannot be reached", () => {
  let down: TestApp;
  beforeAll(async () => {
    // A provider that has been stopped: its port refuses connections.
    const gone = await startTestOidcProvider({ clientId: "c", clientSecret: "s", redirectUri: REDIRECT_URI });
    await gone.close();
    down = await buildTestApp({
      OIDC_ISSUER: gone.issuer,
      OIDC_CLIENT_ID: "c",
      OIDC_CLIENT_SECRET: "s",
      OIDC_REDIRECT_URI: REDIRECT_URI,
    });
  });
  afterAll(async () => down.close());

  it("says council sign-in is unavailable and keeps password sign-in open", async () => {
    const response = await down.app.inject({ url: "/sign-in/oidc?next=%2Faccount" });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/sign-in?next=%2Faccount");
    const page = await down.app.inject({
      url: String(response.headers.location),
      cookies: cookiesFrom(response),
    });
    const $ = html(page.body);
    expect($(".govuk-error-summary").text()).toContain(OIDC_MESSAGES.unavailable);
    expect($("#password")).toHaveLength(1);
  });
});

describe("without OIDC configuration", () => {
  let plain: TestApp;
  beforeAll(async () => {
    plain = await buildTestApp();
  });
  afterAll(async () => plain.close());

  it("has no single sign-on routes", async () => {
    expect((await plain.app.inject({ url: "/sign-in/oidc" })).statusCode).toBe(404);
    expect((await plain.app.inject({ url: "/sign-in/oidc/callback?code=x&state=y" })).statusCode).toBe(404);
  });

  it("shows no council sign-in link on the sign-in page", async () => {
    const page = await plain.app.inject({ url: "/sign-in" });
    expect(page.statusCode).toBe(200);
    const $ = html(page.body);
    expect($('a[href^="/sign-in/oidc"]')).toHaveLength(0);
    expect($("h2").text()).not.toContain("Council staff");
  });
});
