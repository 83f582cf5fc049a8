import type { Command } from "commander";
import { ROLE_CODES, isRole } from "../domain/roles.js";
import { SYSTEM_ACTOR } from "../domain/policy.js";
import { userInput, type UserInput } from "../modules/users/service.js";
import { consoleOutput, withServices, type CliContext, type Output } from "./context.js";
import { refused, usageError } from "./errors.js";

export interface UserCreateOptions {
  email?: string;
  name?: string;
  role: string[];
  org?: string;
  password?: string;
}

/** Checks the options before the database is opened, so a mistake costs nothing. */
export function parseUserCreate(options: UserCreateOptions): UserInput {
  const unknown = options.role.filter((r) => !isRole(r));
  if (unknown.length > 0)
    throw usageError(
      `Unknown role ${unknown.map((r) => `"${r}"`).join(", ")}. Valid role codes: ${ROLE_CODES.join(", ")}`,
    );
  if (options.role.length === 0)
    throw usageError(`Give at least one --role. Valid role codes: ${ROLE_CODES.join(", ")}`);
  const parsed = userInput.safeParse({
    email: options.email,
    name: options.name,
    roles: options.role,
    organisationCode: options.org,
    password: options.password,
  });
  if (!parsed.success) {
    const fieldNames: Record<string, string> = { organisationCode: "--org", roles: "--role" };
    throw usageError(
      parsed.error.issues
        .map((i) => {
          const field = String(i.path[0] ?? "");
          return `${fieldNames[field] ?? `--${field}`}: ${i.message}`;
        })
        .join("; "),
    );
  }
  return parsed.data;
}

export async function runUserCreate(
  context: CliContext,
  input: UserInput,
  output: Output = consoleOutput,
): Promise<void> {
  const { user, generatedPassword } = await context.services.users.create(SYSTEM_ACTOR, input);
  output.out(
    `Created ${user.name} <${user.email}> with role${user.roles.length === 1 ? "" : "s"} ${user.roles.join(", ")}` +
      (user.organisationName ? ` at ${user.organisationName}` : "") +
      ".",
  );
  if (generatedPassword)
    output.out(`Password: ${generatedPassword}  (shown once: give it to them safely; they can change it)`);
  if (user.roles.includes("administrator"))
    output.out("They set up two-factor sign-in when they first sign in.");
}

/** Makes an API token for a user; only the token goes to stdout, so a script can capture it. */
export async function runTokenCreate(
  context: CliContext,
  options: { email: string; name: string },
  output: Output = consoleOutput,
): Promise<string> {
  const user = await context.services.users.findByEmail(options.email);
  if (!user) throw refused(`No user has the email address ${options.email}`);
  if (!user.active) throw refused(`${user.email} is deactivated: reactivate them before making a token`);
  const created = await context.services.accounts.createApiToken(SYSTEM_ACTOR, user.id, options.name);
  output.out(created.token);
  return created.token;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerUsers(program: Command): void {
  program
    .command("user:create")
    .description("create a user; prints a generated password when none is given")
    .requiredOption("--email <address>", "their email address (they sign in with it)")
    .requiredOption("--name <name>", "their full name")
    .option("--role <code>", `a role code, repeatable: ${ROLE_CODES.join(", ")}`, collect, [])
    .option(
      "--org <code-or-name>",
      "their organisation's code or exact name (needed for provider and supplier users)",
    )
    .option("--password <password>", "their first password (12 characters or more); generated when left out")
    .action(async (options: UserCreateOptions) => {
      const input = parseUserCreate(options);
      await withServices((context) => runUserCreate(context, input));
    });

  program
    .command("token:create")
    .description("print a new API token for a user (only the token, so scripts can capture it)")
    .requiredOption("--email <address>", "the user's email address")
    .option("--name <name>", "what the token is for, shown in their list of tokens", "command line")
    .action(async (options: { email: string; name: string }) => {
      await withServices((context) => runTokenCreate(context, options));
    });
}
