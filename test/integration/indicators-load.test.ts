import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../src/db/schema/index.js";
import { FORMATS } from "../../src/domain/indicators/formats.js";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import { generateTreatmentEpisodes, providerCodes } from "../../src/modules/demo/generator.js";
import { emptyDataset } from "../generators/indicators.js";
import { apiTokenFor, buildTestApp, createUser, type TestApp, asFixture } from "../helpers.js";
import { loadIndicatorData } from "../indicator-data.js";

/**
 * Heavy indicator computations must not stall the service (docs/security.md): on the embedded
 * database a computation holds the web process's thread, so four sent at once are queued and run one
 * at a time with a pause between, and a health check waits for at most the one in progress, not for
 * all four. Measured over real HTTP (a listening server), since the point is the event loop.
 */

const ROWS = 12_000;
const PERIOD_ENDS = ["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31"];

let t: TestApp;
let token: string;
let base: string;

beforeAll(async () => {
  t = await buildTestApp();
  for (const code of providerCodes(5))
    await t.services.organisations.create(SYSTEM_ACTOR, {
      name: `Load provider ${code}`,
      kind: "provider",
      code,
      companyNumber: undefined,
      charityNumber: undefined,
    });
  await loadIndicatorData(t.database.db, {
    ...emptyDataset(),
    treatmentEpisodes: [...generateTreatmentEpisodes({ rows: ROWS, seed: 7, providers: 5 })],
  });
  // Loaded straight into the tables: under this installation's key, so that imports may follow.
  await asFixture(t.database.db, (tx) => tx.update(datasets).set({ keyId: t.services.datasets.keyId }));
  token = await apiTokenFor(t.services, (await createUser(t.services, ["commissioner"])).id);
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  const address = t.app.server.address();
  if (address === null || typeof address === "string") throw new Error("not listening");
  base = `http://127.0.0.1:${address.port}`;
}, 180_000);
afterAll(async () => t.close());

/** One health check on a connection of its own, as a load balancer's probe makes it. */
function healthz(): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}/healthz`, { agent: false }, (response) => {
        response.resume();
        response.on("end", () => {
          resolve(response.statusCode ?? 0);
        });
      })
      .on("error", reject);
  });
}

const values = (periodEnd: string) =>
  fetch(`${base}/api/v1/indicator-values?framework=A&periodEnd=${periodEnd}`, {
    headers: { authorization: `Bearer ${token}` },
  });

describe("four heavy indicator computations at once", () => {
  it("leave /healthz answering: it waits for the computation in progress, not for all of them", async () => {
    // Warm up the statement once (another period end, so that nothing below is kept from it).
    expect((await values("2023-12-31")).status).toBe(200);

    const started = performance.now();
    const heavyRunning = { now: true };
    const heavy = Promise.all(PERIOD_ENDS.map((end) => values(end).then((r) => r.status))).finally(() => {
      heavyRunning.now = false;
    });
    // Once the four have reached the server, as in the probe that found the stall.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const latencies: number[] = [];
    while (heavyRunning.now) {
      const sent = performance.now();
      expect(await healthz()).toBe(200);
      latencies.push(performance.now() - sent);
    }
    expect(await heavy).toEqual([200, 200, 200, 200]);
    const total = performance.now() - started;
    const worst = Math.max(...latencies);
    console.log(
      `/healthz while 4 computations ran (${ROWS.toLocaleString("en-GB")} episodes, ${t.database.kind}): ` +
        `worst ${worst.toFixed(0)} ms over ${latencies.length} checks; the four took ${total.toFixed(0)} ms`,
    );
    // Before the queue the first check waited for all four to end, so one check was all there was
    // time for; now each waits for the computation in progress at most (measured: the worst about a
    // third of the four's time, against 60% and more before). Generous bounds, so that a busy machine
    // does not make it fail.
    expect(latencies.length).toBeGreaterThanOrEqual(3);
    expect(worst).toBeLessThan(0.85 * total);
  }, 120_000);

  it("keeps what it computed: the same four again are answered from what was kept", async () => {
    const before = t.services.indicators.stats();
    const started = performance.now();
    const statuses = await Promise.all(PERIOD_ENDS.map((end) => values(end).then((r) => r.status)));
    expect(statuses).toEqual([200, 200, 200, 200]);
    const after = t.services.indicators.stats();
    expect(after.misses).toBe(before.misses);
    expect(after.hits).toBe(before.hits + 4);
    console.log(`the same four again, kept: ${(performance.now() - started).toFixed(0)} ms`);
  });
});

describe("what is kept", () => {
  const COLUMNS = FORMATS["treatment-journeys"].columns.map((c) => c.name);
  const row = (fields: Record<string, string>) => COLUMNS.map((c) => fields[c] ?? "").join(",");
  const importEpisode = async (fields: Record<string, string>, replace = false) => {
    const response = await t.app.inject({
      method: "POST",
      url: `/api/v1/datasets/treatment-journeys${replace ? "?replace=true" : ""}`,
      headers: { authorization: `Bearer ${token}`, "content-type": "text/csv" },
      payload: `${COLUMNS.join(",")}\n${row(fields)}\n`,
    });
    expect(response.statusCode, response.body).toBe(201);
  };
  const allProviders = async (code: string) => {
    const response = await values("2025-03-31");
    const body = (await response.json()) as {
      items: { code: string; providerCode: string | null; numerator: number }[];
    };
    return body.items.find((i) => i.code === code && i.providerCode === null)?.numerator;
  };

  it("is computed afresh after an import, and after a replacement", async () => {
    const sm01 = await allProviders("SM01");
    const sm04 = await allProviders("SM04");
    expect(await allProviders("SM01")).toBe(sm01);

    const episode = {
      episode_id: "KEPT-1",
      client_ref: "kept-client",
      provider_code: "P01",
      date_of_birth: "1980-01-01",
      triage_date: "2025-01-10",
      substances: "opiate",
      referral_source: "self",
    };
    await importEpisode(episode);
    expect(await allProviders("SM01")).toBe((sm01 ?? 0) + 1);

    await importEpisode({ ...episode, substances: "alcohol" }, true);
    expect(await allProviders("SM01")).toBe(sm01);
    expect(await allProviders("SM04")).toBe((sm04 ?? 0) + 1);
  });
});
