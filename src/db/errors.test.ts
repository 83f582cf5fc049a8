import { DrizzleQueryError } from "drizzle-orm/errors";
import { describe, expect, it } from "vitest";
import { errorForLog, statementShape, withoutQuotedValues } from "./errors.js";

/** A driver error as pg and PGlite make them: SQLSTATE, severity, and a detail that repeats values. */
function databaseError(message: string, fields: Record<string, string>) {
  return Object.assign(new Error(message), { name: "error", severity: "ERROR", ...fields });
}

describe("errors as logged (no personal data)", () => {
  it.each([
    ["select 1 where name = 'Alice Person'", "select 1 where name = '…'"],
    ["select 'it''s', $1", "select '…', $1"],
    ["insert into users (email) values ($1)", "insert into users (email) values ($1)"],
  ])("shapes %j as %j", (query, shape) => {
    expect(statementShape(query)).toBe(shape);
  });

  it.each([
    ['invalid input syntax for type uuid: "Alice Person"', 'invalid input syntax for type uuid: "…"'],
    [
      'duplicate key value violates unique constraint "users_email_unique"',
      'duplicate key value violates unique constraint "…"',
    ],
    ["first line\nsecond line with bob@example.org", "first line"],
  ])("takes quoted values out of %j", (message, logged) => {
    expect(withoutQuotedValues(message)).toBe(logged);
  });

  it("keeps a failed query's class, statement, code and constraint, and drops its parameters and the detail", () => {
    const cause = databaseError('duplicate key value violates unique constraint "users_email_unique"', {
      code: "23505",
      constraint: "users_email_unique",
      table: "users",
      detail: "Key (lower(email))=(bob@example.org) already exists.",
    });
    const error = new DrizzleQueryError(
      "insert into users (email, name) values ($1, $2)",
      ["bob@example.org", "Bob"],
      cause,
    );
    const logged = errorForLog(error);
    expect(logged).toMatchObject({
      type: "DrizzleQueryError",
      message: "Failed query",
      statement: "insert into users (email, name) values ($1, $2)",
      cause: { type: "DatabaseError", code: "23505", constraint: "users_email_unique", table: "users" },
    });
    expect(JSON.stringify(logged)).not.toMatch(/bob@example\.org|"Bob"|params|detail/);
  });

  it("logs other errors by class, message and frames, and anything thrown that is not an Error by its type", () => {
    expect(errorForLog(new TypeError("x is not a function"))).toMatchObject({
      type: "TypeError",
      message: "x is not a function",
      stack: expect.stringMatching(/^\s+at /) as unknown,
    });
    expect(errorForLog("bob@example.org")).toEqual({ type: "string", message: "(not an Error)", stack: "" });
  });
});
