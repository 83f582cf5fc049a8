import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { admittedActor, safeNext } from "./guards.js";

const request = (actor: FastifyRequest["actor"]) =>
  ({ actor, method: "GET", routeOptions: { url: "/projects/:id" } }) as unknown as FastifyRequest;

describe("admittedActor", () => {
  it("gives the person the guard let through", () => {
    const actor = {
      id: "u1",
      label: "a@example.org",
      roles: ["commissioner" as const],
      organisationId: null,
    };
    expect(admittedActor(request(actor))).toBe(actor);
  });

  it("fails loudly, naming the route, when a route was registered without a guard", () => {
    expect(() => admittedActor(request(null))).toThrow("GET /projects/:id has no guard");
  });
});

describe("safeNext", () => {
  const cases: [unknown, string][] = [
    ["/projects", "/projects"],
    ["/projects/1?tab=risks#top", "/projects/1?tab=risks#top"],
    ["/%09/evil.example/", "/%09/evil.example/"],
    ["//evil.example/", "/"],
    ["/\\evil.example/", "/"],
    ["/\\\\evil.example/", "/"],
    ["/\t/evil.example/", "/"],
    ["/\n/evil.example/", "/"],
    ["/\r\nSet-Cookie: a=b", "/"],
    ["/\u0000", "/"],
    ["/\u007f", "/"],
    ["https://evil.example/", "/"],
    ["javascript:alert(1)", "/"],
    ["evil.example", "/"],
    ["", "/"],
    [undefined, "/"],
    [["/projects"], "/"],
  ];
  it.each(cases)("takes %j to %j", (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });
});
