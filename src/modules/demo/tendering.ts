import type { Config } from "../../config.js";
import { fixedClock } from "../../domain/clock.js";
import { addDays, type IsoDate } from "../../domain/dates.js";
import type { Actor } from "../../domain/policy.js";
import { REQUIRED_PACK_KINDS, PACK_DOCUMENT_NAMES } from "../../domain/tendering.js";
import { createServices, type Services } from "../../services.js";
import { answerInput, askInput } from "../tenders/clarifications/service.js";
import type { DemoActors } from "./accounts.js";
import { demoFile, demoPdf } from "./paper.js";

/**
 * The demo's tendering (docs/tendering.md, App C 5.1–5.6), each step through the use case a person's
 * page runs. One tender closed ten days ago with two sealed submissions, waiting for its recorded
 * opening (App C 5.6); one is open for bids for three weeks more. A deadline that has passed can only be
 * made through the real services by running them on an earlier clock: each past step runs on services
 * made over the same database with `fixedClock` at that day (noon UTC), so the server's own checks (the
 * timetable from now, a late submission refused) hold as they would have on the day.
 */

/** What setting up a tender takes (the tenders module's input, as its service takes it). */
type TenderInput = Parameters<Services["tenders"]["create"]>[2];

/** The ITT (App C 5.4): one pass/fail, two scored with weights totalling 100 and word limits, a price. */
const QUESTIONS: TenderInput["questions"] = [
  {
    code: "Q1",
    section: "itt",
    kind: "pass-fail",
    text: "Do you hold the insurance the terms and conditions require (employer's liability £5m, public liability £10m)?",
  },
  {
    code: "Q2",
    section: "itt",
    kind: "scored",
    text: "How will you deliver the service described in the specification, from the first contact to recovery?",
    weightPct: 60,
    wordLimit: 750,
    guidance: "Say how people are reached, assessed, supported and followed up; name your partners.",
  },
  {
    code: "Q3",
    section: "itt",
    kind: "scored",
    text: "How will people who use the service shape it?",
    weightPct: 40,
    wordLimit: 500,
  },
  { code: "P1", section: "itt", kind: "price", text: "Your total price for the contract term, in pounds" },
];

/** An instant at noon UTC `days` after `today`, with its offset, as the tender's fields take it. */
const noonAfter = (today: IsoDate, days: number) => `${addDays(today, days)}T12:00:00+00:00`;

function person(actors: DemoActors, email: string): Actor {
  const found = actors.get(email);
  if (!found) throw new Error(`no demo person ${email}`);
  return found;
}

/** Where the demo's tendering runs: the services of today, and how to make those of an earlier day. */
export interface TenderingRun {
  services: Services;
  config: Config;
  actors: DemoActors;
  /** Where the pack's PDFs are written before their upload. */
  dir: string;
}

/** The same services over the same database, on a clock stopped at noon UTC `daysAgo` days before today. */
function servicesOn(run: TenderingRun, daysAgo: number): Services {
  if (daysAgo === 0) return run.services;
  const day = addDays(run.services.clock.today(), -daysAgo);
  return createServices(run.services.database, run.config, fixedClock(day));
}

/** Sets up the tender, uploads its pack (App C 5.4) and publishes it (App C 5.1); returns its id. */
async function publishTender(
  run: TenderingRun,
  services: Services,
  projectId: string,
  spec: { title: string; valuePence: number; clarificationIn: number; deadlineIn: number },
): Promise<string> {
  const officer = person(run.actors, "procurement@commissioner.example");
  const today = services.clock.today();
  const input: TenderInput = {
    title: spec.title,
    procedure: "open",
    clarificationDeadline: noonAfter(today, spec.clarificationIn),
    submissionDeadline: noonAfter(today, spec.deadlineIn),
    description: `${spec.title}. Demo tender: made up for Commissioner's demonstration data.`,
    valuePence: spec.valuePence,
    questions: QUESTIONS,
  };
  const tender = await services.tenders.create(officer, projectId, input);
  for (const kind of REQUIRED_PACK_KINDS) {
    const title = PACK_DOCUMENT_NAMES[kind];
    const fileName = `${kind}.pdf`;
    const bytes = demoPdf(title, [
      spec.title,
      "",
      "Demo document: made up for Commissioner's demonstration data.",
    ]);
    const file = demoFile(run.dir, `${tender.id}-${fileName}`, bytes);
    await services.tenders.pack.upload(officer, tender.id, { kind, title }, { ...file, fileName });
  }
  await services.tenders.publish(officer, tender.id);
  return tender.id;
}

const SUPPLIERS = ["supplier@commissioner.example", "supplier2@commissioner.example"] as const;

/** Two clarification questions (App C 5.5): the first answered to every interested supplier, one waiting. */
async function clarify(run: TenderingRun, tenderId: string) {
  const [first, second] = SUPPLIERS;
  const asked = await servicesOn(run, 25).clarifications.ask(
    person(run.actors, first),
    tenderId,
    askInput.parse({ question: "Can the service be delivered from premises the provider already holds?" }),
  );
  await servicesOn(run, 24).clarifications.answer(
    person(run.actors, "procurement@commissioner.example"),
    asked.id,
    answerInput.parse({
      answer: "Yes: the specification asks for a base in each district, not for new premises.",
      publish: "all",
    }),
  );
  await servicesOn(run, 21).clarifications.ask(
    person(run.actors, second),
    tenderId,
    askInput.parse({ question: "Is TUPE expected to apply to the current provider's recovery workers?" }),
  );
}

/** A supplier's whole ITT response, submitted sealed with its receipt (docs/tendering.md). */
async function submit(services: Services, supplier: Actor, tenderId: string, pricePence: number) {
  const answers = [
    { questionCode: "Q1", value: "yes" },
    {
      questionCode: "Q2",
      value:
        "Outreach workers in each district, a single assessment within five working days, a named recovery worker and follow-up for a year after leaving treatment.",
    },
    {
      questionCode: "Q3",
      value: "A service user panel meets monthly; peer mentors sit on every recruitment panel.",
    },
  ];
  await services.submissions.submit(
    supplier,
    tenderId,
    { section: "itt", answers, priceTotalPence: pricePence },
    [],
  );
}

/**
 * The Stage 4 project's tender: published 30 days ago, both demo suppliers interested, one question
 * answered and one waiting, both submitted, its deadline ten days ago and not yet opened (App C 5.6).
 */
async function awaitingOpening(run: TenderingRun, projectId: string, title: string) {
  const tenderId = await publishTender(run, servicesOn(run, 30), projectId, {
    title,
    valuePence: 320_000_000,
    clarificationIn: 10,
    deadlineIn: 20,
  });
  const interested = servicesOn(run, 28);
  for (const email of SUPPLIERS)
    await interested.opportunities.registerInterest(person(run.actors, email), tenderId);
  await clarify(run, tenderId);
  const submitting = servicesOn(run, 12);
  await submit(submitting, person(run.actors, SUPPLIERS[0]), tenderId, 315_000_000);
  await submit(submitting, person(run.actors, SUPPLIERS[1]), tenderId, 308_000_050);
}

/** A live opportunity (App C 5.1): published today, closing in three weeks, the first supplier interested. */
async function openForBids(run: TenderingRun, projectId: string, title: string) {
  const tenderId = await publishTender(run, run.services, projectId, {
    title,
    valuePence: 126_000_000,
    clarificationIn: 10,
    deadlineIn: 21,
  });
  await run.services.opportunities.registerInterest(person(run.actors, SUPPLIERS[0]), tenderId);
}

/** The demo's tenders, on the projects given by title (loaded after listening: demo.ts `rest`). */
export async function loadDemoTendering(
  run: TenderingRun,
  projects: { awaitingOpening: { id: string; title: string }; open: { id: string; title: string } },
) {
  await awaitingOpening(run, projects.awaitingOpening.id, projects.awaitingOpening.title);
  await openForBids(run, projects.open.id, projects.open.title);
}
