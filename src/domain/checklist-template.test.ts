import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  CHECKLIST_TEMPLATE,
  TEMPLATE_TASKS,
  checklistFor,
  describeCompletion,
  tasksCompletedBy,
  tasksTouchedBy,
  templateTask,
  type EvidenceItem,
  type RelevanceFacts,
} from "./checklist-template.js";

function task(key: string) {
  const found = templateTask(key);
  if (!found) throw new Error(`no task ${key}`);
  return found;
}

const FRAMEWORK = path.resolve(import.meta.dirname, "../../docs/framework/commissioning-framework-2013.txt");

/**
 * Appendix C read from the framework's text: the rows between each section heading and the next,
 * with the rows a page break split ("on the detailed requirements…", "<ul …> Performance…") joined
 * back onto the task they belong to, and the list markup taken out.
 */
function appendixCFromText(text: string) {
  const start = text.indexOf("Appendix C Procurement Checklist\n");
  const lines = text.slice(start).split("\n");
  const sections: { title: string; tasks: { text: string; evidencedBy: string }[] }[] = [];
  for (const line of lines) {
    const [first = "", second = ""] = line.split("\t").map((c) => c.trim());
    const heading = /^(\d)\. (.+)$/.exec(first);
    if (heading && second === "") {
      sections.push({ title: heading[2] ?? "", tasks: [] });
      continue;
    }
    const section = sections.at(-1);
    if (!section || first === "" || first === "Task") continue;
    if (/^[a-z<]/.test(first)) {
      const last = section.tasks.at(-1);
      if (last) {
        last.text += ` ${first}`;
        last.evidencedBy = `${last.evidencedBy} ${second}`.trim();
      }
      continue;
    }
    section.tasks.push({ text: first, evidencedBy: second });
  }
  const clean = (s: string) =>
    s
      .replace(/<ul[^>]*>/g, " ")
      .replace(/\s+/g, " ")
      .trim();
  return sections.map((s) => ({
    title: s.title,
    tasks: s.tasks.map((t) => ({ text: clean(t.text), evidencedBy: clean(t.evidencedBy) })),
  }));
}

describe("Appendix C as data", () => {
  it("has the eight sections with the framework's task counts (46 tasks)", () => {
    // Counted from the framework text: 1 Business Case 7, 2 Understanding the Market 1, 3 Requirement 6,
    // 4 Sourcing 6, 5 Competition 8, 6 Evaluation 5, 7 Contract Award 9, 8 Post Contract Award 4.
    expect(CHECKLIST_TEMPLATE.map((s) => [s.number, s.title, s.tasks.length])).toEqual([
      [1, "Business Case", 7],
      [2, "Understanding the Market", 1],
      [3, "Requirement", 6],
      [4, "Sourcing", 6],
      [5, "Competition", 8],
      [6, "Evaluation", 5],
      [7, "Contract Award", 9],
      [8, "Post Contract Award", 4],
    ]);
    expect(TEMPLATE_TASKS).toHaveLength(46);
  });

  it.skipIf(!fs.existsSync(FRAMEWORK))(
    "holds every task of the framework text, word for word, with its 'Evidenced by'",
    () => {
      const fromText = appendixCFromText(fs.readFileSync(FRAMEWORK, "utf8"));
      expect(fromText.map((s) => s.title)).toEqual(CHECKLIST_TEMPLATE.map((s) => s.title));
      expect(fromText.flatMap((s) => s.tasks)).toHaveLength(TEMPLATE_TASKS.length);
      fromText.forEach((section, s) => {
        section.tasks.forEach((task, t) => {
          const ours = CHECKLIST_TEMPLATE[s]?.tasks[t];
          expect(ours, `task ${s + 1}.${t + 1}`).toBeDefined();
          expect([ours?.text, ...(ours?.details ?? [])].join(" ")).toBe(task.text);
          expect(ours?.evidencedBy).toBe(task.evidencedBy);
        });
      });
    },
  );

  it("gives every task a unique, stable key of section and position", () => {
    const keys = TEMPLATE_TASKS.map((t) => t.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const t of TEMPLATE_TASKS) expect(t.key).toBe(`${t.section}.${t.position}`);
    expect(keys.slice(0, 3)).toEqual(["1.1", "1.2", "1.3"]);
    expect(keys.at(-1)).toBe("8.4");
    expect(templateTask("4.3")?.text).toBe("Secure approval from Procurement Board");
    expect(templateTask("9.1")).toBeUndefined();
  });
});

describe("relevance against the framework's words (App C: the checklist applies to all procurements)", () => {
  const taskFor = (facts: number | RelevanceFacts, key: string) =>
    checklistFor(facts)
      .flatMap((s) => s.tasks)
      .find((t) => t.key === key);

  /**
   * Each task the framework makes conditional, quoting it, and the projects for which it does not
   * apply; every other task applies to every project ("must be followed in all Commissioned Services
   * procurement projects", App C).
   */
  const CONDITIONAL: Record<
    string,
    { seed: string; notApplicable: RelevanceFacts[]; applicable: RelevanceFacts[] }
  > = {
    "4.3": {
      seed: "for specifications exceeding £1 million pounds",
      notApplicable: [{ valuePence: 0 }, { valuePence: 5_000_000 }, { valuePence: 100_000_000 }],
      applicable: [{ valuePence: 100_000_001 }, { valuePence: 500_000_000 }],
    },
    "7.1": {
      seed: "Any contract with value in excess of £1m is: (1) affixed with the common seal",
      notApplicable: [{ valuePence: 100_000_000 }],
      applicable: [{ valuePence: 100_000_001 }],
    },
    "7.7": {
      seed: "Any contract with value in excess of £1m is: (1) affixed with the common seal",
      notApplicable: [{ valuePence: 100_000_000 }],
      applicable: [{ valuePence: 100_000_001 }],
    },
    "7.9": {
      seed: "Any contract with value in excess of £1m is: (1) affixed with the common seal",
      notApplicable: [{ valuePence: 100_000_000 }],
      applicable: [{ valuePence: 100_000_001 }],
    },
    "8.4": {
      seed: "Ensure that OJEU notice is completed if required within 48 days of contract award",
      notApplicable: [
        // Below the threshold held on the day (docs/rules.md): no contract award notice.
        { valuePence: 17_393_300, regime: "PCR2006", on: "2013-06-03" }, // £173,933 < £173,934
        { valuePence: 17_251_300, regime: "PCR2006", on: "2015-02-25" }, // < £172,514
        { valuePence: 58_914_700, regime: "PCR2015", on: "2017-12-31" }, // < £589,148
        { valuePence: 66_353_900, regime: "PA2023", on: "2025-06-02" }, // < £663,540
      ],
      applicable: [
        { valuePence: 17_393_400, regime: "PCR2006", on: "2013-06-03" }, // at the threshold
        { valuePence: 58_914_800, regime: "PCR2015", on: "2017-12-31" },
        { valuePence: 66_354_000, regime: "PA2023", on: "2025-06-02" },
        { valuePence: 0, regime: "PSR", on: "2025-06-02" }, // no threshold: its own notices
        { valuePence: 0 }, // regime and date unknown: "if required" is not ruled out
      ],
    },
  };

  it("quotes the framework for every conditional task, and the template carries the rule", () => {
    for (const [key, { seed }] of Object.entries(CONDITIONAL)) {
      const t = templateTask(key);
      expect(t?.relevance, key).not.toBeNull();
      expect(`${t?.text ?? ""} ${t?.relevance?.seed ?? ""}`, key).toContain(seed);
    }
  });

  it.each(
    Object.entries(CONDITIONAL).flatMap(([key, c]) => [
      ...c.notApplicable.map((facts) => [key, facts, false] as const),
      ...c.applicable.map((facts) => [key, facts, true] as const),
    ]),
  )("task %s for %j applies: %s", (key, facts, expected) => {
    const found = taskFor(facts, key);
    expect(found?.applicable).toBe(expected);
    expect(found?.notApplicableReason ?? null).toBe(
      expected ? null : (templateTask(key)?.relevance?.reason ?? ""),
    );
  });

  it.each(TEMPLATE_TASKS.filter((t) => !(t.key in CONDITIONAL)).map((t) => [t.key, t.text] as const))(
    "task %s applies to every project: %s",
    (key) => {
      expect(templateTask(key)?.relevance).toBeNull();
      for (const facts of [
        { valuePence: 0 },
        { valuePence: 100_000_000, regime: "PCR2006", on: "2010-03-23" },
        { valuePence: 500_000_000, regime: "PA2023", on: "2025-06-02" },
        { valuePence: 1, regime: "PSR", on: "2025-06-02" },
      ]) {
        expect(taskFor(facts, key)?.applicable).toBe(true);
      }
    },
  );

  it("says why, with the framework's paragraph, and notes the Procurement Board on 1.5 over £1m", () => {
    expect(taskFor(100_000_000, "4.3")?.notApplicableReason).toMatch(
      /Procurement Board approves procurements over £1,000,000 only \(§3.10, App C 1\)/,
    );
    expect(taskFor(100_000_000, "7.7")?.notApplicableReason).toContain("App C 7");
    expect(
      taskFor({ valuePence: 1, regime: "PA2023", on: "2025-06-02" }, "8.4")?.notApplicableReason,
    ).toContain("App C 8");
    expect(taskFor(100_000_000, "1.5")?.note).toBeNull();
    expect(taskFor(100_000_001, "1.5")?.note).toMatch(/Procurement Board must approve/);
  });
});

describe("evidence that completes tasks", () => {
  it.each<[EvidenceItem, string[]]>([
    [{ type: "document", kind: "needs-assessment" }, ["1.1"]],
    [{ type: "document", kind: "business-case" }, ["1.3"]],
    [{ type: "document", kind: "eqia" }, ["1.4"]],
    [{ type: "record", kind: "eqia-screening-done" }, ["1.4"]],
    [{ type: "record", kind: "risk-register-started" }, ["1.7"]],
    [{ type: "document", kind: "market-capacity-report" }, ["2.1"]],
    [{ type: "document", kind: "consultation-report" }, ["3.3"]],
    [{ type: "record", kind: "eqia-signed-off" }, ["3.5"]],
    [{ type: "record", kind: "advert-live" }, ["5.1"]],
    [{ type: "record", kind: "tenders-opened" }, ["5.6"]],
    [{ type: "document", kind: "terms-of-reference" }, ["8.3"]],
    [{ type: "decision", kind: "business-case", bodyCode: "KDAAT_BOARD", decision: "approved" }, ["1.5"]],
    [{ type: "decision", kind: "business-case", bodyCode: "KDAAT_BOARD", decision: "rejected" }, []],
    [
      {
        type: "decision",
        kind: "service-specification-final",
        bodyCode: "JCG",
        decision: "approved-with-conditions",
      },
      ["3.6"],
    ],
    [
      { type: "decision", kind: "procurement-plan", bodyCode: "PROCUREMENT_BOARD", decision: "approved" },
      ["4.3"],
    ],
    [
      { type: "decision", kind: "procurement-plan", bodyCode: "PROCUREMENT_MANAGER", decision: "approved" },
      [],
    ],
    // A decision on one of the two outputs alone does not complete 4.5.
    [{ type: "decision", kind: "tender-evaluation-plan", bodyCode: "JCG", decision: "approved" }, []],
    [{ type: "document", kind: "cost-avoidance-paper" }, []],
    [{ type: "record", kind: "no-such-record" }, []],
    // A document of a kind is not a decision on it.
    [{ type: "document", kind: "evaluation-report" }, ["6.3"]],
    [{ type: "decision", kind: "evaluation-report", decision: "approved" }, ["6.4"]],
  ])("%j completes %j", (item, expected) => {
    expect(tasksCompletedBy(item)).toEqual(expected);
  });

  it("completes the strategy-and-plan approval only when both are approved", () => {
    const strategy: EvidenceItem = {
      type: "decision",
      kind: "procurement-strategy",
      bodyCode: "CSG",
      decision: "approved",
    };
    const plan: EvidenceItem = {
      type: "decision",
      kind: "tender-evaluation-plan",
      bodyCode: "CSG",
      decision: "approved",
    };
    expect(tasksCompletedBy([strategy, plan])).toEqual(["4.5"]);
    expect(tasksTouchedBy(strategy)).toEqual(["4.5"]);
  });

  it("says in words how a task completes itself", () => {
    expect(describeCompletion(task("1.1"))).toBe("when a needs assessment is uploaded");
    expect(describeCompletion(task("4.3"))).toMatch(/Procurement Board approves/);
    expect(describeCompletion(task("1.2"))).toBeNull();
  });
});
