import { bodyName } from "../../domain/governance.js";
import { formatPence } from "../../domain/money.js";
import type { ApprovalWithStatus, FlagWithStatus, RuleStatus } from "../../domain/project-rules.js";
import { getRegime } from "../../domain/regimes.js";
import {
  DOCUMENT_KIND_NAMES,
  isDocumentKind,
  STAGE_NAMES,
  type ApprovalEvidence,
} from "../../domain/stages.js";
import { shortDate } from "../../domain/standstill.js";
import { FLAG_TITLES } from "./presenter.js";
import { rulesPaths } from "./paths.js";
import type { ProjectRulesFacts } from "./queries.js";

/**
 * The view model of the project's rules panel (views/project-rules-panel.njk): which approvals apply to
 * the project's value, regime and start date, the flags and notices, each with its reason, paragraph
 * and status, in names, not codes. The page GET /projects/:id/rules shows it; the project overview
 * includes the same partial with the same context.
 */

const STATUS_TAGS: Record<RuleStatus, { text: string; classes: string }> = {
  open: { text: "Open", classes: "govuk-tag--yellow" },
  met: { text: "Met", classes: "govuk-tag--green" },
  "not-applicable": { text: "Not applicable", classes: "govuk-tag--grey" },
};

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const DECISION_WORDS: Record<ApprovalEvidence["decision"], string> = {
  approved: "Approved",
  "approved-with-conditions": "Approved with conditions",
  rejected: "Rejected",
  "signed-off": "Signed off",
};

/** "Approved by the KDAAT Board on 1 May 2025: version 2 of the final service specification". */
export function evidenceWords(e: ApprovalEvidence): string {
  let what = "the procurement plan";
  if (e.output === "eqia-sign-off") what = "the equality impact assessment updated after consultation";
  else if (isDocumentKind(e.output))
    what = `${e.version === undefined ? "" : `version ${String(e.version)} of `}the ${DOCUMENT_KIND_NAMES[e.output].toLowerCase()}`;
  return `${DECISION_WORDS[e.decision]} by ${bodyName(e.bodyCode)} on ${shortDate(e.decidedOn)}: ${what}`;
}

function presentApproval(a: ApprovalWithStatus) {
  return {
    id: `approval-${a.bodyCode.toLowerCase()}-${String(a.stage)}-${a.what.replace(/[^A-Za-z]+/g, "-").toLowerCase()}`,
    who: capitalise(bodyName(a.bodyCode)),
    what: a.what,
    stage: `Stage ${String(a.stage)}: ${STAGE_NAMES[a.stage]}`,
    reason: a.reason,
    paragraph: a.paragraph,
    status: a.status,
    tag: STATUS_TAGS[a.status],
    evidence: a.evidence.map(evidenceWords),
    missing: a.missing.map((m) => `${m.reason}.`),
  };
}

function presentFlag(f: FlagWithStatus) {
  return {
    code: f.code,
    title: FLAG_TITLES[f.code],
    reason: f.reason,
    paragraph: f.paragraph,
    check: f.check ?? null,
    status: f.status,
    tag: STATUS_TAGS[f.status],
    evidence: f.evidence.map(evidenceWords),
    waitingFor: f.waitingFor ? `Open until ${f.waitingFor}.` : null,
  };
}

/** The panel's context: `{% set rulesPanel = … %}{% include "rules/views/project-rules-panel.njk" %}`. */
export function presentProjectRulesPanel(facts: ProjectRulesFacts) {
  const { project, rules } = facts;
  const regime = getRegime(rules.regime);
  const threshold = rules.threshold
    ? `${formatPence(rules.threshold.valuePence)} (${rules.threshold.label.toLowerCase()}, ${rules.threshold.vat === "net" ? "net of VAT" : "including VAT"})`
    : "None held";
  return {
    projectId: project.id,
    link: rulesPaths.project(project.id),
    facts: [
      { key: "Value", value: formatPence(rules.valuePence) },
      { key: "Regime", value: regime.name },
      { key: "Started", value: shortDate(rules.on) },
      { key: "Threshold on that date", value: threshold },
      ...(rules.sspEngagementFromPence === null
        ? []
        : [{ key: "SSP engagement essential from", value: formatPence(rules.sspEngagementFromPence) }]),
    ],
    approvals: rules.approvals.map(presentApproval),
    flags: rules.flags.map(presentFlag),
    notApplicable: rules.notRequired.map(presentFlag),
    counts: {
      open: [...rules.approvals, ...rules.flags].filter((x) => x.status === "open").length,
      met: [...rules.approvals, ...rules.flags].filter((x) => x.status === "met").length,
    },
  };
}
