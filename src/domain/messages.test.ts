import { describe, expect, it } from "vitest";
import {
  MESSAGE_TEMPLATE_KEYS,
  MESSAGE_TEMPLATES,
  missingFields,
  newlyAwaitedDecisions,
  notifyTemplateVariable,
  renderMessage,
  withoutSecrets,
} from "./messages.js";
import type { Gate, MissingOutput } from "./stages.js";

const gate = (missing: MissingOutput[]): Gate => ({ stage: 1, nextStage: 2, canAdvance: false, missing });
const approval = (bodyCode: string, output: string, version?: number): MissingOutput => ({
  output,
  kind: "approval",
  bodyCode,
  reason: "",
  paragraph: "§3.4",
  ...(version === undefined ? {} : { version }),
});
const upload = (output: string): MissingOutput => ({
  output,
  kind: "document",
  reason: "",
  paragraph: "§3.4",
});
const key = (m: MissingOutput) => `${m.bodyCode ?? ""} ${m.output} ${String(m.version ?? "")}`;

describe("newlyAwaitedDecisions (§2, §3.4–3.10)", () => {
  it.each<[string, Gate | null, Gate, string[]]>([
    ["nothing awaited before or after", null, gate([upload("needs-assessment")]), []],
    [
      "an approval of a document not yet uploaded is not yet decidable",
      null,
      gate([upload("needs-assessment"), approval("JCG", "needs-assessment")]),
      [],
    ],
    [
      "uploading the document puts it to each body",
      gate([
        upload("needs-assessment"),
        approval("JCG", "needs-assessment"),
        approval("KDAAT_BOARD", "needs-assessment"),
      ]),
      gate([approval("JCG", "needs-assessment", 1), approval("KDAAT_BOARD", "needs-assessment", 1)]),
      ["JCG needs-assessment 1", "KDAAT_BOARD needs-assessment 1"],
    ],
    [
      "a new version asks again",
      gate([approval("JCG", "needs-assessment", 1)]),
      gate([approval("JCG", "needs-assessment", 2)]),
      ["JCG needs-assessment 2"],
    ],
    [
      "a decision on one body's approval does not ask the other again",
      gate([approval("JCG", "needs-assessment", 1), approval("KDAAT_BOARD", "needs-assessment", 1)]),
      gate([approval("KDAAT_BOARD", "needs-assessment", 1)]),
      [],
    ],
    [
      "a rejection leaves the same approval awaited: not asked again",
      gate([approval("JCG", "needs-assessment", 1)]),
      gate([{ ...approval("JCG", "needs-assessment", 1), reason: "rejected" }]),
      [],
    ],
    [
      "moving into Stage 4 with the documents uploaded puts them to the board, and the procurement plan (§3.10)",
      gate([]),
      gate([
        approval("KDAAT_BOARD", "procurement-strategy", 1),
        approval("PROCUREMENT_BOARD", "procurement-plan"),
        upload("tender-evaluation-plan"),
      ]),
      ["KDAAT_BOARD procurement-strategy 1", "PROCUREMENT_BOARD procurement-plan "],
    ],
  ])("%s", (_name, before, after, expected) => {
    expect(newlyAwaitedDecisions(before, after).map(key)).toEqual(expected);
  });
});

describe("message templates", () => {
  it.each(MESSAGE_TEMPLATE_KEYS)(
    "%s uses every field it names, and names every field it uses",
    (templateKey) => {
      const fields = Object.fromEntries(MESSAGE_TEMPLATES[templateKey].fields.map((f) => [f, `<${f}>`]));
      const { subject, body } = renderMessage(templateKey, fields);
      for (const field of MESSAGE_TEMPLATES[templateKey].fields)
        expect(subject + body).toContain(`<${field}>`);
      expect(subject + body).not.toContain("undefined");
      expect(missingFields(templateKey, fields)).toEqual([]);
    },
  );

  it.each([
    ["password-reset", { minutes: "30" }, ["link"]],
    ["account-created", { signInLink: "x", hours: "72", setPasswordLink: "" }, ["setPasswordLink"]],
  ] as const)("%s without %j lacks %j", (templateKey, fields, missing) => {
    expect(missingFields(templateKey, fields)).toEqual(missing);
  });

  it.each([
    [
      "password-reset",
      { link: "https://x/reset?token=s", minutes: "30" },
      { link: "(removed once sent)", minutes: "30" },
    ],
    ["decision-awaited", { link: "https://x/awaiting" }, { link: "https://x/awaiting" }],
  ] as const)("%s keeps %j as %j once sent", (templateKey, fields, kept) => {
    expect(withoutSecrets(templateKey, fields)).toEqual(kept);
  });

  it.each([
    ["decision-awaited", "NOTIFY_TEMPLATE_DECISION_AWAITED"],
    ["password-reset", "NOTIFY_TEMPLATE_PASSWORD_RESET"],
    ["account-created", "NOTIFY_TEMPLATE_ACCOUNT_CREATED"],
  ] as const)("the Notify template id of %s is in %s", (templateKey, variable) => {
    expect(notifyTemplateVariable(templateKey)).toBe(variable);
  });
});
