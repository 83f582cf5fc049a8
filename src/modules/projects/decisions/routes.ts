import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { pageAction } from "../../../web/page-action.js";
import { DECISION_DATES, decisionForm, pagePath } from "../inputs.js";
import { pageRoute, projectParams } from "../pages.js";
import { projectPaths } from "../paths.js";

/** The project page's "Record a decision" form. */
export const decisionRoutes: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;

  app.post(
    projectPaths.decisions(),
    pageRoute("decisions:record", { params: projectParams }),
    pageAction({
      params: projectParams,
      load: ({ id }) => projects.find(id),
      form: (project) => projectPaths.project(project.id),
      body: decisionForm,
      dates: DECISION_DATES,
      pageFields: pagePath,
      refusalField: "bodyCode",
      // Who may record a body's decision is the form's own question (decision-authority.ts): say why not.
      explainsForbidden: true,
      run: async ({ actor, loaded: project, input }) => {
        const decision = await projects.decisions.record(actor, project.id, input);
        return {
          to: projectPaths.project(project.id),
          success: `The decision of ${decision.bodyCode} (minutes ${decision.minutesRef}) has been recorded`,
        };
      },
    }),
  );
};
