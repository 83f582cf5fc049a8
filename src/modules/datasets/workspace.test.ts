import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ABANDONED_AFTER_MS, importWorkspace, ownerOf } from "./workspace.js";

const roots: string[] = [];
function scratchRoot() {
  const root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "workspace-test-")), "tmp", "imports");
  roots.push(root);
  return root;
}
afterEach(() => {
  for (const root of roots.splice(0))
    fs.rmSync(path.dirname(path.dirname(root)), { recursive: true, force: true });
});

const thisHost = os.hostname().replace(/[^A-Za-z0-9.-]/g, "_");
/** A pid that is not running: far above any the kernel hands out by default. */
const DEAD_PID = 2_147_483_000;

describe("import workspace", () => {
  it("makes each import's folder under its root, named after this host and process", () => {
    const root = scratchRoot();
    const folder = importWorkspace(root).create();
    expect(path.dirname(folder)).toBe(root);
    expect(ownerOf(path.basename(folder))).toEqual({ host: thisHost, pid: process.pid });
  });

  it.each([
    ["this host, process gone", `${thisHost}-${DEAD_PID}-abc123`, 0, true],
    ["this host, process running", `${thisHost}-${process.ppid}-abc123`, 0, false],
    ["this process", `${thisHost}-${process.pid}-abc123`, 0, false],
    ["another host, recent", `other-host-${DEAD_PID}-abc123`, 0, false],
    ["another host, untouched for a day", `other-host-${DEAD_PID}-abc123`, ABANDONED_AFTER_MS + 60_000, true],
    ["a name of another shape, untouched for a day", "leftover", ABANDONED_AFTER_MS + 60_000, true],
  ])("at start: %s → removed %s", (_what, name, ageMs, removed) => {
    const root = scratchRoot();
    fs.mkdirSync(path.join(root, name), { recursive: true });
    fs.writeFileSync(path.join(root, name, "rows.copy"), "x".repeat(1000));
    const past = new Date(Date.now() - ageMs);
    fs.utimesSync(path.join(root, name), past, past);
    expect(importWorkspace(root).clean()).toEqual(removed ? [name] : []);
    expect(fs.existsSync(path.join(root, name))).toBe(!removed);
  });

  it("has nothing to clean before the first import", () => {
    expect(importWorkspace(scratchRoot()).clean()).toEqual([]);
  });
});
