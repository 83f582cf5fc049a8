import { describe, expect, it } from "vitest";
import { presentHistory } from "./presenter.js";

const at = new Date("2026-03-10T09:30:00Z");

describe("presentHistory", () => {
  it("reads a change back with its fields in words", () => {
    const h = presentHistory({
      version: 2,
      changedAt: at,
      changedBy: "Ann Owner",
      snapshot: {
        action: "updated",
        before: { likelihood: 3, owner: "Bob" },
        changes: {
          likelihood: { from: 3, to: 5 },
          owner: { from: "Bob", to: "" },
          extra: { from: null, to: [1] },
        },
      },
    });
    expect(h).toEqual({
      version: 2,
      changedAt: "2026-03-10T09:30:00.000Z",
      changedBy: "Ann Owner",
      action: "updated",
      before: { likelihood: 3, owner: "Bob" },
      changes: {
        likelihood: { from: 3, to: 5 },
        owner: { from: "Bob", to: "" },
        extra: { from: null, to: [1] },
      },
      changeList: [
        { field: "Likelihood", from: "3", to: "5" },
        { field: "Owner", from: "Bob", to: "none" },
        { field: "extra", from: "none", to: "[1]" },
      ],
    });
  });

  it("reads a snapshot that lacks its fields with the defaults, and no person as the system", () => {
    const h = presentHistory({ version: 1, changedAt: at, changedBy: null, snapshot: { action: 7 } });
    expect(h).toMatchObject({
      changedBy: "the system",
      action: "updated",
      before: null,
      changes: {},
      changeList: [],
    });
  });
});
