import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { admittedActor } from "./guards.js";

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
