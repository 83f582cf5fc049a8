import { describe, expect, it } from "vitest";
import { ConflictError, ForbiddenError, NotFoundError, ProblemError, ValidationError } from "../errors.js";
import { formRefusal } from "./problems.js";

describe("which errors a form page shows beside its fields", () => {
  it.each<[string, unknown, boolean]>([
    ["invalid input (400)", new ValidationError([{ path: "title", message: "Enter a title" }]), true],
    ["a stale version (409)", new ConflictError("Someone else changed it"), true],
    ["forbidden (403)", new ForbiddenError("Not yours"), true],
    ["too large (413)", new ProblemError(413, "Too large", "The file is over 50 MB"), true],
    ["not found (404): the 404 page instead", new NotFoundError("No project has this id"), false],
    ["a server fault (500)", new ProblemError(500, "Broken", "Database away"), false],
    ["an error that is not a problem", new Error("bug"), false],
    ["not an error at all", "nope", false],
  ])("%s", (_name, error, shown) => {
    expect(formRefusal(error)).toBe(shown ? error : null);
  });
});
