import path from "node:path";
import { fileURLToPath } from "node:url";
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import multipart from "@fastify/multipart";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { fastifyTrustProxy, type Config } from "../config.js";
import type { Database } from "../db/client.js";
import type { Clock } from "../domain/clock.js";
import { isMigrated } from "../db/client.js";
import { errorForLog } from "../db/errors.js";
import { createServices, type Services } from "../services.js";
import { createWorker, type JobHandler } from "../jobs/worker.js";
import { DELIVER_MESSAGE_JOB, deliveryJobHandler } from "../modules/notifications/service.js";
import { TENDER_DEADLINE_REMINDER_JOB } from "../modules/tenders/deadline-reminder.js";
import { reminderJobHandler } from "../modules/tenders/reminders/service.js";
import { apiAuthPlugin } from "./api-auth.js";
import { csrfPlugin } from "./csrf.js";
import { errorsPlugin } from "./errors.js";
import { hostileInputPlugin } from "./hostile-input.js";
import { MAX_UPLOAD_BYTES } from "./limits.js";
import { metricsPlugin } from "./metrics.js";
import { registerModules } from "./modules.js";
import { securityHeadersPlugin } from "./security-headers.js";
import { sessionsPlugin } from "./sessions.js";
import { govukFrontendDist, mojFrontendRoot, viewsPlugin } from "./views.js";

const here = path.dirname(fileURLToPath(import.meta.url));

export interface AppOptions {
  database: Database;
  /** Fastify logger options; false in tests. */
  logger?: boolean | Record<string, unknown>;
  jobHandlers?: Record<string, JobHandler>;
  /** Told of every route as it is registered (the test that no GET changes anything lists them so). */
  onRoute?: (route: RouteOptions) => void;
  /** What day it is; the system's clock unless a test fixes the date. */
  clock?: Clock;
}

declare module "fastify" {
  interface FastifyInstance {
    services: Services;
    config: Config;
  }
}

export const PURGE_SESSIONS_JOB = "sessions:purge";

/** Log lines carry no personal data: no addresses, no query strings, no cookies, tokens or emails. */
export function loggerOptions(config: Config) {
  return {
    level: config.logLevel,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "*.email",
        "*.password",
        "*.name",
        "*.token",
      ],
      censor: "[redacted]",
    },
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url.split("?")[0],
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      // A failed query's parameters and the driver's detail hold personal data (src/db/errors.ts).
      err: (error: Error) => ({ ...errorForLog(error) }),
    },
  };
}

/** Builds the whole app on an open, migrated database; `server.ts` only listens. */
export async function buildApp(config: Config, options: AppOptions): Promise<FastifyInstance> {
  const services = createServices(options.database, config, options.clock);
  const app = createServer(config, options, services);
  await registerRequestHandling(app, config);
  await registerAssets(app);
  await app.register(sessionsPlugin, { config, accounts: services.accounts });
  await app.register(apiAuthPlugin, { accounts: services.accounts });
  await app.register(csrfPlugin, { config });
  await app.register(viewsPlugin, { config });
  await app.register(errorsPlugin);
  await app.register(hostileInputPlugin);
  await app.register(metricsPlugin, { token: config.metricsToken });

  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const ready = await isMigrated(options.database).catch(() => false);
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready" });
  });

  await registerModules(app);
  runJobs(app, config, services, options.jobHandlers);
  return app;
}

/** The Fastify instance with the services and config on it, Zod for schemas, and a graceful close. */
function createServer(config: Config, options: AppOptions, services: Services) {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config),
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: 1_048_576,
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<ZodTypeProvider>();
  if (options.onRoute) app.addHook("onRoute", options.onRoute);
  app.decorate("services", services);
  app.decorate("config", config);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Graceful shutdown: a response sent after close() began ends its keep-alive connection, so the
  // server closes as soon as the requests in flight are done, not a keep-alive timeout later.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (_request, reply) => {
    if (closing) reply.header("connection", "close");
  });
  return app;
}

/** The OpenAPI document, cookies, form and multipart bodies, and the security headers. */
async function registerRequestHandling(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Commissioner API",
        version: "1.0.0",
        description: "The public JSON API of Commissioner (docs/api.md).",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(cookie, { secret: config.sessionSecret });
  await app.register(formbody);
  await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 10, fields: 50 } });
  await app.register(securityHeadersPlugin, { secure: config.secureCookies });
}

/** GOV.UK Frontend's assets, styles and scripts, the app's own, and MOJ Frontend's styles. */
async function registerAssets(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: path.join(govukFrontendDist, "govuk/assets"),
    prefix: "/assets/",
    maxAge: "1d",
  });
  await app.register(fastifyStatic, {
    root: path.join(govukFrontendDist, "govuk"),
    prefix: "/stylesheets/",
    decorateReply: false,
    allowedPath: (p) => p.endsWith(".css"),
    maxAge: "1d",
  });
  await app.register(fastifyStatic, {
    root: [path.join(here, "public"), path.join(govukFrontendDist, "govuk")],
    prefix: "/javascripts/",
    decorateReply: false,
    allowedPath: (p) => p.endsWith(".js") || p.endsWith(".mjs"),
    maxAge: "1d",
  });
  app.get("/stylesheets/app.css", { schema: { hide: true } }, async (_request, reply) =>
    reply.sendFile("app.css", path.join(here, "public")),
  );
  // MOJ Frontend's styles, loaded on every page by the layout (its components: sub-navigation, timeline).
  app.get("/stylesheets/moj-frontend.min.css", { schema: { hide: true } }, async (_request, reply) =>
    reply.sendFile("moj-frontend.min.css", path.join(mojFrontendRoot, "moj"), { maxAge: "1d" }),
  );
}

/** The job worker with the app's handlers, started when the app is ready (if jobs run here), stopped on close. */
function runJobs(
  app: FastifyInstance,
  config: Config,
  services: Services,
  jobHandlers: AppOptions["jobHandlers"],
): void {
  const worker = createWorker(
    services.jobs,
    {
      // Recurring: each run queues the next, an hour on.
      [PURGE_SESSIONS_JOB]: async () => {
        await services.accounts.purgeExpiredSessions();
        await services.passwordResets.purge();
        await services.jobs.enqueue(PURGE_SESSIONS_JOB, {}, new Date(Date.now() + 3_600_000));
      },
      [DELIVER_MESSAGE_JOB]: deliveryJobHandler(services.notifications, app.log),
      [TENDER_DEADLINE_REMINDER_JOB]: reminderJobHandler(services.tenderOpening.reminders),
      ...jobHandlers,
    },
    app.log,
  );
  if (config.jobsEnabled) {
    app.addHook("onReady", async () => {
      await services.jobs.ensureQueued(PURGE_SESSIONS_JOB);
      worker.start();
    });
  }
  app.addHook("onClose", async () => worker.stop());
}
