import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { approvalsFor } from "../../domain/approvals.js";

import { standstill } from "../../domain/standstill.js";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { byFrameworkOrder } from "../../domain/governance.js";
import {
  isSubmitted,
  parseRulesForm,
  presentRegimes,
  presentResults,
  programmeItems,
  regimeItems,
  formValues,
} from "./presenter.js";
import { PAGE_QUERY } from "../../web/page-action.js";
import { z } from "zod";
import { renderStatus } from "../../web/errors.js";
import { rulesPaths } from "./paths.js";
import { projectNavigation } from "../../web/project-navigation.js";
import { presentProjectRulesPanel } from "./project-panel.js";
import { loadProjectRules } from "./queries.js";

/**
 * The rules page: anyone signed in enters a value, regime, programme and date and
 * reads which approvals, thresholds, notices and standstill apply, each with its reason and source.
 * A GET search form: it changes nothing, so errors are shown on the same page, with what was typed.
 */
export const rulesRoutes: FastifyPluginAsyncZod = async (app) => {
  const { reference, clock } = app.services;
  projectRulesPage(app);

  app.get(
    paths.rules,
    { preHandler: requirePage("rules:read"), schema: { hide: true, querystring: PAGE_QUERY } },
    async (request, reply) => {
      const query = request.query;
      const today = clock.today();
      const programmes = byFrameworkOrder(await reference.listProgrammes());
      const page = (values: ReturnType<typeof formValues>, extra: Record<string, unknown>) =>
        reply.view("rules/views/rules.njk", {
          pageTitle: "Rules explained",
          values,
          regimeItems: regimeItems(values.regime),
          programmeItems: programmeItems(programmes, values.programme),
          regimes: presentRegimes(),
          ...extra,
        });

      if (!isSubmitted(query)) return page(formValues(query, today), {});
      const parsed = parseRulesForm(query, today);
      if (!parsed.ok) return page(parsed.values, { errors: parsed.errors });

      const { question } = parsed;
      const answer = approvalsFor({
        regime: question.regime,
        valuePence: question.valuePence,
        programmeCode: question.programmeCode,
        on: question.on,
      });
      const period = standstill({
        regime: question.regime,
        notifiedOn: question.on,
        byElectronicMeans: question.byElectronicMeans,
      });
      const bodies = new Map((await reference.listGovernanceBodies()).map((b) => [b.code, b.name]));
      const programme =
        programmes.find((p) => p.code === question.programmeCode)?.name ?? question.programmeCode;
      return page(parsed.values, {
        results: presentResults(question, answer, period, { bodies, programme }),
      });
    },
  );
};

/**
 * GET /projects/:id/rules: the project's rules panel on a page of its own (the project overview
 * includes the same partial). Reading a project's rules needs what reading the project needs.
 */
function projectRulesPage(app: Parameters<FastifyPluginAsyncZod>[0]) {
  const { db } = app.services.database;
  app.get(
    rulesPaths.project(),
    {
      preHandler: requirePage("projects:read"),
      schema: { hide: true, params: z.object({ id: z.uuid() }) },
    },
    async (request, reply) => {
      const found = await loadProjectRules(db, request.params.id);
      if (!found) return renderStatus(reply, 404);
      return reply.view("rules/views/project-rules.njk", {
        pageTitle: `What applies to this project: ${found.project.title}`,
        projectTitle: found.project.title,
        projectLink: paths.project(found.project.id),
        rulesPanel: presentProjectRulesPanel(found),
        projectNav: projectNavigation(request.actor ?? null, found.project.id, "rules"),
      });
    },
  );
}
