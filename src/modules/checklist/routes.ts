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
import { projectNavigation } from "../../web/project-navigation.js";
import { checklistPaths } from "./paths.js";
import { checklistDocDefinition, checklistPdfFileName, renderPdf } from "./pdf.js";
import { annexProject, formatPounds, statusView, TASK_STATUS_NAMES } from "./presenter.js";
import { taskUpdateInput } from "./service.js";

const here = path.dirname(fileURLToPath(import.meta.url));

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

type App = Parameters<FastifyPluginAsyncZod>[0];
type FoundTask = NonNullable<Awaited<ReturnType<App["services"]["checklist"]["getTask"]>>>;

const read = { preHandler: requirePage("projects:read"), schema: { hide: true, params: PROJECT_PARAMS } };
const edit = { preHandler: requirePage("checklist:update"), schema: { hide: true, params: TASK_PARAMS } };

/** Checklists short of the template are completed at start, so that reading one never writes. */
function completeChecklistsAtStart(app: App) {
  const { checklist } = app.services;
  app.addHook("onReady", async () => {
    await checklist.completeAll();
  });
}

/** The task list, and the stylesheet its print view uses. */
function taskList(app: App) {
  const { checklist } = app.services;
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
      projectNav: projectNavigation(request.actor ?? null, found.project.id, "checklist"),
      annex: annexProject(found.project),
      projectPath: paths.project(found.project.id),
      checklistPaths,
      progress: found.progress,
      sections: found.sections.map((s) => ({
        ...s,
        tasks: s.tasks.map((t) => ({ ...t, statusView: statusView(t) })),
      })),
    });
  });
}

/** The checklist as an annex to the procurement proposal: a print view and a PDF (App C). */
function printAndPdf(app: App) {
  const { checklist, clock } = app.services;
  app.get(checklistPaths.checklistPrint(), read, async (request, reply) => {
    const found = await checklist.get(request.params.id);
    if (!found) return renderStatus(reply, 404);
    return reply.view("checklist/views/print.njk", {
      pageTitle: `Procurement checklist (annex): ${found.project.title}`,
      project: found.project,
      annex: annexProject(found.project),
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
        project: annexProject(found.project),
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
}

/** The edit form's fields: what was typed when the form comes back refused, else what is saved. */
function taskFormFields(task: FoundTask["task"], values: Record<string, unknown>) {
  const typed = Object.keys(values).length > 0;
  const value = (name: string, saved: string | null) =>
    typed ? (typeof values[name] === "string" ? values[name] : "") : (saved ?? "");
  const savedPlanned = dateParts(task.plannedOn);
  const savedCompleted = dateParts(task.completedOn);
  return {
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
  };
}

/** Edit one task: the form, and its post through pageAction. */
function taskPage(app: App) {
  const { checklist } = app.services;
  app.get(checklistPaths.checklistTask(), edit, async (request, reply) => {
    const found = await checklist.getTask(request.params.id, request.params.taskKey);
    if (!found) return renderStatus(reply, 404);
    const { project, task } = found;
    const state = await formState(request);
    return reply.view("checklist/views/task.njk", {
      pageTitle: `Task ${task.key}: ${task.evidencedBy}`,
      ...state,
      conflict: Boolean(state.errors?.fields.current),
      project,
      task,
      checklistPaths,
      projectPath: paths.project(project.id),
      statuses: TASK_STATUSES.map((s) => ({ value: s, text: TASK_STATUS_NAMES[s] })),
      form: taskFormFields(task, state.values),
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

  app.post(checklistPaths.checklistTask(), edit, taskUpdate(app));
}

/** The edit form's post: Post/Redirect/Get to the task in the list, or back to the form. */
function taskUpdate(app: App) {
  const { checklist } = app.services;
  return pageAction({
    params: TASK_PARAMS,
    load: ({ id, taskKey }) => checklist.getTask(id, taskKey),
    form: ({ project, task }: FoundTask) => checklistPaths.checklistTask(project.id, task.key),
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
  });
}

/** The procurement checklist pages: task list, edit a task, print view. */
export const checklistRoutes: FastifyPluginAsyncZod = async (app) => {
  completeChecklistsAtStart(app);
  taskList(app);
  printAndPdf(app);
  taskPage(app);
};
