import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { renderStatus } from "../../../web/errors.js";
import { formState } from "../../../web/forms.js";
import { pageAction } from "../../../web/page-action.js";
import { advanceForm, rejectForm } from "../inputs.js";
import { missingAsFields, pageRoute, projectParams } from "../pages.js";
import { projectPaths } from "../paths.js";

/** Moving a project on to its next stage, and recording that its recommendation was rejected (§3.17). */
export const stageRoutes: FastifyPluginAsyncZod = async (app) => {
  const { projects } = app.services;
  const update = pageRoute("projects:update", { params: projectParams });

  app.post(
    projectPaths.advance(),
    update,
    pageAction({
      params: projectParams,
      load: ({ id }) => projects.find(id),
      form: (project) => projectPaths.project(project.id),
      body: advanceForm,
      refusalField: "gate",
      run: async ({ actor, loaded: project, input }) => {
        // What the gate still needs is listed on the page, each output with its paragraph.
        const result = await projects.stages
          .advance(actor, project.id, input.version)
          .catch((error: unknown) => {
            throw missingAsFields(error);
          });
        const success =
          result.stage === "closed"
            ? "The project has been closed"
            : `The project has moved to stage ${result.stage}`;
        return { to: projectPaths.project(project.id), success };
      },
    }),
  );

  app.get(projectPaths.reject(), update, async (request, reply) => {
    const project = await projects.get(request.params.id);
    if (!project) return renderStatus(reply, 404);
    return reply.view("projects/views/reject.njk", {
      pageTitle: `Record that the recommendation was rejected: ${project.title}`,
      ...(await formState(request)),
      project,
      p: projectPaths,
    });
  });

  app.post(
    projectPaths.reject(),
    update,
    pageAction({
      params: projectParams,
      load: ({ id }) => projects.find(id),
      form: (project) => projectPaths.reject(project.id),
      body: rejectForm,
      refusalField: "reason",
      run: async ({ actor, loaded: project, input }) => {
        const result = await projects.stages.reject(actor, project.id, input);
        const paper = result.costAvoidancePaper.required ? "A cost avoidance paper is required." : "";
        return {
          to: projectPaths.project(project.id),
          success: `The procurement has ended (§3.17). ${paper}`.trim(),
        };
      },
    }),
  );
};
