import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { byFrameworkOrder, KIND_LABELS } from "../../domain/governance.js";
import { can } from "../../domain/policy.js";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { NotFoundError } from "../../errors.js";

/** The programme pages (framework §1.1–1.2), readable by everyone signed in. */
export const programmeRoutes: FastifyPluginAsyncZod = async (app) => {
  const { reference } = app.services;

  app.get(
    paths.programmes,
    { preHandler: requirePage("programmes:read"), schema: { hide: true } },
    async (_request, reply) => {
      const programmes = byFrameworkOrder(await reference.listProgrammes()).map((p) => ({
        code: p.code,
        name: p.name,
        href: paths.programme(p.code),
        aimCount: p.aims.length,
        outcomeCount: p.outcomes.length,
      }));
      return reply.view("programmes/views/programmes.njk", { pageTitle: "Programmes", programmes });
    },
  );

  app.get(
    paths.programme(),
    {
      preHandler: requirePage("programmes:read"),
      schema: { hide: true, params: z.object({ code: z.string().max(20) }) },
    },
    async (request, reply) => {
      const programme = await reference.getProgrammeWithGovernance(request.params.code);
      if (!programme) throw new NotFoundError(`No programme has the code ${request.params.code}`);
      // Suppliers and providers may read programmes but not the governance structure (policy).
      const showGovernance = can(request.actor, "governance:read");
      return reply.view("programmes/views/programme.njk", {
        pageTitle: programme.name,
        programme: {
          code: programme.code,
          name: programme.name,
          aims: programme.aims,
          outcomes: programme.outcomes,
        },
        governanceBodies: showGovernance
          ? programme.governanceBodies.map((b) => ({
              code: b.code,
              name: b.name,
              kindLabel: KIND_LABELS[b.kind],
              paragraph: b.paragraph,
              href: `${paths.governance}#body-${b.code}`,
            }))
          : null,
      });
    },
  );
};
