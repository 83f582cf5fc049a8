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

describe("relevance by value", () => {
  const applicable = (value: number, key: string) =>
    checklistFor(value)
      .flatMap((s) => s.tasks)
      .find((t) => t.key === key);

  it.each([
    // [value in pence, task, applies?] — Procurement Board over £1m (§3.10, App C 4); sealing over £1m (App C 7)
    [100_000_000, "4.3", false], // £1,000,000: not over £1m
    [100_000_001, "4.3", true], // £1,000,000.01
    [5_000_000, "4.3", false],
    [100_000_000, "7.1", false],
    [100_000_001, "7.1", true],
    [100_000_000, "7.7", false],
    [100_000_001, "7.7", true],
    [100_000_000, "7.9", false],
    [100_000_001, "7.9", true],
    [100_000_000, "1.5", true],
    [0, "1.1", true],
  ])("at %i pence task %s applies: %s", (value, key, expected) => {
    expect(applicable(value, key)?.applicable).toBe(expected);
  });

  it("says why the Procurement Board task does not apply at £1,000,000", () => {
    const task = applicable(100_000_000, "4.3");
    expect(task?.notApplicableReason).toMatch(/Procurement Board approves procurements over £1,000,000 only/);
    expect(task?.notApplicableReason).toContain("§3.10");
    expect(applicable(100_000_001, "4.3")?.notApplicableReason).toBeNull();
    expect(applicable(100_000_000, "7.7")?.notApplicableReason).toContain("App C 7");
  });

  it("adds the Procurement Board note to the approval task only over £1m", () => {
    expect(applicable(100_000_000, "1.5")?.note).toBeNull();
    expect(applicable(100_000_001, "1.5")?.note).toMatch(/Procurement Board must approve/);
  });

  it("leaves every other task applicable at any value", () => {
    const valueBound = new Set(["4.3", "7.1", "7.7", "7.9"]);
    for (const t of checklistFor(0).flatMap((s) => s.tasks)) {
      expect(t.applicable, t.key).toBe(!valueBound.has(t.key));
    }
    expect(
      checklistFor(500_000_000)
        .flatMap((s) => s.tasks)
        .every((t) => t.applicable),
    ).toBe(true);
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
