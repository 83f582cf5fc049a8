import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { lockDataDirectory } from "../../src/db/client.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "commissioner-lock-"));
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The real `commissioner` on the embedded database in dataDir. */
function commissioner(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "silent" };
  delete env.DATABASE_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/commissioner.js", ...args], { cwd: root, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

it("refuses a second process on the embedded database while another holds it, and runs once it is free", async () => {
  const release = await lockDataDirectory(dataDir);
  let released = false;
  try {
    const blocked = await commissioner("migrate");
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(
      `The data directory ${dataDir} is in use by another Commissioner process`,
    );
    expect(blocked.stderr).toContain("Stop the other process first, or use the API with a token");
    expect(blocked.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
    expect(fs.existsSync(path.join(dataDir, "pg"))).toBe(false);

    await release();
    released = true;
    const free = await commissioner("migrate");
    expect(free.stderr).toBe("");
    expect(free.code).toBe(0);
    expect(free.stdout).toMatch(/Applied \d+ migrations/);
  } finally {
    if (!released) await release();
  }
}, 90_000);
