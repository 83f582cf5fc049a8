import { describe, expect, it } from "vitest";
import { rowsAgainstChain, type AuditFact, type ChainRecordedTable, type RowValues } from "./audit-rows.js";

const PROJECTS: ChainRecordedTable = {
  entityType: "project",
  table: "projects",
  fields: { title: "title", estimatedValuePence: "estimated_value_pence", startedOn: "started_on" },
};

const created: AuditFact = {
  entityId: "p1",
  action: "created",
  summary: { title: "Floating support", estimatedValuePence: 125_000_000, startedOn: "2026-04-01", other: 1 },
};
const retitled: AuditFact = {
  entityId: "p1",
  action: "updated",
  summary: { changes: { title: { from: "Floating support", to: "Floating support (Lot 2)" } }, version: 2 },
};
const advanced: AuditFact = { entityId: "p1", action: "advanced", summary: { from: "1", to: "2" } };

const row = (values: Partial<RowValues> = {}): RowValues => ({
  id: "p1",
  title: "Floating support (Lot 2)",
  // bigint columns travel as PostgreSQL text.
  estimated_value_pence: "125000000",
  started_on: "2026-04-01",
  stage: "2",
  ...values,
});

describe("rows against the audit chain (a restore's second check)", () => {
  it.each<[string, AuditFact[], RowValues[], string[]]>([
    ["a row as last recorded", [created, retitled, advanced], [row()], []],
    ["a field the chain does not record (stage)", [created, retitled], [row({ stage: "5" })], []],
    [
      "an edited title",
      [created, retitled],
      [row({ title: "Something else" })],
      ["projects p1: title is not what the audit trail last recorded"],
    ],
    [
      "a title edited back to its first value",
      [created, retitled],
      [row({ title: "Floating support" })],
      ["projects p1: title is not what the audit trail last recorded"],
    ],
    [
      "an edited value in pence",
      [created],
      [row({ title: "Floating support", estimated_value_pence: "1" })],
      ["projects p1: estimated_value_pence is not what the audit trail last recorded"],
    ],
    [
      "a row the chain never created",
      [created, retitled],
      [row(), row({ id: "p2" })],
      ["projects p2: has no audit record of its creation"],
    ],
    [
      "a created row that is missing",
      [created],
      [],
      ["projects p1: is recorded as created in the audit trail but is missing"],
    ],
    ["a created row deleted since", [created, { entityId: "p1", action: "deleted", summary: {} }], [], []],
    [
      "null recorded and stored",
      [{ entityId: "p1", action: "created", summary: { title: null } }],
      [row({ title: null })],
      [],
    ],
    [
      "null recorded, a value stored",
      [{ entityId: "p1", action: "created", summary: { title: null } }],
      [row({ title: "x" })],
      ["projects p1: title is not what the audit trail last recorded"],
    ],
  ])("%s", (_case, facts, rows, expected) => {
    expect(rowsAgainstChain(PROJECTS, facts, rows).map((m) => `${m.table} ${m.id}: ${m.problem}`)).toEqual(
      expected,
    );
  });
});
