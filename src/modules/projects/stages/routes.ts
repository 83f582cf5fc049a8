import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { renderStatus } from "../../../web/errors.js";
import { formState, redirectWithErrors, redirectWithSuccess } from "../../../web/forms.js";
import { admittedActor } from "../../../web/guards.js";
import { formRefusal } from "../../../web/problems.js";
import { formVersion, parseRejectForm } from "../inputs.js";
import { formBody, pageRoute, projectParams, refusalErrors } from "../pages.js";
import { projectPaths } from "../paths.js";

/** Moving a project on to its next stage, and recording that its recommendation was rejected (§3.17). */
export const stageRoutes: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;
  const form = { params: projectParams, body: formBody };

  app.post(projectPaths.advance(), pageRoute("projects:update", form), async (request, reply) => {
    const back = projectPaths.project(request.params.id);
    try {
      const result = await projects.stages.advance(
        admittedActor(request),
        request.params.id,
        formVersion(request.body),
      );
      const message =
        result.stage === "closed"
          ? "The project has been closed"
          : `The project has moved to stage ${result.stage}`;
      return await redirectWithSuccess(request, reply, back, message);
    } catch (error) {
      const refused = formRefusal(error);
      if (!refused) throw error;
      return redirectWithErrors(request, reply, back, refusalErrors(refused, "gate"));
    }
  });

  app.get(
    projectPaths.reject(),
    pageRoute("projects:update", { params: projectParams }),
    async (request, reply) => {
      const project = await projects.get(request.params.id);
      if (!project) return renderStatus(reply, 404);
      return reply.view("projects/views/reject.njk", {
        pageTitle: `Record that the recommendation was rejected: ${project.title}`,
        ...(await formState(request)),
        project,
        p: projectPaths,
      });
    },
  );

  app.post(projectPaths.reject(), pageRoute("projects:update", form), async (request, reply) => {
    const { id } = request.params;
    const parsed = parseRejectForm(request.body);
    if (!parsed.ok) return redirectWithErrors(request, reply, projectPaths.reject(id), parsed.errors);
    try {
      const result = await projects.stages.reject(admittedActor(request), id, parsed.value);
      const paper = result.costAvoidancePaper.required ? "A cost avoidance paper is required." : "";
      const message = `The procurement has ended (§3.17). ${paper}`.trim();
      return await redirectWithSuccess(request, reply, projectPaths.project(id), message);
    } catch (error) {
      const refused = formRefusal(error);
      if (!refused) throw error;
      return redirectWithErrors(request, reply, projectPaths.reject(id), refusalErrors(refused, "reason"));
    }
  });
};
