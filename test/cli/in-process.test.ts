import fs from "node:fs";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAuditVerify } from "../../src/cli/audit.js";
import type { CliContext, Output } from "../../src/cli/context.js";
import { runDemo } from "../../src/cli/demo.js";
import { CliError, describeFailure } from "../../src/cli/errors.js";
import { buildProgram } from "../../src/cli/program.js";
import { parseUserCreate, runTokenCreate, runUserCreate } from "../../src/cli/users.js";
import { DataDirectoryLockedError } from "../../src/db/client.js";
import { ConfigError } from "../../src/config.js";
import { createServices } from "../../src/services.js";
import { createTestDatabase, testConfig } from "../helpers.js";

/** The commands' own functions, called in-process on a test database (no spawn, no PGlite start). */
function collector(): Output & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(l) };
}

let context: CliContext;
beforeAll(async () => {
  const database = await createTestDatabase();
  const config = testConfig();
  context = { database, config, services: createServices(database, config) };
});
afterAll(async () => {
  await context.database.close();
  fs.rmSync(context.config.dataDir, { recursive: true, force: true });
});

describe("help", () => {
  it.each([
    ["serve", ["--port <port>"]],
    ["migrate", []],
    ["demo", []],
    [
      "user:create",
      ["--email <address>", "--name <name>", "--role <code>", "--org <code-or-name>", "--password"],
    ],
    ["token:create", ["--email <address>", "--name <name>"]],
    ["audit:verify", []],
    ["backup", ["<file>", "--force"]],
    [
      "restore",
      ["<file>", "--skip-signature-check", "--new-pseudonymisation-key", "--allow-broken-audit-chain"],
    ],
  ])("%s has a one-line description and lists its options", (name, options) => {
    const command = buildProgram().commands.find((c) => c.name() === name);
    if (!command) throw new Error(`no command ${name}`);
    expect(command.description()).toMatch(/^[a-z].+[^.]$/);
    expect(command.description()).not.toContain("\n");
    const help = command.helpInformation();
    for (const option of [...options, "--help"]) expect(help).toContain(option);
  });

  it("says in backup and restore help which tables are left out", () => {
    const program = buildProgram();
    for (const name of ["backup", "restore"]) {
      const command = program.commands.find((c) => c.name() === name);
      let text = "";
      command?.configureOutput({ writeOut: (s) => (text += s) }).exitOverride();
      expect(() => command?.parse(["--help"], { from: "user" })).toThrow();
      expect(text).toContain("sessions, sign_in_attempts");
    }
  });
});

describe("exit codes", () => {
  it.each<[Error, number]>([
    [new CliError("x", 2), 2],
    [new ConfigError("Configuration is not valid"), 2],
    [new DataDirectoryLockedError("/data"), 1],
    [new Error("connect ECONNREFUSED"), 1],
  ])("%s exits %i", (error, code) => {
    expect(describeFailure(error).exitCode).toBe(code);
  });
});

describe("user:create and token:create", () => {
  it("refuses an unknown role before opening anything, listing the valid codes", () => {
    const error = (() => {
      try {
        parseUserCreate({ email: "a@b.example", name: "A", role: ["commissioner", "wizard"] });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CliError);
    expect(error).toMatchObject({ exitCode: 2 });
    expect((error as Error).message).toContain(
      'Unknown role "wizard". Valid role codes: administrator, commissioner',
    );
  });

  it("refuses a short password and a missing role as bad usage", () => {
    expect(() =>
      parseUserCreate({ email: "a@b.example", name: "A", role: ["evaluator"], password: "short" }),
    ).toThrow(/--password: Password must be 12 characters or more/);
    expect(() => parseUserCreate({ email: "a@b.example", name: "A", role: [] })).toThrow(
      /at least one --role/,
    );
  });

  it("creates a user with the password given, and refuses an unknown organisation with exit code 2", async () => {
    const output = collector();
    await runUserCreate(
      context,
      parseUserCreate({
        email: "cli.user@council.example",
        name: "Cli User",
        role: ["commissioner"],
        password: "a long enough password",
      }),
      output,
    );
    expect(output.lines).toEqual(["Created Cli User <cli.user@council.example> with role commissioner."]);

    const failure = await runUserCreate(
      context,
      parseUserCreate({ email: "p@provider.example", name: "P", role: ["provider-user"], org: "NOPE" }),
      collector(),
    ).catch((e: unknown) => describeFailure(e));
    expect(failure).toMatchObject({ exitCode: 2, message: 'No organisation has the code or name "NOPE"' });
  });

  it("prints only the token, and refuses an unknown email", async () => {
    const output = collector();
    const token = await runTokenCreate(
      context,
      { email: "CLI.USER@council.example", name: "nightly" },
      output,
    );
    expect(output.lines).toEqual([token]);
    expect(token).toMatch(/^cmr_/);
    await expect(
      runTokenCreate(context, { email: "nobody@x.example", name: "n" }, collector()),
    ).rejects.toMatchObject({
      exitCode: 1,
      message: "No user has the email address nobody@x.example",
    });
  });
});

describe("demo", () => {
  it("loads the demo data into an empty database and prints the sign-ins; refuses once there are users", async () => {
    const database = await createTestDatabase();
    const config = testConfig();
    const fresh: CliContext = { database, config, services: createServices(database, config) };
    try {
      const output = collector();
      const signIns = await runDemo(fresh, output);
      expect(signIns.length).toBeGreaterThan(5);
      expect(output.lines[0]).toMatch(/^Demo data loaded/);
      expect(output.lines.join("\n")).toContain("admin@commissioner.example");

      await expect(runDemo(fresh, collector())).rejects.toMatchObject({
        exitCode: 1,
        message: expect.stringMatching(/already has \d+ users.*Nothing was changed/) as unknown,
      });
    } finally {
      await database.close();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    }
  });
});

describe("audit:verify", () => {
  it("reports an intact chain, then names the first record of a tampered one and exits 1", async () => {
    const output = collector();
    const total = await runAuditVerify(context, output);
    expect(total).toBeGreaterThanOrEqual(2);
    expect(output.lines).toEqual([`Audit chain intact: ${total} records`]);

    const rows = context.database.rows.bind(context.database);
    const [target] = await rows<{ id: string }>(sql`SELECT id FROM audit_events WHERE seq = 2`);
    if (!target) throw new Error("no second record");
    // The trigger refuses changes; an attacker with the owner's rights switches it off first.
    await rows(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`);
    await rows(sql`UPDATE audit_events SET summary = '{"name": "Someone Else"}'::jsonb WHERE seq = 2`);
    await rows(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`);

    const failure = await runAuditVerify(context, collector()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CliError);
    expect(failure).toMatchObject({ exitCode: 1 });
    expect((failure as Error).message).toBe(
      `Audit chain broken at record 2 (id ${target.id}): its content does not match its hash (it was altered). The 1 record before it verified.`,
    );
  });
});
