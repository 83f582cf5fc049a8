import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { lockDataDirectory, lockHolderPath, readLockHolder } from "../../src/db/client.js";

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

/** Another process that takes the lock on `dir` and keeps it until it is killed. */
async function lockHolder(dir: string) {
  const code = `const { lockDataDirectory } = await import("./src/db/client.ts");
await lockDataDirectory(process.argv[1]);
console.log("locked");
setInterval(() => undefined, 60_000);`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", code, dir], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("locked")) resolve();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      reject(new Error(`the lock holder exited (${String(code)}) before it took the lock`));
    });
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      resolve();
    });
  });
  return {
    pid: child.pid,
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

it("takes over at once the lock of a holder killed with SIGKILL, and still refuses a live one, naming it", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "commissioner-lock-killed-"));
  try {
    const holder = await lockHolder(dir);
    expect(readLockHolder(dir)?.pid).toBe(holder.pid);
    await expect(lockDataDirectory(dir)).rejects.toThrow(
      `(process ${String(holder.pid)} on ${os.hostname()})`,
    );

    await holder.kill();
    const started = Date.now();
    const release = await lockDataDirectory(dir);
    // proper-lockfile alone waits 15 s for a dead holder's lock to go stale.
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(readLockHolder(dir)?.pid).toBe(process.pid);
    await release();
    expect(fs.existsSync(lockHolderPath(dir))).toBe(false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
