import type { FastifyInstance } from "fastify";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { presentHome } from "./presenter.js";

export async function homeRoutes(app: FastifyInstance) {
  app.get(
    paths.home,
    { preHandler: requirePage("home:view"), schema: { hide: true } },
    async (request, reply) => {
      const actor = request.actor;
      if (!actor) return reply;
      const work = await app.services.home.workOf(actor);
      return reply.view("home/views/home.njk", { pageTitle: "Home", ...presentHome(actor, work) });
    },
  );

  for (const [path, template, title] of [
    [paths.accessibility, "accessibility", "Accessibility statement"],
    [paths.cookies, "cookies", "Cookies"],
    [paths.privacy, "privacy", "Privacy notice"],
  ] as const) {
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.view(`home/views/${template}.njk`, { pageTitle: title }),
    );
  }
}
