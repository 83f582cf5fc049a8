import { can, type Action, type Actor } from "../domain/policy.js";
import { paths } from "./paths.js";

/**
 * A project's own pages, in the order of the sub-navigation every one of them shows
 * (views/project-navigation.njk). Adding a page to a project is one line here.
 */
const PROJECT_SECTIONS = [
  { key: "overview", text: "Overview", path: "", action: "projects:read" },
  { key: "documents", text: "Documents", path: "/documents", action: "projects:read" },
  { key: "decisions", text: "Decisions", path: "/decisions", action: "projects:read" },
  { key: "incumbents", text: "Current contracts", path: "/incumbent-contracts", action: "projects:read" },
  { key: "checklist", text: "Checklist", path: "/checklist", action: "projects:read" },
  { key: "risks", text: "Risks", path: "/risks", action: "projects:read" },
  { key: "eqia", text: "Equality impact", path: "/eqia", action: "projects:read" },
  { key: "rules", text: "Rules", path: "/rules", action: "projects:read" },
  { key: "tenders", text: "Tenders", path: "/tenders", action: "tenders:read" },
  { key: "timeline", text: "Timeline", path: "/timeline", action: "projects:read" },
] as const satisfies readonly { key: string; text: string; path: string; action: Action }[];

export type ProjectSection = (typeof PROJECT_SECTIONS)[number]["key"];

/**
 * The sub-navigation of a project's pages as MOJ Frontend's sub navigation takes it: the pages this
 * person may open, the one they are on marked (`aria-current="page"`).
 */
export function projectNavigation(actor: Actor | null, projectId: string, current: ProjectSection) {
  return {
    label: "Project pages",
    items: PROJECT_SECTIONS.filter((s) => can(actor, s.action)).map((s) => ({
      text: s.text,
      href: paths.project(projectId) + s.path,
      active: s.key === current,
    })),
  };
}
