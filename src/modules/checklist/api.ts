import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { EVIDENCE_TYPES, TASK_STATUSES } from "../../domain/checklist-template.js";
import { problemResponses } from "../../web/api-schemas.js";
import { admittedActor, requireApi } from "../../web/guards.js";
import { NotFoundError } from "../../errors.js";
import { taskUpdateInput } from "./service.js";

const isoDate = z.string().describe("YYYY-MM-DD");

export const checklistTaskSchema = z.object({
  id: z.uuid(),
  key: z.string().describe('stable key of the Appendix C task, e.g. "4.3"'),
  section: z.number().int(),
  position: z.number().int(),
  text: z.string(),
  details: z.array(z.string()),
  evidencedBy: z.string(),
  status: z.enum(TASK_STATUSES),
  plannedOn: isoDate.nullable(),
  completedOn: isoDate.nullable(),
  notApplicableReason: z.string().nullable(),
  notApplicableByValue: z.boolean().describe("not applicable because of the project's value"),
  evidenceType: z.enum(EVIDENCE_TYPES).nullable(),
  evidenceId: z.uuid().nullable(),
  evidenceNote: z.string().nullable(),
  completedAutomatically: z.boolean(),
  completesWhen: z
    .string()
    .nullable()
    .describe("how the task completes itself, when the system holds its evidence"),
  applicable: z.boolean(),
  valueNote: z.string().nullable(),
  overdue: z.boolean(),
  version: z.number().int(),
});

const checklistSchema = z.object({
  projectId: z.uuid(),
  sections: z.array(
    z.object({ number: z.number().int(), title: z.string(), tasks: z.array(checklistTaskSchema) }),
  ),
  progress: z.object({
    total: z.number().int(),
    applicable: z.number().int(),
    completed: z.number().int(),
    overdue: z.number().int(),
  }),
});

const projectParams = z.object({ id: z.uuid() });

/** GET /api/v1/projects/:id/checklist and PATCH /api/v1/projects/:id/checklist/:taskId (docs/api.md). */
export const checklistApi: FastifyPluginAsyncZod = async (app) => {
  const { checklist } = app.services;

  app.get(
    "/api/v1/projects/:id/checklist",
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags: ["commissioning projects"],
        summary: "The project's procurement checklist (Appendix C), by section",
        params: projectParams,
        response: { 200: checklistSchema, ...problemResponses },
      },
    },
    async (request) => {
      const found = await checklist.get(request.params.id);
      if (!found) throw new NotFoundError("No project has this id");
      return { projectId: found.project.id, sections: found.sections, progress: found.progress };
    },
  );

  app.patch(
    "/api/v1/projects/:id/checklist/:taskId",
    {
      preValidation: requireApi("checklist:update"),
      schema: {
        tags: ["commissioning projects"],
        summary:
          "Updates one task (by id or key); 409 with a stale version, 400 for not applicable without a reason",
        params: z.object({ id: z.uuid(), taskId: z.string().max(64) }),
        body: taskUpdateInput,
        response: { 200: checklistTaskSchema, ...problemResponses },
      },
    },
    async (request) => {
      const actor = admittedActor(request);
      return checklist.update(actor, request.params.id, request.params.taskId, request.body);
    },
  );
};
