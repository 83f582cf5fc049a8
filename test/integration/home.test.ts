import { Readable } from "node:stream";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checklistTasks, risks } from "../../src/db/schema/index.js";
import { systemClock } from "../../src/domain/clock.js";
import { lastCompleteQuarter, quarterContaining } from "../../src/domain/data-returns.js";
import { addDays } from "../../src/domain/dates.js";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import { longDate } from "../../src/modules/home/presenter.js";
import {
  addMembership,
  apiTokenFor,
  asFixture,
  buildTestApp,
  createProjectThroughApi,
  createUser,
  html,
  signIn,
  signInAdministrator,
  type TestApp,
} from "../helpers.js";

/**
 * The home page shows what needs the person signed in: each role's own work, links to it, and an
 * empty state that says what to do next; never someone else's work.
 */

let t: TestApp;
const today = systemClock.today();
let commissioner: { id: string; email: string };
let other: { id: string; email: string };
let mine: { id: string; title: string };
let theirs: { id: string; title: string };

async function homeOf(cookies: Record<string, string>) {
  const response = await t.app.inject({ url: "/", cookies });
  expect(response.statusCode, response.body).toBe(200);
  return html(response.body);
}

async function planTask(projectId: string, taskKey: string, plannedOn: string) {
  await asFixture(t.database.db, (tx) =>
    tx
      .update(checklistTasks)
      .set({ plannedOn, status: "planned" })
      .where(and(eq(checklistTasks.projectId, projectId), eq(checklistTasks.taskKey, taskKey))),
  );
}

async function addRisk(projectId: string, title: string, reviewOn: string) {
  await asFixture(t.database.db, (tx) =>
    tx.insert(risks).values({ projectId, title, likelihood: 3, impact: 3, owner: "Lead", reviewOn }),
  );
}

beforeAll(async () => {
  t = await buildTestApp();
  commissioner = await createUser(t.services, ["commissioner"]);
  other = await createUser(t.services, ["commissioner"]);
  const token = await apiTokenFor(t.services, commissioner.id);
  const otherToken = await apiTokenFor(t.services, other.id);
  mine = await createProjectThroughApi(t.app, token, { title: "Adult treatment recommissioning" });
  theirs = await createProjectThroughApi(t.app, otherToken, {
    title: "Floating support review",
    programmeCode: "SP",
  });
  await planTask(mine.id, "1.1", addDays(today, -5));
  await planTask(mine.id, "1.2", addDays(today, 3));
  await planTask(mine.id, "1.3", addDays(today, 40));
  await planTask(theirs.id, "1.1", addDays(today, -5));
  await addRisk(mine.id, "Market too thin to tender", addDays(today, -2));
  await addRisk(mine.id, "Reviewed later", addDays(today, 60));
  await addRisk(theirs.id, "Someone else's risk", addDays(today, -2));
});
afterAll(async () => t.close());

describe("a commissioner's home", () => {
  it("lists the projects they lead with what each is missing and what is overdue", async () => {
    const $ = await homeOf(await signIn(t.app, commissioner.email));
    const projects = $("#your-projects");
    expect(projects.find(".govuk-summary-card__title").text().trim()).toBe("Adult treatment recommissioning");
    expect(projects.find(`a[href="/projects/${mine.id}"]`).text()).toContain("Open project");
    expect(projects.text()).toContain("Drug and Alcohol Action Team");
    expect(projects.text()).toContain("Stage 1: Needs assessment");
    expect(projects.text()).toContain("Upload the needs assessment (§3.4)");
    expect(projects.text()).toContain("1 checklist task");
    expect(projects.text()).toContain("1 risk review");
    expect(projects.find(`a[href="/projects/${mine.id}/checklist"]`).length).toBeGreaterThan(0);
    expect(projects.find(`a[href="/projects/${mine.id}/risks"]`).length).toBeGreaterThan(0);
    expect($("#your-projects").text()).not.toContain("Floating support review");
    expect(projects.find('a[href="/pipeline"]').length).toBe(1);
  });

  it("lists their checklist tasks and risk reviews due, overdue first, and not others'", async () => {
    const $ = await homeOf(await signIn(t.app, commissioner.email));
    const due = $("#due");
    const taskLinks = due.find("table").first().find("a");
    expect(taskLinks.map((_i, a) => $(a).attr("href")).get()).toEqual([
      `/projects/${mine.id}/checklist/1.1`,
      `/projects/${mine.id}/checklist/1.2`,
    ]);
    expect(due.find("table").first().find("tbody tr").first().text()).toContain("Overdue");
    expect(due.find("table").first().find("tbody tr").last().text()).toContain("Due soon");
    expect(due.text()).toContain("Market too thin to tender");
    expect(due.text()).not.toContain("Reviewed later");
    expect(due.text()).not.toContain("Someone else's risk");
    expect(due.text()).not.toContain("Floating support review");
  });

  it("shows the totals across all projects with a link to the pipeline", async () => {
    const $ = await homeOf(await signIn(t.app, commissioner.email));
    expect($("#pipeline-totals").text()).toContain("2 checklist tasks overdue");
    expect($("#pipeline-totals").text()).toContain("2 risk reviews overdue");
    expect($('#pipeline-totals a[href="/pipeline"]').length).toBe(1);
  });

  it("keeps the other things they can do as a secondary list", async () => {
    const $ = await homeOf(await signIn(t.app, commissioner.email));
    const other = $("#other-tasks");
    expect(other.find('a[href="/programmes"]').length).toBe(1);
    expect(other.find('a[href="/governance"]').length).toBe(1);
    expect(other.find('a[href="/users"]').length).toBe(0);
  });

  it("says what to do next when they lead no project", async () => {
    const newcomer = await createUser(t.services, ["commissioner"]);
    const $ = await homeOf(await signIn(t.app, newcomer.email));
    expect($("#your-projects").text()).toContain("You do not lead any open project.");
    expect($('#your-projects a[href="/projects/new"]').length).toBe(1);
    expect($("#no-tasks-due").text()).toContain("No checklist tasks are overdue");
    expect($("#no-reviews-due").text()).toContain("No risk reviews are overdue");
    // A commissioner who sits in no body has no decisions section.
    expect($("#decisions").length).toBe(0);
  });
});

describe("a governance member's home", () => {
  it("lists the decisions awaiting the bodies they sit in, by name, and no other body's", async () => {
    const member = await createUser(t.services, ["board-member"]);
    await addMembership(t.database, "KDAAT_BOARD", member.id, "member");
    await addMembership(t.database, "PROCUREMENT_BOARD", member.id, "member");
    const $ = await homeOf(await signIn(t.app, member.email));
    const decisions = $("#decisions");
    expect(
      decisions
        .find("h3")
        .map((_i, h) => $(h).text())
        .get(),
    ).toEqual(["KDAAT Board", "Procurement Board"]);
    expect(decisions.text()).toContain("Approve the needs assessment, once it is uploaded");
    expect(decisions.find(`a[href="/projects/${mine.id}"]`).length).toBe(1);
    expect(decisions.find('a[href="/governance/KDAAT_BOARD/awaiting"]').text()).toContain("KDAAT Board");
    expect(decisions.text()).toContain("Procurement Board: no decisions are waiting.");
    // The SP project waits for the SP Commissioning Body, which this member does not sit in.
    expect(decisions.text()).not.toContain("Floating support review");
    expect(decisions.text()).not.toContain("KDAAT_BOARD");
    // A board member leads no projects: no projects section.
    expect($("#your-projects").length).toBe(0);
  });

  it("says what to do when they sit in no body", async () => {
    const member = await createUser(t.services, ["board-member"]);
    const $ = await homeOf(await signIn(t.app, member.email));
    expect($("#decisions").text()).toContain("You do not sit on any governance body today");
  });
});

describe("an administrator's home", () => {
  it("shows the pipeline's totals and the administration links, and no one else's projects", async () => {
    const admin = await createUser(t.services, ["administrator"]);
    const $ = await homeOf(await signInAdministrator(t.app, admin.email));
    expect($("#pipeline-totals a").attr("href")).toBe("/pipeline");
    expect($('#other-tasks a[href="/users"]').length).toBe(1);
    expect($('#other-tasks a[href="/audit"]').length).toBe(1);
    expect($("#your-projects").length).toBe(0);
    expect($("#data-return").length).toBe(0);
  });
});

function hiaFile(providerCode: string, referralDate: string) {
  const header = "referral_id,client_ref,provider_code,service,referral_date,contacted_on,visited_on";
  return Readable.from([`${header}\nR-${providerCode}-1,client-1,${providerCode},hia,${referralDate},,\n`]);
}

describe("a provider user's home", () => {
  async function provider(code: string) {
    await t.services.organisations.create(SYSTEM_ACTOR, {
      name: `Weald Recovery ${code}`,
      kind: "provider",
      code,
      companyNumber: undefined,
      charityNumber: undefined,
    });
    return createUser(t.services, ["provider-user"], { organisationCode: code });
  }

  it("says which quarter's data return is due, and links to the upload", async () => {
    const user = await provider("HP01");
    const quarter = lastCompleteQuarter(today);
    const $ = await homeOf(await signIn(t.app, user.email));
    const section = $("#data-return");
    expect(section.text()).toContain("Weald Recovery HP01 (HP01)");
    expect(section.text()).toContain(`Your data return for ${quarter.label}`);
    expect(section.text()).toContain(longDate(quarter.dueBy));
    expect(section.find('a[href="/datasets"]').text()).toContain(`Upload your return for ${quarter.label}`);
    expect($("#your-projects").length).toBe(0);
    expect($("#decisions").length).toBe(0);
    expect($("#pipeline-totals").length).toBe(0);
  });

  it("once the return is received, says when the next one is due", async () => {
    const user = await provider("HP02");
    const quarter = lastCompleteQuarter(today);
    await t.services.datasets.importFile(SYSTEM_ACTOR, {
      kind: "hia-activity",
      fileName: "hp02.csv",
      input: hiaFile("HP02", addDays(quarter.end, -10)),
      replace: false,
    });
    const $ = await homeOf(await signIn(t.app, user.email));
    const section = $("#data-return");
    const next = quarterContaining(today);
    expect(section.text()).toContain("Received");
    expect(section.text()).toContain(`Your return for ${quarter.label} was received on ${longDate(today)}`);
    expect(section.text()).toContain(`The next return, for ${next.label}, is due by ${longDate(next.dueBy)}`);
    // Another provider's upload does not count as HP01's return.
    const $1 = await homeOf(await signIn(t.app, (await provider("HP03")).email));
    expect($1("#data-return").text()).not.toContain("Received");
  });
});

describe("a supplier user's home", () => {
  it("says nothing needs them yet and where to read how the council buys", async () => {
    const supplier = await createUser(t.services, ["supplier-user"]);
    const $ = await homeOf(await signIn(t.app, supplier.email));
    expect($("#opportunities").text()).toContain("Nothing needs you yet");
    expect($('#opportunities a[href="/rules"]').length).toBe(1);
    for (const id of ["#your-projects", "#decisions", "#pipeline-totals", "#data-return"]) {
      expect($(id).length, id).toBe(0);
    }
    expect($("body").text()).not.toContain("Adult treatment recommissioning");
  });
});

describe("every page's stylesheets and tables", () => {
  it("loads MOJ Frontend's stylesheet once, from the layout, even on a page without its components", async () => {
    const response = await t.app.inject({ url: "/cookies" });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    const sheets = $('link[rel="stylesheet"]')
      .map((_i, el) => $(el).attr("href"))
      .get();
    // The app's own rules come last, so that they win.
    expect(sheets).toEqual([
      "/stylesheets/govuk-frontend.min.css",
      "/stylesheets/moj-frontend.min.css",
      "/stylesheets/app.css",
    ]);
    // Its table is in a scroll region named by the caption (src/web/views/components/table.njk).
    const region = $("table").parent(".app-table-scroll");
    expect(region.attr("role")).toBe("region");
    expect(region.attr("aria-label")).toBe("Essential cookies");
  });
});
