import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { renderStatus } from "../../web/errors.js";
import { formState } from "../../web/forms.js";
import { admittedActor } from "../../web/guards.js";
import { projectNavigation, type ProjectSection } from "../../web/project-navigation.js";
import { fragmentFor, permissionsKey, renderFragment } from "../../web/views.js";
import type { HomePage } from "./page-models.js";
import { projectPaths } from "./paths.js";

/** One of a project's own pages, as its route serves it. */
export interface ProjectPage {
  /** Its item in the sub-navigation, marked as the current page. */
  section: ProjectSection;
  /** What the page's kept content is kept under, beside the project, the day and the roles. */
  key: string;
  /** Its content: a template that does not extend the layout (projects/views/show.njk wraps it). */
  template: string;
  /** Its title, from the project's. */
  title: (projectTitle: string) => string;
  /** What its template sees; null is "Page not found". */
  context: (home: HomePage) => Record<string, unknown> | null;
  /** What the page shows from another capability, read beside the project (the overview's rules). */
  more?: (projectId: string) => Promise<Record<string, unknown>>;
}

interface Kept {
  projectTitle: string;
  title: string;
  html: string;
}

/**
 * Serves a project's pages. Each page's content is kept per project, page, day and set of roles until
 * the next audited change: it is read far more often than a project changes, and rendering it is most of
 * what a view costs. What was typed into a refused form is this person's alone, and a page started from
 * a link's choice (`preset`) is theirs too: those are rendered afresh and never kept.
 */
export function projectPageServer(app: FastifyInstance) {
  const { projects, clock } = app.services;
  const kept = app.services.changeCache<Kept | null>(200);

  return async function serve(
    request: FastifyRequest,
    reply: FastifyReply,
    projectId: string,
    page: ProjectPage,
    preset: Record<string, string> = {},
  ) {
    const actor = admittedActor(request);
    const state = await formState(request);
    const typed = Boolean(state.errors) || Object.keys(state.values).length > 0;
    const values = { ...preset, ...state.values };
    const render = async (): Promise<Kept | null> => {
      const home = await projects.homePage(projectId);
      const context = home ? page.context(home) : null;
      if (!home || !context) return null;
      const html = await renderFragment(app, actor, page.template, {
        ...context,
        ...(page.more ? await page.more(projectId) : {}),
        errors: state.errors,
        values,
        projectNav: projectNavigation(actor, projectId, page.section),
      });
      return { projectTitle: home.project.title, title: page.title(home.project.title), html };
    };
    const content =
      typed || Object.keys(preset).length > 0
        ? await render()
        : await kept.get(`${page.key} ${projectId} ${clock.today()} ${permissionsKey(actor)}`, render);
    if (content === null) return renderStatus(reply, 404);
    return reply.view("projects/views/show.njk", {
      pageTitle: content.title,
      ...state,
      project: page.section === "overview" ? null : { id: projectId, title: content.projectTitle },
      pageHtml: fragmentFor(request, content.html),
      p: projectPaths,
    });
  };
}
