import { bodyName } from "../../domain/governance.js";
import { getRegime, isRegimeCode } from "../../domain/regimes.js";
import { DOCUMENT_KIND_NAMES, DOCUMENT_KINDS, STAGE_NAMES } from "../../domain/stages.js";
import { projectPaths } from "./paths.js";
import { fileSize, fileTypeName, kindName, linkedMissing, money, stageLabel, stageTag } from "./presenter.js";
import type { ProjectsService } from "./service.js";
import { ACCEPTED_TYPES_TEXT } from "./upload.js";

/**
 * The view models of a project's own pages (overview, documents, decisions, current contracts): each
 * page's content is rendered from these alone, so that it can be kept until the project next changes.
 */

export type HomePage = NonNullable<Awaited<ReturnType<ProjectsService["homePage"]>>>;

const KIND_ITEMS = DOCUMENT_KINDS.map((kind) => ({ value: kind, text: DOCUMENT_KIND_NAMES[kind] }));

/** A programme by its name (§1), or its code when the reference data does not name it. */
function programmeName(home: HomePage, code: string): string {
  return home.programmeNames.get(code) ?? code;
}

function regimeName(code: string): string {
  return isRegimeCode(code) ? getRegime(code).name : code;
}

/** What every project page shows above its sub-navigation: the project, named rather than coded. */
function shared(home: HomePage) {
  const { project } = home;
  return {
    project,
    leadProgrammeName: programmeName(home, project.programmeCode),
    jointProgrammeNames: project.programmeCodes.map((c) => programmeName(home, c)),
    regimeName: regimeName(project.regime),
    tag: stageTag(project.stage),
    stageLabel: stageLabel(project.stage),
    p: projectPaths,
  };
}

/** Contracts being recommissioned whose notice date has passed with no notice given (App C 1). */
function overdueNotices(home: HomePage) {
  return home.incumbentContracts
    .filter((c) => c.noticeOverdue)
    .map((c) => ({
      name: c.name,
      providerName: c.providerName,
      noticeByOn: c.noticeByOn,
      href: projectPaths.incumbentNotice(home.project.id, c.id),
    }));
}

/** The overview: stage, what the gate needs (each with a link to where it is done), what is overdue. */
export function overviewContext(home: HomePage) {
  const { project, gate } = home;
  const next = gate.nextStage;
  return {
    ...shared(home),
    gate,
    missing: linkedMissing(project.id, gate.missing),
    nextStageLabel: next === null ? null : next === "closed" ? "Close the project" : `Move to stage ${next}`,
    nextStageName: next === null ? null : STAGE_NAMES[next],
    nextDecisions: home.nextDecisions,
    overdueTasks: home.overdueTasks,
    overdueRiskReviews: home.overdueRiskReviews,
    overdueNotices: overdueNotices(home),
    value: money(project.estimatedValuePence),
    costAvoidancePaper: home.costAvoidancePaper,
  };
}

function documentRows(home: HomePage) {
  return home.documents.map((d) => ({
    id: d.id,
    kindName: kindName(d.kind),
    title: d.title,
    latestVersion: d.latestVersion,
    versions: d.versions.map((v) => ({
      version: v.version,
      href: projectPaths.documentVersion(home.project.id, d.id, v.version),
      fileName: v.fileName,
      type: fileTypeName(v.mediaType),
      size: fileSize(v.bytes),
      uploadedAt: v.uploadedAt.toISOString(),
      uploadedBy: v.uploadedBy ?? "",
      sha256: v.sha256,
    })),
  }));
}

/** The documents page: every document with its versions, and the upload form. */
export function documentsContext(home: HomePage) {
  return {
    ...shared(home),
    documents: documentRows(home),
    kinds: KIND_ITEMS,
    acceptedTypes: ACCEPTED_TYPES_TEXT,
  };
}

function decisionText(decision: string): string {
  if (decision === "approved-with-conditions") return "Approved with conditions";
  return decision === "approved" ? "Approved" : "Rejected";
}

function decisionRows(home: HomePage) {
  return home.decisions.map((d) => ({
    ...d,
    bodyName: home.bodies.find((b) => b.code === d.bodyCode)?.name ?? bodyName(d.bodyCode),
    subjectText:
      d.subjectType === "project"
        ? "The project"
        : `${kindName(d.subjectKind ?? "")} “${d.subjectTitle ?? ""}” (version ${d.subjectVersion ?? "?"})`,
    decisionText: decisionText(d.decision),
  }));
}

/** The decisions page: the decisions recorded, and the form that records one. */
export function decisionsContext(home: HomePage) {
  return {
    ...shared(home),
    decisions: decisionRows(home),
    nextDecisions: home.nextDecisions,
    subjects: [
      { value: home.project.id, text: "The project itself (procurement plan, recommendation)" },
      ...home.documents.map((d) => ({
        value: d.id,
        text: `${kindName(d.kind)}: “${d.title}” (version ${d.latestVersion})`,
      })),
    ],
    bodies: home.bodies.map((b) => ({ value: b.code, text: b.name })),
    members: home.members.map((m) => ({ value: m.userId, text: `${m.name} (${m.bodyName})` })),
  };
}

/** The current contracts page: each contract being recommissioned, and the form that adds one. */
export function incumbentsContext(home: HomePage) {
  return {
    ...shared(home),
    incumbentContracts: home.incumbentContracts,
    providers: home.providers.map((o) => ({ value: o.id, text: o.name })),
  };
}

/** One contract's "Record notice given" page: the contract and the project's letters of notice. */
export function noticeContext(home: HomePage, contractId: string) {
  const contract = home.incumbentContracts.find((c) => c.id === contractId);
  if (!contract) return null;
  return {
    ...shared(home),
    contract,
    noticeLetters: home.documents
      .filter((d) => d.kind === "notice-letter")
      .map((d) => ({ value: d.id, text: d.title })),
  };
}
