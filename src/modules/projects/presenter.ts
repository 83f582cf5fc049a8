import { bodyName } from "../../domain/governance.js";
import { formatPence } from "../../domain/money.js";
import {
  DOCUMENT_KIND_NAMES,
  STAGE_NAMES,
  isDocumentKind,
  parseStage,
  type Gate,
  type MissingOutput,
  type Stage,
} from "../../domain/stages.js";
import { projectPaths } from "./paths.js";
import { ACCEPTED_TYPES } from "./upload.js";
import type { ProjectRow } from "./queries.js";

/** Shapes what leaves the projects capability: the API's project and the pages' view models (no I/O). */

export function stageOf(row: Pick<ProjectRow, "stage">): Stage {
  return parseStage(row.stage) ?? 1;
}

export function stageLabel(stage: Stage): string {
  return stage === "closed" ? "Closed" : `Stage ${stage}`;
}

export function kindName(kind: string): string {
  return isDocumentKind(kind) ? DOCUMENT_KIND_NAMES[kind] : kind;
}

export function presentGate(gate: Gate) {
  return {
    canAdvance: gate.canAdvance,
    nextStage: gate.nextStage,
    missing: gate.missing.map((m) => ({ ...m })),
  };
}

export function presentProject(row: ProjectRow, leadCommissionerName: string | null, gate: Gate) {
  const stage = stageOf(row);
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    programmeCode: row.programmeCode,
    programmeCodes: row.programmeCodes,
    leadCommissionerId: row.leadCommissionerId,
    leadCommissionerName,
    estimatedValuePence: row.estimatedValuePence,
    contractMonths: row.contractMonths,
    regime: row.regime,
    startedOn: row.startedOn,
    stage,
    stageName: STAGE_NAMES[stage],
    outcome: row.outcome,
    outcomeReason: row.outcomeReason,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    gate: presentGate(gate),
  };
}
export type PresentedProject = ReturnType<typeof presentProject>;

/** The GOV.UK tag colour of each stage. */
const STAGE_TAG_CLASSES: Record<string, string> = {
  "1": "govuk-tag--blue",
  "2": "govuk-tag--turquoise",
  "3": "govuk-tag--purple",
  "4": "govuk-tag--orange",
  "5": "govuk-tag--green",
  closed: "govuk-tag--grey",
};

export function stageTag(stage: Stage) {
  return { text: stageLabel(stage), classes: STAGE_TAG_CLASSES[String(stage)] ?? "" };
}

export function money(pence: number): string {
  return formatPence(pence);
}

export interface BodyRef {
  code: string;
  name: string;
}

/** Who must decide what next: the gate's missing approvals, grouped by body. */
export function nextDecisions(gate: Gate, bodies: readonly BodyRef[]) {
  const byBody = new Map<
    string,
    { bodyCode: string; bodyName: string; items: { text: string; paragraph: string }[] }
  >();
  for (const m of gate.missing) {
    if (m.kind !== "approval" || !m.bodyCode) continue;
    const bodyName = bodies.find((b) => b.code === m.bodyCode)?.name ?? m.bodyCode;
    const entry = byBody.get(m.bodyCode) ?? { bodyCode: m.bodyCode, bodyName, items: [] };
    entry.items.push({ text: approvalText(m), paragraph: m.paragraph });
    byBody.set(m.bodyCode, entry);
  }
  return [...byBody.values()];
}

function approvalText(m: MissingOutput): string {
  if (m.output === "procurement-plan") return "Sign off the procurement plan";
  const name = kindName(m.output).toLowerCase();
  if (m.version) return `Approve the ${name} (version ${m.version})`;
  return `Approve the ${name}, once it is uploaded`;
}

/**
 * Where a missing gate item is done: a document's upload form (set to its kind), the decisions page for
 * an approval, the EqIA for its screening (App C 1); null where no page does it yet (the award §3.16,
 * mobilisation §3.18).
 */
export function missingHref(projectId: string, m: Pick<MissingOutput, "output" | "kind">): string | null {
  if (m.kind === "document") {
    return `${projectPaths.documents(projectId)}?${new URLSearchParams({ kind: m.output }).toString()}#upload`;
  }
  if (m.kind === "approval") return `${projectPaths.decisions(projectId)}#record-decision`;
  if (m.output === "eqia-screening") return projectPaths.eqia(projectId);
  return null;
}

/** The gate's missing items, each with the link to where it is done (or none). */
export function linkedMissing(projectId: string, missing: readonly MissingOutput[]) {
  return missing.map((m) => ({ ...m, href: missingHref(projectId, m) }));
}

/** The missing list as a GOV.UK error summary, each item with its paragraph. */
export function missingAsErrors(missing: readonly Pick<MissingOutput, "reason" | "paragraph">[]) {
  return missing.map((m) => ({ path: "gate", message: `${m.reason} (${m.paragraph})` }));
}

interface TimelineRow {
  seq: number;
  at: string;
  actorLabel: string;
  actorName: string | null;
  entityType: string;
  entityId: string;
  action: string;
  summary: Record<string, unknown>;
}

function str(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return "";
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

const DECISION_WORDS: Record<string, string> = {
  approved: "approved",
  rejected: "rejected",
  "approved-with-conditions": "approved with conditions",
};

const FIELD_NAMES: Record<string, string> = {
  title: "title",
  description: "description",
  programmeCode: "lead programme",
  programmeCodes: "joint programmes",
  leadCommissionerId: "lead commissioner",
  estimatedValuePence: "estimated value",
  contractMonths: "contract length",
  regime: "procurement regime",
  startedOn: "start date",
};

/** Records other capabilities write about the project (checklist, risks, EqIA). */
const OTHER_ENTITY_NAMES: Record<string, string> = {
  checklist: "Checklist",
  "checklist-task": "Checklist task",
  risk: "Risk",
  eqia: "Equality impact assessment",
  "incumbent-contract": "Contract being recommissioned",
};

const dayFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});

/** `YYYY-MM-DD` as "1 April 2025"; anything else as it is. */
function day(value: unknown): string {
  const text = str(value);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? dayFormat.format(new Date(`${text}T00:00:00Z`)) : text;
}

function stageText(value: unknown): string {
  const s = str(value);
  return s === "closed" ? "closed" : `stage ${s}`;
}

const TASK_STATUS_WORDS: Record<string, string> = {
  "not-started": "not started",
  planned: "planned",
  "in-progress": "in progress",
  completed: "completed",
  "not-applicable": "not applicable",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** "Checklist task 1.3 completed on 4 March 2025", or what else changed on it. */
function describeTaskUpdate(s: Record<string, unknown>): string {
  const changes = isRecord(s.changes) ? s.changes : {};
  const parts: string[] = [];
  if ("status" in changes) {
    const status = str(changes.status);
    const on =
      status === "completed" && changes.completedOn
        ? ` on ${day(changes.completedOn)}`
        : status === "planned" && changes.plannedOn
          ? ` for ${day(changes.plannedOn)}`
          : "";
    parts.push(`${TASK_STATUS_WORDS[status] ?? status}${on}`);
    if (status === "not-applicable" && changes.notApplicableReason) {
      parts.push(`because ${str(changes.notApplicableReason)}`);
    }
  } else if (changes.plannedOn) {
    parts.push(`planned for ${day(changes.plannedOn)}`);
  }
  if ("evidenceId" in changes || "evidenceNote" in changes) parts.push("evidence updated");
  return `Checklist task ${str(s.taskKey)} ${parts.length ? parts.join(", ") : "updated"}`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** One sentence for each audit record on the timeline. */
export function describeEvent(row: TimelineRow): string {
  const s = row.summary;
  const key = `${row.entityType}:${row.action}`;
  switch (key) {
    case "project:created": {
      const value = num(s.estimatedValuePence);
      return `Started the project “${str(s.title)}” (${str(s.programmeCode)}${value === null ? "" : `, ${money(value)}`})`;
    }
    case "project:updated": {
      const changes = s.changes && typeof s.changes === "object" ? Object.keys(s.changes) : [];
      const names = changes.map((c) => FIELD_NAMES[c] ?? c);
      return names.length ? `Changed the ${names.join(", ")}` : "Changed the project";
    }
    case "project:advanced":
      return str(s.to) === "closed"
        ? `Closed the project after ${stageText(s.from)}`
        : `Moved the project from ${stageText(s.from)} to ${stageText(s.to)}`;
    case "project:rejected":
      return `Recorded that the recommendation was rejected and the procurement ended (§3.17): ${str(s.reason)}${
        s.costAvoidancePaperRequired === true ? ". A cost avoidance paper is required" : ""
      }`;
    case "document:uploaded":
      return `Uploaded the ${kindName(str(s.kind)).toLowerCase()} “${str(s.title)}”, version ${str(s.version)}`;
    case "decision:recorded": {
      const subject =
        str(s.subjectType) === "project"
          ? "the project (procurement plan or recommendation)"
          : `the ${kindName(str(s.subjectKind)).toLowerCase()} “${str(s.subjectTitle)}” (version ${str(s.subjectVersion)})`;
      const who = capitalised(bodyName(str(s.bodyCode)));
      const behalf = s.onBehalf === true ? ", recorded on its behalf" : "";
      return `${who} ${DECISION_WORDS[str(s.decision)] ?? str(s.decision)} ${subject} at its meeting on ${day(
        s.decidedOn,
      )} (minutes ${str(s.minutesRef)}${behalf})`;
    }
    case "checklist:completed-automatically": {
      const keys = Array.isArray(s.taskKeys) ? s.taskKeys.map(str).join(", ") : "";
      return `Checklist ${keys.includes(",") ? "tasks" : "task"} ${keys} completed by the evidence recorded`;
    }
    case "checklist-task:updated":
      return describeTaskUpdate(s);
    default: {
      const name = OTHER_ENTITY_NAMES[row.entityType] ?? row.entityType;
      const title = str(s.title);
      return `${name}${title ? ` “${title}”` : ""}: ${row.action.replace(/-/g, " ")}`;
    }
  }
}

export function presentTimelineItem(row: TimelineRow) {
  return {
    at: row.at,
    actor: row.actorName ?? row.actorLabel,
    action: `${row.entityType}.${row.action}`,
    summary: describeEvent(row),
    entityType: row.entityType,
    entityId: row.entityId,
  };
}

export function fileTypeName(mediaType: string): string {
  return ACCEPTED_TYPES[mediaType]?.name ?? mediaType;
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1_048_576) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}
