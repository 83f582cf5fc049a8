import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { TASK_STATUSES } from "../../domain/checklist-template.js";
import { renderStatus } from "../../web/errors.js";
import { dateParts } from "../../web/date-input.js";
import { formState } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { pageAction, pathParam, PROJECT_PARAMS } from "../../web/page-action.js";
import { paths } from "../../web/paths.js";
import { checklistPaths } from "./paths.js";
import { checklistDocDefinition, checklistPdfFileName, renderPdf } from "./pdf.js";
import { TASK_STATUS_NAMES, taskUpdateInput, type PresentedTask } from "./service.js";

const here = path.dirname(fileURLToPath(import.meta.url));

/** How a task's status shows in the task list (GOV.UK task list pattern). Pure presenter. */
export function statusView(task: Pick<PresentedTask, "status" | "overdue">): {
  text: string;
  tag: boolean;
  classes: string;
} {
  if (task.status === "completed") return { text: "Completed", tag: false, classes: "" };
  if (task.status === "not-applicable")
    return { text: "Not applicable", tag: false, classes: "govuk-task-list__status--cannot-start-yet" };
  if (task.overdue) return { text: "Overdue", tag: true, classes: "govuk-tag--red" };
  if (task.status === "planned") return { text: "Planned", tag: true, classes: "govuk-tag--teal" };
  if (task.status === "in-progress") return { text: "In progress", tag: true, classes: "govuk-tag--yellow" };
  return { text: "Not started", tag: true, classes: "" };
}

const pounds = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP" });

/** Pence → "£1,000,000.00" (integer pence in, exact for any project value). */
export function formatPounds(pence: number): string {
  return pounds.format(pence / 100);
}

const TASK_DATES = { plannedOn: "Planned date", completedOn: "Completed date" };

/** The completed date counts only for a completed task: a task set back to "in progress" loses it. */
function completedDateOnlyWhenCompleting(
  fields: Record<string, unknown>,
  found: { task: { status: string } },
) {
  const status = typeof fields.status === "string" ? fields.status.trim() : "";
  const completing = status === "completed" || (!status && found.task.status === "completed");
  if (completing) return fields;
  return Object.fromEntries(Object.entries(fields).filter(([name]) => !name.startsWith("completedOn-")));
}

/** A box left empty clears what it holds. */
const emptyIsNull = (value: unknown) =>
  value === undefined || (typeof value === "string" && value.trim() === "") ? null : value;

/** The edit form: every field of the API's update, with the status asked for. */
export const taskForm = z.object({
  status: z.enum(TASK_STATUSES, { error: "Select the task's status" }),
  plannedOn: z.preprocess(emptyIsNull, taskUpdateInput.shape.plannedOn),
  completedOn: taskUpdateInput.shape.completedOn,
  notApplicableReason: z.preprocess(emptyIsNull, taskUpdateInput.shape.notApplicableReason),
  evidenceId: z.preprocess(emptyIsNull, taskUpdateInput.shape.evidenceId),
  evidenceNote: z.preprocess(emptyIsNull, taskUpdateInput.shape.evidenceNote),
  version: z.preprocess(Number, taskUpdateInput.shape.version),
});

const TASK_PARAMS = z.object({ id: pathParam, taskKey: pathParam });

/** The procurement checklist pages: task list, edit a task, print view. */
export const checklistRoutes: FastifyPluginAsyncZod = async (app) => {
  const { checklist, clock } = app.services;
  // Checklists short of the template are completed at start, so that reading one never writes.
  app.addHook("onReady", async () => {
    await checklist.completeAll();
  });
  const read = { preHandler: requirePage("projects:read"), schema: { hide: true, params: PROJECT_PARAMS } };
  const edit = { preHandler: requirePage("checklist:update"), schema: { hide: true, params: TASK_PARAMS } };

  app.get(checklistPaths.printStylesheet, { schema: { hide: true } }, async (_request, reply) =>
    reply.sendFile("print.css", here),
  );

  app.get(checklistPaths.checklist(), read, async (request, reply) => {
    const found = await checklist.get(request.params.id);
    if (!found) return renderStatus(reply, 404);
    return reply.view("checklist/views/checklist.njk", {
      pageTitle: `Procurement checklist: ${found.project.title}`,
      ...(await formState(request)),
      project: found.project,
      projectPath: paths.project(found.project.id),
      checklistPaths,
      progress: found.progress,
      sections: found.sections.map((s) => ({
        ...s,
        tasks: s.tasks.map((t) => ({ ...t, statusView: statusView(t) })),
      })),
    });
  });

  app.get(checklistPaths.checklistPrint(), read, async (request, reply) => {
    const found = await checklist.get(request.params.id);
    if (!found) return renderStatus(reply, 404);
    return reply.view("checklist/views/print.njk", {
      pageTitle: `Procurement checklist (annex): ${found.project.title}`,
      project: found.project,
      projectPath: paths.project(found.project.id),
      checklistPaths,
      progress: found.progress,
      sections: found.sections,
      estimatedValue: formatPounds(found.project.estimatedValuePence),
      printedOn: clock.today(),
    });
  });

  app.get(checklistPaths.checklistPdf(), read, async (request, reply) => {
    const found = await checklist.get(request.params.id);
    if (!found) return renderStatus(reply, 404);
    const pdf = await renderPdf(
      checklistDocDefinition({
        project: found.project,
        estimatedValue: formatPounds(found.project.estimatedValuePence),
        progress: found.progress,
        sections: found.sections,
        printedOn: clock.today(),
      }),
    );
    return reply
      .type("application/pdf")
      .header("Content-Disposition", `attachment; filename="${checklistPdfFileName(found.project.title)}"`)
      .header("Cache-Control", "no-store")
      .send(pdf);
  });

  app.get(checklistPaths.checklistTask(), edit, async (request, reply) => {
    const found = await checklist.getTask(request.params.id, request.params.taskKey);
    if (!found) return renderStatus(reply, 404);
    const { project, task } = found;
    const state = await formState(request);
    const typed = Object.keys(state.values).length > 0;
    const value = (name: string, saved: string | null) =>
      typed ? (typeof state.values[name] === "string" ? state.values[name] : "") : (saved ?? "");
    const savedPlanned = dateParts(task.plannedOn);
    const savedCompleted = dateParts(task.completedOn);
    return reply.view("checklist/views/task.njk", {
      pageTitle: `Task ${task.key}: ${task.evidencedBy}`,
      ...state,
      conflict: Boolean(state.errors?.fields.current),
      project,
      task,
      checklistPaths,
      projectPath: paths.project(project.id),
      statuses: TASK_STATUSES.map((s) => ({ value: s, text: TASK_STATUS_NAMES[s] })),
      form: {
        status: value("status", task.status),
        plannedOn: {
          day: value("plannedOn-day", savedPlanned.day),
          month: value("plannedOn-month", savedPlanned.month),
          year: value("plannedOn-year", savedPlanned.year),
        },
        completedOn: {
          day: value("completedOn-day", savedCompleted.day),
          month: value("completedOn-month", savedCompleted.month),
          year: value("completedOn-year", savedCompleted.year),
        },
        notApplicableReason: value("notApplicableReason", task.notApplicableReason),
        evidenceId: value("evidenceId", task.evidenceId),
        evidenceNote: value("evidenceNote", task.evidenceNote),
        version: value("version", String(task.version)),
      },
      evidenceOptions: [
        // Evidence the system recorded itself (an advert, a risk) stays linked when the form is saved.
        ...(task.evidenceType === "record" && task.evidenceId
          ? [
              {
                id: task.evidenceId,
                type: "record",
                label: "Recorded by the system when its evidence appeared",
              },
            ]
          : []),
        ...(await checklist.evidenceOptions(project.id)),
      ],
    });
  });

  app.post(
    checklistPaths.checklistTask(),
    edit,
    pageAction({
      params: TASK_PARAMS,
      load: ({ id, taskKey }) => checklist.getTask(id, taskKey),
      form: ({ project, task }) => checklistPaths.checklistTask(project.id, task.key),
      prepare: completedDateOnlyWhenCompleting,
      body: taskForm,
      dates: TASK_DATES,
      refusalField: "status",
      pageFields: { version: "current" },
      stale: {
        field: "current",
        currentVersion: async ({ project, task }) =>
          (await checklist.getTask(project.id, task.key))?.task.version ?? task.version,
      },
      run: async ({ actor, loaded: { project, task }, input }) => {
        const updated = await checklist.update(actor, project.id, task.key, input);
        return {
          to: `${checklistPaths.checklist(project.id)}#task-${updated.key.replace(".", "-")}`,
          success: `Task ${updated.key} is now: ${updated.statusName.toLowerCase()}`,
        };
      },
    }),
  );
};
