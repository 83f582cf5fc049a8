import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFromEnvironment, type Config } from "../../src/config.js";
import type { Database } from "../../src/db/client.js";
import {
  clarifications,
  tenderInterests,
  tenderOpenings,
  tenders,
  tenderSubmissions,
  users,
} from "../../src/db/schema/index.js";
import { fixedClock } from "../../src/domain/clock.js";
import { INDICATOR_DEFINITIONS } from "../../src/domain/indicators/definitions.js";
import { verifyPassword } from "../../src/modules/accounts/passwords.js";
import { verifyAuditChain } from "../../src/modules/audit/service.js";
import {
  DEMO_ORGANISATIONS,
  DEMO_PROJECTS,
  demoSignInsFile,
  ensureDemoData,
  type DemoSignIn,
} from "../../src/modules/demo/demo.js";
import { FRAMEWORKS, computeIndicators } from "../../src/modules/indicators/service.js";
import { createServices, type Services } from "../../src/services.js";
import { createTestDatabase } from "../helpers.js";

/**
 * The demo world (README, "Quick start"): loaded on a day other than the one its dates were written
 * on, it still has projects at each stage, one stuck, one overdue and one rejected, and figures for
 * every indicator. Its dates count back from the injected clock's today.
 */
const TODAY = "2031-07-15";

let database: Database;
let services: Services;
let config: Config;
let signIns: DemoSignIn[];
let dataDir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "demo-world-"));
  config = configFromEnvironment({ DATA_DIR: dataDir }, () => "s".repeat(32));
  services = createServices(database, config, fixedClock(TODAY));
  signIns = (await ensureDemoData(services, config)) ?? [];
}, 180_000);

afterAll(async () => {
  await database.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function projectTitled(title: string) {
  const { items } = await services.projects.list({ limit: 100 });
  const found = items.find((p) => p.title === title);
  if (!found) throw new Error(`no demo project ${title}`);
  return found;
}

describe("the demo's accounts", () => {
  it("each have a random password of their own, kept in the sign-ins file", async () => {
    const passwords = signIns.map((s) => s.password);
    expect(new Set(passwords).size).toBe(signIns.length);
    for (const password of passwords) expect(password).toMatch(/^demo-[A-Za-z0-9_-]{12}$/);
    expect(JSON.parse(fs.readFileSync(demoSignInsFile(config), "utf8"))).toEqual(signIns);
    const [first, second] = signIns;
    if (!first || !second) throw new Error("no demo sign-ins");
    const [row] = await database.db
      .select({ hash: users.passwordHash })
      .from(users)
      .where(eq(users.email, first.email));
    expect(await verifyPassword(row?.hash ?? "", first.password)).toBe(true);
    expect(await verifyPassword(row?.hash ?? "", second.password)).toBe(false);
  });
});

describe("the demo's projects", () => {
  it("stand at each of stages 1 to 4, and one's recommendation was rejected (§3.17)", async () => {
    const { items } = await services.projects.list({ limit: 100 });
    expect(items).toHaveLength(DEMO_PROJECTS.length);
    const open = items.filter((p) => p.outcome === "open").map((p) => p.stage);
    for (const stage of [1, 2, 3, 4]) expect(open).toContain(stage);
    const rejected = items.filter((p) => p.outcome === "rejected");
    expect(rejected.map((p) => p.stage)).toEqual(["closed"]);
    const page = await services.projects.homePage(rejected[0]?.id ?? "");
    expect(page?.costAvoidancePaper).toEqual({ required: true, uploaded: true });
  });

  it("include one stuck at its gate for want of an approval, with nothing else missing", async () => {
    const stuck = await projectTitled("Young people's substance misuse service");
    const page = await services.projects.homePage(stuck.id);
    expect(page?.gate).toMatchObject({ stage: 2, canAdvance: false });
    expect(page?.gate.missing.map((m) => [m.kind, m.output, m.bodyCode])).toEqual([
      ["approval", "business-case", "KDAAT_BOARD"],
    ]);
  });

  it("include one with checklist tasks overdue and a risk review overdue, on whatever day it is loaded", async () => {
    const late = await projectTitled("Floating support for older people");
    const { items } = await services.projects.list({ overdue: true, limit: 100 });
    expect(items.map((p) => p.title)).toEqual([late.title]);
    const page = await services.projects.homePage(late.id);
    expect(page?.overdueTasks.map((t) => t.taskKey).sort()).toEqual(["1.2", "3.2", "4.1"]);
    expect(page?.overdueRiskReviews).toHaveLength(1);
  });

  it("have their papers, governance decisions, risks, EqIA and checklist progress", async () => {
    const { items } = await services.projects.list({ limit: 100 });
    for (const project of items.filter((p) => p.stage !== 1)) {
      const documents = await services.projects.documents.list(project.id);
      expect(documents.map((d) => d.kind)).toEqual(
        expect.arrayContaining(["needs-assessment", "business-case", "market-capacity-report"]),
      );
      const decisions = await services.projects.decisions.list(project.id);
      expect(decisions.length).toBeGreaterThanOrEqual(3);
      expect((await services.risks.list(project.id))?.items.length).toBeGreaterThanOrEqual(1);
      const eqia = await services.eqia.get(project.id);
      expect(eqia?.eqia).toMatchObject({ screeningDone: true, signedOff: { byName: "Sam Equalities" } });
      const checklist = await services.checklist.get(project.id);
      expect(checklist?.progress.completed).toBeGreaterThan(3);
    }
  });
});

describe("the demo providers' client-level data", () => {
  it("gives every indicator figures for the last quarter and year", async () => {
    const periodEnd = lastQuarterEnd(TODAY);
    const providers = new Set(
      DEMO_ORGANISATIONS.filter((o) => o.kind === "provider").map((o) => o.code ?? ""),
    );
    const withFigures = new Set<string>();
    for (const framework of FRAMEWORKS) {
      for (const r of await computeIndicators(database.db, { framework, periodEnd })) {
        if (r.providerCode && providers.has(r.providerCode) && (r.denominator ?? r.numerator) > 0)
          withFigures.add(r.code);
      }
    }
    const codes = INDICATOR_DEFINITIONS.map((d) => d.code);
    expect(codes.filter((c) => !withFigures.has(c))).toEqual([]);
  });
});

describe("the demo's tenders", () => {
  it("are one closed with two sealed submissions, not opened, and one open for bids (App C 5.1–5.6)", async () => {
    const db = database.db;
    const rows = await db.select().from(tenders);
    expect(rows).toHaveLength(2);
    expect(rows.every((t) => t.status === "published")).toBe(true);
    const now = new Date(`${TODAY}T12:00:00Z`);
    const closed = rows.filter((t) => t.submissionDeadline < now);
    const open = rows.filter((t) => t.submissionDeadline > now);
    expect(closed).toHaveLength(1);
    expect(open).toHaveLength(1);
    const [awaiting] = closed;
    const [live] = open;
    if (!awaiting || !live) throw new Error("no demo tenders");
    expect(await db.select().from(tenderOpenings).where(eq(tenderOpenings.tenderId, awaiting.id))).toEqual(
      [],
    );
    const submitted = await db
      .select()
      .from(tenderSubmissions)
      .where(eq(tenderSubmissions.tenderId, awaiting.id));
    expect(submitted.filter((s) => s.status === "submitted")).toHaveLength(2);
    expect(new Set(submitted.map((s) => s.organisationId)).size).toBe(2);
    const questions = await db.select().from(clarifications).where(eq(clarifications.tenderId, awaiting.id));
    expect(questions).toHaveLength(2);
    expect(questions.filter((q) => q.answeredAt === null)).toHaveLength(1);
    expect(questions.filter((q) => q.visibility === "all")).toHaveLength(1);
    const days = (live.submissionDeadline.getTime() - now.getTime()) / 86_400_000;
    expect(days).toBeGreaterThan(14);
    expect(await db.select().from(tenderInterests).where(eq(tenderInterests.tenderId, live.id))).toHaveLength(
      1,
    );
    expect(await db.select().from(tenderSubmissions).where(eq(tenderSubmissions.tenderId, live.id))).toEqual(
      [],
    );
  });

  it("are found by anyone on the opportunities page while open", async () => {
    const listed = await services.opportunities.list({});
    expect(listed.map((o) => o.title)).toEqual(["Street outreach and recovery support, Medway"]);
  });
});

describe("the demo's records", () => {
  it("were all made through the services: every one audited, the chain intact", async () => {
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });
});

/** The last day of the quarter before the one `today` falls in. */
function lastQuarterEnd(today: string): string {
  const month = Number(today.slice(5, 7));
  const year = Number(today.slice(0, 4));
  const quarterStartMonth = month - ((month - 1) % 3);
  if (quarterStartMonth === 1) return `${String(year - 1)}-12-31`;
  const end = new Date(Date.UTC(year, quarterStartMonth - 1, 0));
  return end.toISOString().slice(0, 10);
}
