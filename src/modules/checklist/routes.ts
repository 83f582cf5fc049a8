import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { TASK_STATUSES } from "../../domain/checklist-template.js";
import { renderStatus } from "../../web/errors.js";
import { formState, redirectWithErrors, redirectWithSuccess, zodFieldErrors } from "../../web/forms.js";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";
import { ConflictError, ProblemError, type FieldError } from "../../errors.js";
import { checklistPaths } from "./paths.js";
import { checklistDocDefinition, checklistPdfFileName, renderPdf } from "./pdf.js";
import { dateFromParts, dateParts } from "./project-context.js";
import {
  STALE_TASK_MESSAGE,
  TASK_STATUS_NAMES,
  taskUpdateInput,
  type PresentedTask,
  type TaskUpdateInput,
} from "./service.js";

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

/** Form field ids of the page for the service's field paths (date inputs link to their day box). */
function pagePath(error: FieldError): FieldError {
  if (error.path === "plannedOn" || error.path === "completedOn")
    return { ...error, path: `${error.path}.day` };
  if (error.path === "version") return { ...error, path: "current" };
  return error;
}

/** The edit form's body → the API's update fields, or the form's errors. */
export function parseTaskForm(
  body: Record<string, unknown>,
  currentStatus: string,
): { input?: TaskUpdateInput; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const text = (name: string) => (typeof body[name] === "string" ? body[name].trim() : "");
  const status = text("status");
  const planned = dateFromParts(body["plannedOn-day"], body["plannedOn-month"], body["plannedOn-year"]);
  if (planned === null)
    errors.push({
      path: "plannedOn.day",
      message: "Planned date must be a real date, for example 27 3 2025",
    });
  const completed = dateFromParts(
    body["completedOn-day"],
    body["completedOn-month"],
    body["completedOn-year"],
  );
  // The completed date counts only for a completed task: a task set back to "in progress" loses it.
  const completing = status === "completed" || (!status && currentStatus === "completed");
  if (completing && completed === null)
    errors.push({
      path: "completedOn.day",
      message: "Completed date must be a real date, for example 27 3 2025",
    });
  const candidate = {
    status: status || undefined,
    plannedOn: planned || null,
    completedOn: completing ? completed || undefined : undefined,
    notApplicableReason: text("notApplicableReason") || null,
    evidenceId: text("evidenceId") || null,
    evidenceNote: text("evidenceNote") || null,
    version: Number(text("version")),
  };
  const parsed = taskUpdateInput.safeParse(candidate);
  if (!parsed.success) errors.push(...zodFieldErrors(parsed.error).map(pagePath));
  if (!status) errors.unshift({ path: "status", message: "Select the task's status" });
  if (errors.length || !parsed.success) return { errors };
  return { input: parsed.data, errors: [] };
}

/** The procurement checklist pages: task list, edit a task, print view. */
export const checklistRoutes: FastifyPluginAsyncZod = async (app) => {
  const { checklist, clock } = app.services;
  // Checklists short of the template are completed at start, so that reading one never writes.
  app.addHook("onReady", async () => {
    await checklist.completeAll();
  });
  const read = { preHandler: requirePage("projects:read"), schema: { hide: true } };
  const edit = { preHandler: requirePage("checklist:update"), schema: { hide: true } };

  app.get(checklistPaths.printStylesheet, { schema: { hide: true } }, async (_request, reply) =>
    reply.sendFile("print.css", here),
  );

  const projectId = (request: FastifyRequest) => (request.params as { id?: string }).id ?? "";
  const taskKey = (request: FastifyRequest) => (request.params as { taskKey?: string }).taskKey ?? "";

  app.get(checklistPaths.checklist(), read, async (request, reply) => {
    const found = await checklist.get(projectId(request));
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
    const found = await checklist.get(projectId(request));
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
    const found = await checklist.get(projectId(request));
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
    const found = await checklist.getTask(projectId(request), taskKey(request));
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

  async function backToForm(request: FastifyRequest, reply: FastifyReply, to: string, errors: FieldError[]) {
    return redirectWithErrors(request, reply, to, errors);
  }

  app.post(checklistPaths.checklistTask(), edit, async (request, reply) => {
    const actor = request.actor;
    if (!actor) return reply;
    const found = await checklist.getTask(projectId(request), taskKey(request));
    if (!found) return renderStatus(reply, 404);
    const { project, task } = found;
    const formPath = checklistPaths.checklistTask(project.id, task.key);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const parsed = parseTaskForm(body, task.status);
    if (!parsed.input) return backToForm(request, reply, formPath, parsed.errors);
    try {
      const updated = await checklist.update(actor, project.id, task.key, parsed.input);
      return await redirectWithSuccess(
        request,
        reply,
        `${checklistPaths.checklist(project.id)}#task-${updated.key.replace(".", "-")}`,
        `Task ${updated.key} is now: ${updated.statusName.toLowerCase()}`,
      );
    } catch (error) {
      if (error instanceof ConflictError) {
        // Keep what this officer typed, but carry the version that is saved now: sending the form
        // again, having seen the other change, is a deliberate overwrite rather than another conflict.
        const latest = await checklist.getTask(project.id, task.key);
        request.body = { ...body, version: String(latest?.task.version ?? task.version) };
        return backToForm(request, reply, formPath, [{ path: "current", message: STALE_TASK_MESSAGE }]);
      }
      if (error instanceof ProblemError && error.status < 500) {
        const errors = error.errors.length ? error.errors : [{ path: "status", message: error.message }];
        return backToForm(request, reply, formPath, errors.map(pagePath));
      }
      throw error;
    }
  });
};
