import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { renderStatus } from "../../web/errors.js";
import { requirePage } from "../../web/guards.js";
import { outboxPaths } from "./paths.js";
import { presentMessage, presentOutboxRow } from "./presenter.js";
import { pagination } from "../../web/pagination.js";

const OUTBOX_PAGE_SIZE = 50;

const pageQuery = z.object({ page: z.coerce.number().int().positive().default(1) });
const messageParams = z.object({ id: z.uuid() });

/** The outbox: every message the service has sent or will send, for administrators. */
export const outboxRoutes: FastifyPluginAsyncZod = async (app) => {
  const { notifications } = app.services;
  const read = { preHandler: requirePage("outbox:read"), schema: { hide: true } };
  const delivery = notifications.deliveryKind;

  app.get(outboxPaths.list, read, async (request, reply) => {
    const query = pageQuery.safeParse(request.query ?? {});
    if (!query.success) return renderStatus(reply, 404);
    const current = query.data.page;
    const { rows, total } = await notifications.page((current - 1) * OUTBOX_PAGE_SIZE, OUTBOX_PAGE_SIZE);
    const pages = Math.max(1, Math.ceil(total / OUTBOX_PAGE_SIZE));
    if (current > pages) return renderStatus(reply, 404);
    const href = (n: number) => `${outboxPaths.list}${n > 1 ? `?page=${String(n)}` : ""}`;
    return reply.view("notifications/views/outbox.njk", {
      pageTitle: `Outbox${pages > 1 ? ` (page ${String(current)} of ${String(pages)})` : ""}`,
      delivery,
      total,
      firstShown: (current - 1) * OUTBOX_PAGE_SIZE + 1,
      messages: rows.map((row) => presentOutboxRow(row, delivery)),
      pagination: pagination(current, pages, href),
    });
  });

  app.get(outboxPaths.message(), read, async (request, reply) => {
    const params = messageParams.safeParse(request.params);
    const row = params.success ? await notifications.message(params.data.id) : null;
    if (!row) return renderStatus(reply, 404);
    const message = presentMessage(row, delivery);
    // The text may hold a single-use link: never kept by a browser or a proxy.
    return reply.header("cache-control", "no-store").view("notifications/views/message.njk", {
      pageTitle: `Message: ${message.subject}`,
      delivery,
      message,
      back: outboxPaths.list,
    });
  });
};
