import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../global-setup.js";

/**
 * The real `commissioner` command, spawned: on the embedded database in a new DATA_DIR, or with
 * TEST_DATABASE_URL on a new, empty PostgreSQL database. Each spawn costs a second or more, so few.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "commissioner-cli-"));
const adminUrl = process.env.TEST_DATABASE_URL;
const databaseName = `commissioner_t_cli_${process.pid}_${randomBytes(3).toString("hex")}`;

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  if (adminUrl) await admin(`CREATE DATABASE ${databaseName}`);
});
afterAll(async () => {
  if (adminUrl) await admin(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function commissioner(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "silent" };
  delete env.DATABASE_URL;
  if (adminUrl) {
    env.DATABASE_URL = withDatabase(adminUrl, databaseName);
    env.SESSION_SECRET = randomBytes(32).toString("hex");
    env.PSEUDONYMISATION_SECRET = randomBytes(32).toString("hex");
    env.SEALING_SECRET = randomBytes(32).toString("hex");
  }
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

describe("commissioner", () => {
  it("shows a command's help with its options", async () => {
    const help = await commissioner("user:create", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: commissioner user:create [options]");
    for (const option of ["--email <address>", "--name <name>", "--role <code>", "--org", "--password"])
      expect(help.stdout).toContain(option);
  });

  it("migrates a new database, then says it is up to date", async () => {
    const first = await commissioner("migrate");
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Applied \d+ migrations to the .*; it is up to date/);
    const second = await commissioner("migrate");
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/is up to date .*nothing to do/);
  }, 90_000);

  it("creates a user with a generated password, then an API token for them", async () => {
    const created = await commissioner(
      "user:create",
      "--email",
      "Robin.Ops@Council.example",
      "--name",
      "Robin Ops",
      "--role",
      "commissioner",
      "--role",
      "evaluator",
    );
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(
      "Created Robin Ops <robin.ops@council.example> with roles commissioner, evaluator",
    );
    expect(created.stdout).toMatch(/Password: \S{12,}/);

    const token = await commissioner(
      "token:create",
      "--email",
      "robin.ops@council.example",
      "--name",
      "nightly",
    );
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^cmr_[A-Za-z0-9_-]+\n$/);
  }, 60_000);

  it("refuses an unknown role with exit code 2, listing the valid codes", async () => {
    const bad = await commissioner(
      "user:create",
      "--email",
      "x@council.example",
      "--name",
      "X",
      "--role",
      "wizard",
    );
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr.trim()).toBe(
      'Unknown role "wizard". Valid role codes: administrator, commissioner, procurement-officer, evaluator, authorised-officer, board-member, provider-user, supplier-user',
    );
  });

  it("verifies the audit chain", async () => {
    const verified = await commissioner("audit:verify");
    expect(verified.code).toBe(0);
    // user created, token created
    expect(verified.stdout.trim()).toBe("Audit chain intact: 2 records");
  }, 60_000);
});
