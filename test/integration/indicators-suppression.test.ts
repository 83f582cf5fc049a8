import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseIndicatorsArguments, runIndicators } from "../../src/cli/indicators.js";
import type { IndicatorDataset } from "../../src/domain/indicators/reference.js";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import { emptyDataset, episode } from "../generators/indicators.js";
import { apiTokenFor, buildTestApp, createUser, html, signIn, type TestApp } from "../helpers.js";
import { loadIndicatorData } from "../indicator-data.js";

/**
 * Secondary suppression where a provider's users see figures (docs/indicators.md, suppression; the rule is
 * `suppressAgainstDifferencing` in src/domain/indicators/terms.ts): SP1 has 10 adult drug users in
 * treatment and SP2 has 2, so all providers together have 12, which is not small; but 12 less SP1's own
 * 10 would tell SP1's users that the other providers have 2. So SP1's users see the total as `*`;
 * SP2's users (12 − 2 = 10) and staff see 12.
 */

const PERIOD_END = "2025-03-31";

const DATA: IndicatorDataset = {
  ...emptyDataset(),
  treatmentEpisodes: [
    ...Array.from({ length: 10 }, (_, i) =>
      episode({ episodeId: `a${i}`, clientHash: `ca${i}`, providerCode: "SP1", triageDate: "2024-06-01" }),
    ),
    ...Array.from({ length: 2 }, (_, i) =>
      episode({ episodeId: `b${i}`, clientHash: `cb${i}`, providerCode: "SP2", triageDate: "2024-06-01" }),
    ),
  ],
};

let t: TestApp;
const tokens: Record<string, string> = {};
let sp1Cookies: Record<string, string>;

beforeAll(async () => {
  t = await buildTestApp();
  for (const code of ["SP1", "SP2"]) {
    await t.services.organisations.create(SYSTEM_ACTOR, {
      name: `Suppression provider ${code}`,
      kind: "provider",
      code,
      companyNumber: undefined,
      charityNumber: undefined,
    });
    const user = await createUser(t.services, ["provider-user"], { organisationCode: code });
    tokens[code] = await apiTokenFor(t.services, user.id);
    if (code === "SP1") sp1Cookies = await signIn(t.app, user.email);
  }
  tokens.staff = await apiTokenFor(t.services, (await createUser(t.services, ["commissioner"])).id);
  await loadIndicatorData(t.database.db, DATA);
});
afterAll(async () => t.close());

interface Item {
  code: string;
  providerCode: string | null;
  numerator: number | "*";
  denominator: number | "*" | null;
  value: number | "*" | null;
  suppressed: boolean;
}

async function sm01(who: string) {
  const response = await t.app.inject({
    url: `/api/v1/indicator-values?framework=A&periodEnd=${PERIOD_END}`,
    headers: { authorization: `Bearer ${tokens[who] ?? ""}` },
  });
  expect(response.statusCode).toBe(200);
  const items = response.json<{ items: Item[] }>().items.filter((i) => i.code === "SM01");
  return Object.fromEntries(items.map((i) => [i.providerCode ?? "all", i]));
}

describe("the all-providers figure beside a provider's own", () => {
  it("is hidden from a provider's users when taking their own figure from it leaves 1 to 4 (API)", async () => {
    const sp1 = await sm01("SP1");
    expect(sp1.SP1).toMatchObject({ numerator: 10, value: 10, suppressed: false });
    expect(sp1.all).toMatchObject({ numerator: "*", value: "*", suppressed: true });
  });

  it("is shown to a provider whose difference is 5 or more, and to staff as computed", async () => {
    const sp2 = await sm01("SP2");
    expect(sp2.SP2).toMatchObject({ numerator: 2, value: 2 });
    expect(sp2.all).toMatchObject({ numerator: 12, value: 12, suppressed: true });
    expect((await sm01("staff")).all).toMatchObject({ numerator: 12, value: 12, suppressed: false });
  });

  it("hides the percentage built on it too (SM03: its denominator is SM01)", async () => {
    const response = await t.app.inject({
      url: `/api/v1/indicator-values?framework=A&periodEnd=${PERIOD_END}`,
      headers: { authorization: `Bearer ${tokens.SP1 ?? ""}` },
    });
    const all = response
      .json<{ items: Item[] }>()
      .items.find((i) => i.code === "SM03" && i.providerCode === null);
    expect(all).toMatchObject({ denominator: "*" });
  });

  it("is shown as * on the values page, with the note that says why", async () => {
    const response = await t.app.inject({
      url: `/indicators/values?framework=A&periodEnd=${PERIOD_END}`,
      cookies: sp1Cookies,
    });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    const first = $("#values-sm01 tbody tr").first();
    expect(first.find("th").text().trim()).toBe("All providers");
    expect(first.find("td").first().text().trim()).toBe("*");
    expect($("#suppression-note").text()).toContain("your own");
  });

  it("is what `commissioner indicators --for-provider` prints, to send a provider its figures", async () => {
    const lines: string[] = [];
    const output = { out: (line: string) => lines.push(line), err: () => undefined };
    await runIndicators(
      { database: t.database },
      parseIndicatorsArguments({ framework: "A", periodEnd: PERIOD_END, forProvider: "SP1", format: "csv" }),
      output,
    );
    expect(lines[0]).toBe(
      "code,providerCode,periodStart,periodEnd,numerator,denominator,value,complete,suppressed",
    );
    const sm01 = lines.filter((l) => l.startsWith("SM01,"));
    expect(sm01).toEqual([
      "SM01,,2024-04-01,2025-03-31,*,,*,true,true",
      "SM01,SP1,2024-04-01,2025-03-31,10,,10,true,false",
    ]);
    expect(() =>
      parseIndicatorsArguments({
        framework: "A",
        periodEnd: PERIOD_END,
        forProvider: "SP1",
        provider: "SP1",
      }),
    ).toThrow(/--for-provider/);
  });
});
