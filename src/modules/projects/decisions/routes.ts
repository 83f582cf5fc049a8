import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { redirectWithErrors, redirectWithSuccess } from "../../../web/forms.js";
import { admittedActor } from "../../../web/guards.js";
import { formRefusal } from "../../../web/problems.js";
import { parseDecisionForm } from "../inputs.js";
import { formBody, pageRoute, projectParams, refusalErrors } from "../pages.js";
import { projectPaths } from "../paths.js";

/** The project page's "Record a decision" form. */
export const decisionRoutes: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;

  app.post(
    projectPaths.decisions(),
    pageRoute("decisions:record", { params: projectParams, body: formBody }),
    async (request, reply) => {
      const back = projectPaths.project(request.params.id);
      const parsed = parseDecisionForm(request.body);
      if (!parsed.ok) return redirectWithErrors(request, reply, back, parsed.errors);
      try {
        const decision = await projects.decisions.record(
          admittedActor(request),
          request.params.id,
          parsed.value,
        );
        const message = `The decision of ${decision.bodyCode} (minutes ${decision.minutesRef}) has been recorded`;
        return await redirectWithSuccess(request, reply, back, message);
      } catch (error) {
        const refused = formRefusal(error);
        if (!refused) throw error;
        return redirectWithErrors(request, reply, back, refusalErrors(refused, "bodyCode"));
      }
    },
  );
};
