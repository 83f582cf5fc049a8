import { templateTask } from "../../domain/checklist-template.js";
import type { ReturnState } from "../../domain/data-returns.js";
import { isTaskOverdue } from "../../domain/overdue.js";
import { can, type Action, type Actor } from "../../domain/policy.js";
import { isReviewOverdue } from "../../domain/risk-review.js";
import { isStaff } from "../../domain/roles.js";
import { parseStage, STAGE_NAMES } from "../../domain/stages.js";
import { homePaths } from "./paths.js";
import { DUE_SOON_DAYS, type HomeWork, type LedProjectFacts } from "./service.js";

/**
 * The home page's view model: what needs the person first, each part with an empty state that says
 * what to do next, then the other things they can do (filtered by the one policy). No I/O.
 */

interface Task {
  title: string;
  href: string;
  description: string;
  action: Action;
}

/** What each person can do from the home page, filtered by the one policy. */
const TASKS: Task[] = [
  {
    title: "Programmes",
    href: homePaths.programmes,
    description: "The four commissioned-services programmes with their aims and outcomes.",
    action: "programmes:read",
  },
  {
    title: "Governance",
    href: homePaths.governance,
    description: "Boards, groups and officers who approve each stage, and their members.",
    action: "governance:read",
  },
  {
    title: "Organisations",
    href: homePaths.organisations,
    description: "Partners, providers and suppliers.",
    action: "organisations:read",
  },
  {
    title: "Users and roles",
    href: homePaths.users,
    description: "Who can sign in and what they can do.",
    action: "users:read",
  },
  {
    title: "Audit log",
    href: homePaths.audit,
    description: "Every change, who made it and when, in a tamper-evident chain.",
    action: "audit:read",
  },
  {
    title: "Rules explained",
    href: homePaths.rules,
    description: "Which approvals and standstill period apply to a procurement, and why.",
    action: "rules:read",
  },
  {
    title: "Your account",
    href: homePaths.account,
    description: "Password, two-factor sign-in and API tokens.",
    action: "account:manage-own",
  },
];

const dayFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});

/** `YYYY-MM-DD` as "1 April 2025". */
export function longDate(iso: string): string {
  return dayFormat.format(new Date(`${iso}T00:00:00Z`));
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n === 0 ? "No" : String(n)} ${n === 1 ? one : many}`;
}

function stageText(stage: string): string {
  const parsed = parseStage(stage) ?? 1;
  return parsed === "closed" ? "Closed" : `Stage ${String(parsed)}: ${STAGE_NAMES[parsed]}`;
}

/** What a due item's tag says: overdue in red, or the day it is due. */
function dueTag(overdue: boolean, on: string) {
  return overdue
    ? { text: "Overdue", classes: "govuk-tag--red", on: longDate(on) }
    : { text: "Due soon", classes: "govuk-tag--yellow", on: longDate(on) };
}

function presentDecisions(actor: Actor, bodies: NonNullable<HomeWork["bodies"]>) {
  const sits = actor.roles.includes("board-member") || actor.roles.includes("authorised-officer");
  if (bodies.length === 0 && !sits) return null;
  return {
    bodies: bodies.map((b) => ({
      name: b.name,
      href: homePaths.awaiting(b.code),
      items: b.items.map((i) => ({
        projectTitle: i.projectTitle,
        href: homePaths.project(i.projectId),
        what: i.what,
        paragraph: i.paragraph,
      })),
      empty: `${b.name}: no decisions are waiting. You will be emailed when one is.`,
    })),
    empty:
      "You do not sit on any governance body today, so no decisions wait for you. An administrator adds " +
      "members to a body on its Governance page.",
  };
}

/** The gate's missing outputs shown on the home page; the rest are on the project's page. */
const MISSING_SHOWN = 3;

function presentProject({ project, gate }: LedProjectFacts, overdue: { tasks: number; reviews: number }) {
  const missing = gate.missing
    .slice(0, MISSING_SHOWN)
    .map((m) => ({ text: m.reason, paragraph: m.paragraph }));
  const more = gate.missing.length - missing.length;
  return {
    title: project.title,
    href: homePaths.project(project.id),
    programmeName: project.programmeName ?? project.programmeCode,
    stage: stageText(project.stage),
    missing,
    moreMissing: more > 0 ? `and ${plural(more, "more thing")} on the project's page` : null,
    ready:
      gate.canAdvance && gate.nextStage !== null
        ? `Ready to move to ${stageText(String(gate.nextStage))}: open the project to move it on.`
        : null,
    overdueTasks: overdue.tasks ? plural(overdue.tasks, "checklist task") : null,
    overdueReviews: overdue.reviews ? plural(overdue.reviews, "risk review") : null,
    checklistHref: homePaths.checklist(project.id),
    risksHref: homePaths.risks(project.id),
  };
}

function countBy<T>(items: readonly T[], key: (item: T) => string, when: (item: T) => boolean) {
  const counts = new Map<string, number>();
  for (const item of items) if (when(item)) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function presentWork(actor: Actor, work: NonNullable<HomeWork["work"]>, today: string) {
  const leads = actor.roles.includes("commissioner") || actor.roles.includes("procurement-officer");
  if (work.projects.length === 0 && !leads) return null;
  const titles = new Map(work.projects.map((p) => [p.project.id, p.project.title]));
  const taskOverdue = (t: (typeof work.tasks)[number]) =>
    isTaskOverdue({ status: t.status, plannedOn: t.plannedOn }, today);
  const reviewOverdue = (r: (typeof work.reviews)[number]) => isReviewOverdue(r, today);
  const overdueTasks = countBy(work.tasks, (t) => t.projectId, taskOverdue);
  const overdueReviews = countBy(work.reviews, (r) => r.projectId, reviewOverdue);
  const projects = work.projects.map((p) =>
    presentProject(p, {
      tasks: overdueTasks.get(p.project.id) ?? 0,
      reviews: overdueReviews.get(p.project.id) ?? 0,
    }),
  );
  return {
    projects,
    canCreate: can(actor, "projects:create"),
    newHref: homePaths.projectsNew,
    pipelineHref: homePaths.pipeline,
    tasks: work.tasks.map((t) => ({
      text: `${t.taskKey} ${templateTask(t.taskKey)?.text ?? "Checklist task"}`,
      href: homePaths.checklistTask(t.projectId, t.taskKey),
      projectTitle: titles.get(t.projectId) ?? "",
      projectHref: homePaths.checklist(t.projectId),
      due: dueTag(taskOverdue(t), t.plannedOn ?? today),
    })),
    reviews: work.reviews.map((r) => ({
      title: r.title,
      href: homePaths.risks(r.projectId),
      projectTitle: titles.get(r.projectId) ?? "",
      due: dueTag(reviewOverdue(r), r.reviewOn),
    })),
    dueSoonDays: DUE_SOON_DAYS,
  };
}

function presentReturn(state: ReturnState) {
  if (state.status === "received") {
    return {
      tag: { text: "Received", classes: "govuk-tag--green" },
      lines: [
        `Nothing is due now. Your return for ${state.quarter.label} was received on ${longDate(state.receivedOn)}.`,
        `The next return, for ${state.next.label}, is due by ${longDate(state.next.dueBy)}.`,
      ],
      action: "Upload another data file",
    };
  }
  const overdue = state.status === "overdue";
  return {
    tag: overdue
      ? { text: "Overdue", classes: "govuk-tag--red" }
      : { text: "Due", classes: "govuk-tag--yellow" },
    lines: [
      `Your data return for ${state.quarter.label} ${overdue ? "was" : "is"} due by ${longDate(state.quarter.dueBy)}.`,
      "Upload your client-level data file covering the quarter; it is checked as it is read, and any problem is listed by line.",
    ],
    action: `Upload your return for ${state.quarter.label}`,
  };
}

function presentProvider(actor: Actor, provider: HomeWork["provider"]) {
  if (!actor.roles.includes("provider-user")) return null;
  if (!provider) {
    return {
      organisation: null,
      empty:
        "Your account is not linked to a provider organisation with a provider code, so no data return can be " +
        "asked of you. Ask the council's administrator to link your account to your organisation.",
    };
  }
  return {
    organisation: `${provider.organisationName} (${provider.organisationCode})`,
    ...presentReturn(provider.state),
    uploadHref: homePaths.datasets,
    indicatorsHref: homePaths.indicators,
  };
}

function presentTotals(totals: HomeWork["totals"]) {
  if (!totals) return null;
  const lines = [
    `${plural(totals.overdueTasks, "checklist task")} overdue`,
    `${plural(totals.overdueReviews, "risk review")} overdue`,
    `${plural(totals.awaitingDecisions, "decision")} awaited from governance bodies`,
  ];
  return { lines, href: homePaths.pipeline };
}

/** What the person is here to do, in a sentence under the welcome. */
function introOf(actor: Actor, audience: string): string {
  if (audience === "provider") {
    return "Send your quarterly data returns and client-level data, and take part in mobilisation.";
  }
  if (audience === "supplier") {
    return "Find opportunities, ask clarification questions and submit sealed tenders.";
  }
  const leads = actor.roles.some((r) => ["administrator", "commissioner", "procurement-officer"].includes(r));
  if (!leads && actor.roles.some((r) => r === "board-member" || r === "authorised-officer")) {
    return "Take the decisions your boards and groups are asked for at each stage of the commissioning cycle.";
  }
  return "Run the commissioning cycle: needs assessment, service redesign, consultation, tendering and mobilisation, then contract monitoring.";
}

export function audienceOf(actor: Actor) {
  if (isStaff(actor.roles)) return "staff";
  return actor.roles.includes("provider-user") ? "provider" : "supplier";
}

/** A supplier's way in: the published opportunities, and their own organisation's people. */
function presentSupplier(actor: Actor, work: HomeWork) {
  return {
    tenders: presentSupplierTenders(work.supplierTenders),
    rulesHref: homePaths.rules,
    opportunitiesHref: homePaths.opportunities,
    colleaguesHref: can(actor, "supplier-colleagues:manage") ? homePaths.supplierColleagues : null,
  };
}

/** Nothing of the person's work (the layout benchmark renders the page around it). */
export const NO_WORK: HomeWork = {
  today: "",
  bodies: null,
  work: null,
  totals: null,
  provider: null,
  tenders: null,
  supplierTenders: null,
};

const SECTION_NAMES: Record<"pqq" | "itt", string> = { pqq: "PQQ", itt: "ITT" };

/** Tendering's next jobs (App C 5.5–5.6): the opening when a deadline has passed, answers, drafts. */
function presentTenderWork(actor: Actor, tenders: HomeWork["tenders"]) {
  if (!tenders) return null;
  return {
    canOpen: can(actor, "tenders:open"),
    toOpen: tenders.toOpen.map((t) => ({
      title: `${t.reference}: ${t.title}`,
      section: SECTION_NAMES[t.section],
      deadline: t.deadline,
      href: homePaths.opening(t.id),
    })),
    questions: tenders.questions.map((q) => ({
      text: `Question ${String(q.number)}`,
      tender: `${q.reference}: ${q.title}`,
      askedAt: q.askedAt,
      href: homePaths.clarifications(q.tenderId),
    })),
    drafts: tenders.drafts.map((t) => ({
      title: `${t.reference}: ${t.title}`,
      href: homePaths.tender(t.id),
    })),
  };
}

/** A supplier's tenders: closing time (UK time in the view), submitted or not, the submission page. */
function presentSupplierTenders(rows: HomeWork["supplierTenders"]) {
  return (rows ?? []).map((t) => ({
    title: `${t.reference}: ${t.title}`,
    deadline: t.deadline,
    submitted: t.submitted,
    href: homePaths.submission(t.id),
    opportunityHref: homePaths.opportunity(t.id),
  }));
}

export function presentHome(actor: Actor, work: HomeWork) {
  const audience = audienceOf(actor);
  return {
    audience,
    intro: introOf(actor, audience),
    decisions: work.bodies ? presentDecisions(actor, work.bodies) : null,
    work: work.work ? presentWork(actor, work.work, work.today) : null,
    provider: presentProvider(actor, work.provider),
    supplier: audience === "supplier" ? presentSupplier(actor, work) : null,
    tenders: presentTenderWork(actor, work.tenders),
    totals: presentTotals(work.totals),
    tasks: TASKS.filter((t) => can(actor, t.action)),
  };
}
