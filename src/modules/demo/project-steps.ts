import { addDays, type IsoDate } from "../../domain/dates.js";
import type { Actor } from "../../domain/policy.js";
import type { DecisionValue, DocumentKind } from "../../domain/stages.js";
import type { Services } from "../../services.js";
import { eqiaInput, screeningEntryInput } from "../eqia/service.js";
import { taskUpdateInput } from "../checklist/service.js";
import { decisionInput, projectCreateInput, rejectInput } from "../projects/service.js";
import { riskInput } from "../risks/service.js";
import type { DemoActors } from "./accounts.js";
import { demoFile, demoPdf } from "./paper.js";

/**
 * What happens to a demo project, one step at a time, each through the use case a person's page or
 * API call runs (so it is validated and audited as theirs would be). Days count back from today
 * (the injected clock), so what is overdue is overdue whenever the demo is loaded.
 */

export type DemoStep =
  | { upload: DocumentKind; title: string; lines: readonly string[] }
  | {
      decide: DocumentKind | "procurement-plan";
      body: string;
      daysAgo: number;
      decision?: DecisionValue;
      conditions?: string;
    }
  | { advance: true }
  | { screening: "positive" | "neutral"; signOff: boolean }
  | {
      risk: string;
      likelihood: number;
      impact: number;
      owner: string;
      mitigation: string;
      reviewIn: number;
    }
  | { task: string; status: "planned" | "in-progress" | "completed"; plannedIn?: number; daysAgo?: number }
  | { reject: string };

export interface DemoProject {
  title: string;
  description: string;
  programmeCode: string;
  estimatedValuePence: number;
  contractMonths: number;
  startedDaysAgo: number;
  steps: readonly DemoStep[];
}

/** Who records each body's decisions, and the member named (§2.1: the clerk records for the boards). */
const RECORDERS: Record<string, { by: string; member?: string; minutes: string }> = {
  JCG: { by: "clerk", member: "jcg", minutes: "JCG" },
  CSG: { by: "clerk", member: "jcg", minutes: "CSG" },
  KDAAT_BOARD: { by: "clerk", member: "board", minutes: "KDAAT Board" },
  SP_COMMISSIONING_BODY: { by: "clerk", member: "board", minutes: "SP Commissioning Body" },
  PROCUREMENT_BOARD: { by: "clerk", member: "authorised", minutes: "Procurement Board" },
  PROCUREMENT_MANAGER: { by: "procurement", minutes: "Procurement Manager sign-off" },
};

/** The demo person whose email begins with `local`, e.g. "clerk". */
function person(actors: DemoActors, local: string): Actor {
  const actor = actors.get(`${local}@commissioner.example`);
  if (!actor) throw new Error(`no demo person ${local}`);
  return actor;
}

/** Where one project stands while its steps run: its id, its documents by kind, today. */
interface Run {
  services: Services;
  actors: DemoActors;
  lead: Actor;
  projectId: string;
  documents: Map<string, string>;
  today: IsoDate;
  dir: string;
  minutes: number;
}

/** Creates the project, led by the demo commissioner, and runs its steps in order; returns its id. */
export async function buildProject(
  services: Services,
  actors: DemoActors,
  dir: string,
  spec: DemoProject,
): Promise<string> {
  const lead = person(actors, "commissioner");
  const today = services.clock.today();
  const input = projectCreateInput.parse({
    title: spec.title,
    description: spec.description,
    programmeCode: spec.programmeCode,
    estimatedValuePence: spec.estimatedValuePence,
    contractMonths: spec.contractMonths,
    startedOn: addDays(today, -spec.startedDaysAgo),
  });
  const project = await services.projects.create(lead, input);
  const run: Run = {
    services,
    actors,
    lead,
    projectId: project.id,
    documents: new Map(),
    today,
    dir,
    minutes: 0,
  };
  for (const step of spec.steps) await runStep(run, step);
  return project.id;
}

async function runStep(run: Run, step: DemoStep): Promise<void> {
  const { services, lead, projectId } = run;
  if ("upload" in step) return upload(run, step);
  if ("decide" in step) return decide(run, step);
  if ("advance" in step) {
    await services.projects.stages.advance(lead, projectId);
    return;
  }
  if ("screening" in step) return screen(run, step);
  if ("risk" in step) {
    const { risk, reviewIn, ...rest } = step;
    await services.risks.create(
      lead,
      projectId,
      riskInput.parse({ ...rest, title: risk, reviewOn: addDays(run.today, reviewIn) }),
    );
    return;
  }
  if ("task" in step) return updateTask(run, step);
  await services.projects.stages.reject(lead, projectId, rejectInput.parse({ reason: step.reject }));
}

async function upload(run: Run, step: Extract<DemoStep, { upload: DocumentKind }>) {
  const slug = step.title.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const name = `${slug}-${String(run.documents.size + 1)}.pdf`;
  const file = demoFile(run.dir, `${run.projectId}-${name}`, demoPdf(step.title, step.lines));
  const stored = await run.services.projects.documents.upload(
    run.lead,
    run.projectId,
    { kind: step.upload, title: step.title },
    { ...file, fileName: name },
  );
  run.documents.set(step.upload, stored.id);
}

async function decide(run: Run, step: Extract<DemoStep, { decide: string }>) {
  const recorder = RECORDERS[step.body];
  if (!recorder) throw new Error(`no demo recorder for ${step.body}`);
  const subjectId =
    step.decide === "procurement-plan" ? run.projectId : (run.documents.get(step.decide) ?? "");
  const decidedOn = addDays(run.today, -step.daysAgo);
  run.minutes += 1;
  const input = decisionInput.parse({
    subjectId,
    bodyCode: step.body,
    decision: step.decision ?? "approved",
    decidedOn,
    minutesRef: `${recorder.minutes} minutes ${decidedOn}, item ${String(run.minutes)}`,
    conditions: step.conditions,
    memberId: recorder.member ? person(run.actors, recorder.member).id : undefined,
  });
  await run.services.projects.decisions.record(person(run.actors, recorder.by), run.projectId, input);
}

/** The screening of every characteristic, by the lead; signed off by the Equalities team (App C 1, 3). */
async function screen(run: Run, step: Extract<DemoStep, { screening: string }>) {
  const { services, projectId } = run;
  const screening = screeningEntryInput.shape.characteristic.options.map((characteristic) => ({
    characteristic,
    impact: characteristic === "age" || characteristic === "disability" ? step.screening : "neutral",
    evidence:
      "Needs assessment's profile of service users, and the last two years' monitoring returns by characteristic.",
  }));
  const saved = await services.eqia.save(run.lead, projectId, eqiaInput.parse({ screening, version: 0 }));
  if (step.signOff) await services.eqia.signOff(person(run.actors, "equalities"), projectId, saved.version);
}

async function updateTask(run: Run, step: Extract<DemoStep, { task: string }>) {
  const { services, projectId, today } = run;
  const found = await services.checklist.getTask(projectId, step.task);
  if (!found) throw new Error(`no checklist task ${step.task}`);
  const input = taskUpdateInput.parse({
    status: step.status,
    plannedOn: step.plannedIn === undefined ? undefined : addDays(today, step.plannedIn),
    completedOn: step.daysAgo === undefined ? undefined : addDays(today, -step.daysAgo),
    version: found.task.version,
  });
  await services.checklist.update(run.lead, projectId, step.task, input);
}
