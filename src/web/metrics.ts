import { createHash, timingSafeEqual } from "node:crypto";
import fp from "fastify-plugin";
import { collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** True when `header` is `Bearer <token>`; compared in constant time (of equal-length digests). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const offered = /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1] ?? "";
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(offered), digest(token)) && offered.length > 0;
}

/**
 * Prometheus metrics at /metrics: one registry per app, so tests and several apps in one process agree.
 * The metrics tell anyone who reads them how the service is used and when, so they are served only to a
 * scraper that sends METRICS_TOKEN; without one set there is no /metrics at all (a 404). A token rather
 * than a second, loopback-only listener: Prometheus usually scrapes from another host or container.
 */
export const metricsPlugin = fp<{ token: string | undefined }>(
  async (app, { token }) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const duration = new Histogram({
      name: "http_request_duration_seconds",
      help: "Time to answer HTTP requests, by route",
      labelNames: ["method", "route", "status_code"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    app.addHook("onResponse", async (request, reply) => {
      duration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? "unmatched",
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });
    if (!token) return;
    app.get("/metrics", { schema: { hide: true } }, async (request, reply) => {
      if (!bearerMatches(request.headers.authorization, token))
        return reply
          .code(401)
          .header("www-authenticate", 'Bearer realm="metrics"')
          .type("text/plain; charset=utf-8")
          .send("Send the metrics token: Authorization: Bearer <METRICS_TOKEN>\n");
      return reply.type(registry.contentType).send(await registry.metrics());
    });
  },
  { name: "metrics" },
);
