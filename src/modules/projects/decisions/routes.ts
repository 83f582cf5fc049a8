import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { bodyName } from "../../../domain/governance.js";
import { pageAction } from "../../../web/page-action.js";
import { DECISION_DATES, decisionForm, pagePath } from "../inputs.js";
import { pageRoute, projectParams } from "../pages.js";
import { decisionsContext } from "../page-models.js";
import { projectPaths } from "../paths.js";
import { projectPageServer, type ProjectPage } from "../project-page.js";

const DECISIONS_PAGE: ProjectPage = {
  section: "decisions",
  key: "decisions",
  template: "projects/views/decisions-page.njk",
  title: (title) => `Decisions: ${title}`,
  context: decisionsContext,
};

/** A project's decisions page: the decisions recorded, and the "Record a decision" form and its post. */
export const decisionRoutes: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;
  const serve = projectPageServer(app);

  app.get(
    projectPaths.decisions(),
    pageRoute("projects:read", { params: projectParams }),
    async (request, reply) => serve(request, reply, request.params.id, DECISIONS_PAGE),
  );

  app.post(
    projectPaths.decisions(),
    pageRoute("decisions:record", { params: projectParams }),
    pageAction({
      params: projectParams,
      load: ({ id }) => projects.find(id),
      form: (project) => projectPaths.decisions(project.id),
      body: decisionForm,
      dates: DECISION_DATES,
      pageFields: pagePath,
      refusalField: "bodyCode",
      // Who may record a body's decision is the form's own question (decision-authority.ts): say why not.
      explainsForbidden: true,
      run: async ({ actor, loaded: project, input }) => {
        const decision = await projects.decisions.record(actor, project.id, input);
        return {
          to: projectPaths.decisions(project.id),
          success: `The decision of ${bodyName(decision.bodyCode)} (minutes ${decision.minutesRef}) has been recorded`,
        };
      },
    }),
  );
};
