import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import type { Database } from "../../src/db/client.js";
import type { Config } from "../../src/config.js";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import { auditHead, ChangeCache, changeVersionFor } from "../../src/modules/audit/changes.js";
import { recordAudit } from "../../src/modules/audit/service.js";
import { buildApp } from "../../src/web/app.js";
import {
  apiTokenFor,
  createTestDatabase,
  createUser,
  html,
  postForm,
  signIn,
  testConfig,
} from "../helpers.js";

/**
 * Pages kept until the next audited change (src/modules/audit/changes.ts): two instances of the app on
 * one database, as behind a load balancer, so that a change made through one must show on the other.
 */
let database: Database;
let config: Config;
let one: FastifyInstance;
let other: FastifyInstance;
let token: string;
let commissioner: Record<string, string>;
let secondCommissioner: Record<string, string>;
let evaluator: Record<string, string>;
let projectId: string;

const auth = () => ({ authorization: `Bearer ${token}` });

async function audited(label: string) {
  await database.db.transaction(async (tx) => {
    await recordAudit(tx, SYSTEM_ACTOR, {
      entityType: "test",
      entityId: label,
      action: "touch",
      summary: {},
    });
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  config = testConfig();
  one = await buildApp(config, { database, logger: false });
  other = await buildApp(config, { database, logger: false });
  await one.ready();
  await other.ready();
  const user = await createUser(one.services, ["commissioner"]);
  token = await apiTokenFor(one.services, user.id);
  commissioner = await signIn(one, user.email);
  secondCommissioner = await signIn(one, (await createUser(one.services, ["commissioner"])).email);
  evaluator = await signIn(one, (await createUser(one.services, ["evaluator"])).email);
  const created = await one.inject({
    method: "POST",
    url: "/api/v1/projects",
    headers: auth(),
    payload: { title: "Kept page, first title", programmeCode: "KDAAT", estimatedValuePence: 40_000_000 },
  });
  expect(created.statusCode, created.body).toBe(201);
  projectId = created.json<{ id: string }>().id;
});

afterAll(async () => {
  await one.close();
  await other.close();
  await database.close();
});

describe("ChangeCache", () => {
  it("computes once while the audit chain's head stays put, and again after an audited change", async () => {
    const cache = new ChangeCache<number>(changeVersionFor(database), 10);
    let computed = 0;
    const compute = () => Promise.resolve(++computed);
    expect(await cache.get("k", compute)).toBe(1);
    expect(await cache.get("k", compute)).toBe(1);
    const version = changeVersionFor(database);
    const [before, versionBefore] = [await auditHead(database.db), await version()];
    await audited("head moves");
    expect(await auditHead(database.db)).toBe(before + 1);
    expect(await version()).not.toBe(versionBefore);
    expect(await cache.get("k", compute)).toBe(2);
    expect(await cache.get("other key", compute)).toBe(3);
  });

  it("shares one computation between requests that arrive while it runs", async () => {
    const cache = new ChangeCache<string>(changeVersionFor(database), 10);
    let computed = 0;
    let finish: (value: string) => void = () => undefined;
    const slow = () => {
      computed++;
      return new Promise<string>((resolve) => (finish = resolve));
    };
    const first = cache.get("shared", slow);
    const second = cache.get("shared", slow);
    // Both have read the head and found the computation under way before it finishes.
    await new Promise((resolve) => setTimeout(resolve, 50));
    finish("done");
    expect(await Promise.all([first, second])).toEqual(["done", "done"]);
    expect(computed).toBe(1);
  });

  it("does not keep a failure: the next request computes again", async () => {
    const cache = new ChangeCache<string>(changeVersionFor(database), 10);
    await expect(cache.get("fails", () => Promise.reject(new Error("database away")))).rejects.toThrow(
      "database away",
    );
    expect(await cache.get("fails", () => Promise.resolve("recovered"))).toBe("recovered");
  });

  it("keeps at most its number of entries, dropping the least recently used", async () => {
    const cache = new ChangeCache<string>(changeVersionFor(database), 2);
    let computed = 0;
    const compute = (value: string) => () => {
      computed++;
      return Promise.resolve(value);
    };
    await cache.get("a", compute("a"));
    await cache.get("b", compute("b"));
    await cache.get("a", compute("a")); // a is now the most recently used
    await cache.get("c", compute("c")); // b goes
    expect(cache.size).toBe(2);
    expect(computed).toBe(3);
    await cache.get("a", compute("a"));
    expect(computed).toBe(3);
    await cache.get("b", compute("b"));
    expect(computed).toBe(4);
  });
});

describe("kept pages on two instances of the app", () => {
  it("shows a change made through the other instance on the next view", async () => {
    const url = `/projects/${projectId}`;
    const before = await one.inject({ url, cookies: commissioner });
    expect(html(before.body)("h1").text()).toBe("Kept page, first title");
    const changed = await other.inject({
      method: "PATCH",
      url: `/api/v1/projects/${projectId}`,
      headers: auth(),
      payload: { title: "Kept page, second title", version: 1 },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    const after = await one.inject({ url, cookies: commissioner });
    expect(html(after.body)("h1").text()).toBe("Kept page, second title");
    expect(html(after.body)("title").text()).toContain("Kept page, second title");
  });

  it("shows the pipeline as it is after a change made through the other instance", async () => {
    const count = async () => {
      const page = html((await one.inject({ url: "/pipeline", cookies: commissioner })).body);
      return Number(page('tr[data-programme="KSE"] td').first().text().trim());
    };
    const before = await count();
    const created = await other.inject({
      method: "POST",
      url: "/api/v1/projects",
      headers: auth(),
      payload: { title: "Another KSE project", programmeCode: "KSE", estimatedValuePence: 10_000_000 },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(await count()).toBe(before + 1);
  });

  it("gives each person their own CSRF token in a page kept for everyone with their roles", async () => {
    const url = `/projects/${projectId}`;
    const tokens = async (cookies: Record<string, string>) => {
      const page = html((await one.inject({ url, cookies })).body);
      return page('input[name="_csrf"]')
        .map((_i, el) => String(page(el).val()))
        .get();
    };
    const mine = await tokens(commissioner);
    const theirs = await tokens(secondCommissioner);
    expect(mine.length).toBeGreaterThan(1);
    expect(new Set(mine).size).toBe(1);
    expect(new Set(theirs).size).toBe(1);
    expect(mine[0]).not.toBe(theirs[0]);
    expect(mine.join("")).not.toContain("placeholder");
    // The token on the kept page is one the form accepts.
    const posted = await postForm(one, url, `/projects/${projectId}/decisions`, secondCommissioner, {
      subjectId: projectId,
      bodyCode: "",
    });
    expect(posted.response.statusCode).toBe(303);
    expect(posted.response.statusCode).not.toBe(403);
  });

  it("keeps a page per set of roles: one who may not change the project sees no change link", async () => {
    const url = `/projects/${projectId}`;
    const editHref = `/projects/${projectId}/edit`;
    const asCommissioner = html((await one.inject({ url, cookies: commissioner })).body);
    expect(asCommissioner(`a[href="${editHref}"]`).length).toBeGreaterThan(0);
    const asEvaluator = html((await one.inject({ url, cookies: evaluator })).body);
    expect(asEvaluator("h1").text()).toBe(asCommissioner("h1").text());
    expect(asEvaluator(`a[href="${editHref}"]`).length).toBe(0);
    const decisions = `/projects/${projectId}/decisions`;
    const recordForm = 'form[action$="/decisions"]';
    expect(html((await one.inject({ url: decisions, cookies: commissioner })).body)(recordForm).length).toBe(
      1,
    );
    expect(html((await one.inject({ url: decisions, cookies: evaluator })).body)(recordForm).length).toBe(0);
  });

  it("never keeps a page that shows what someone typed into a refused form", async () => {
    const url = `/projects/${projectId}/decisions`;
    const refused = await postForm(one, url, url, commissioner, {
      subjectId: projectId,
      bodyCode: "",
      minutesRef: "typed-by-the-first-commissioner",
    });
    expect(refused.response.headers.location).toBe(url);
    const withErrors = await one.inject({ url, cookies: refused.cookies });
    expect(withErrors.body).toContain("typed-by-the-first-commissioner");
    expect(html(withErrors.body)(".govuk-error-summary").length).toBe(1);
    // Neither the next view nor anyone else's shows it.
    const again = await one.inject({ url, cookies: refused.cookies });
    expect(again.body).not.toContain("typed-by-the-first-commissioner");
    const someoneElse = await one.inject({ url, cookies: secondCommissioner });
    expect(someoneElse.body).not.toContain("typed-by-the-first-commissioner");
  });
});
