import "@fastify/view";
import fp from "fastify-plugin";
import type { Config } from "../config.js";
import { csrfTokenValid, isApiOrAsset } from "./sessions.js";

/**
 * Every state-changing page request carries the CSRF token of its browser (synchroniser token,
 * keyed on the session cookie). The JSON API uses bearer tokens, which a browser never sends by itself.
 */
export const csrfPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    app.addHook("preHandler", async (request, reply) => {
      if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS") return;
      if (isApiOrAsset(request.url)) return;
      const body = request.body;
      const token = typeof body === "object" && body !== null && "_csrf" in body ? body._csrf : undefined;
      if (!csrfTokenValid(request, token, config.sessionSecret)) {
        request.log.warn({ url: request.routeOptions.url }, "CSRF token missing or wrong");
        return reply.code(403).view("errors/csrf.njk", { pageTitle: "Your form could not be sent" });
      }
    });
  },
  { name: "csrf", dependencies: ["sessions"] },
);
