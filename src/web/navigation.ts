import { can, type Action, type Actor } from "../domain/policy.js";
import { paths } from "./paths.js";

interface NavItem {
  text: string;
  href: string;
  action: Action;
}

/** The service navigation, filtered by the one policy so nobody sees a link they may not follow. */
const NAV: NavItem[] = [
  { text: "Home", href: paths.home, action: "home:view" },
  { text: "Projects", href: paths.projects, action: "projects:read" },
  { text: "Pipeline", href: paths.pipeline, action: "projects:read" },
  { text: "Client data", href: paths.datasets, action: "datasets:import" },
  { text: "Indicators", href: paths.indicators, action: "indicators:read" },
  { text: "Programmes", href: paths.programmes, action: "programmes:read" },
  { text: "Governance", href: paths.governance, action: "governance:read" },
  { text: "Organisations", href: paths.organisations, action: "organisations:read" },
  { text: "Users", href: paths.users, action: "users:read" },
  { text: "Rules", href: paths.rules, action: "rules:read" },
  { text: "Audit log", href: paths.audit, action: "audit:read" },
  { text: "Outbox", href: paths.outbox, action: "outbox:read" },
];

export function navigationFor(actor: Actor | null, currentPath: string) {
  if (!actor) return [];
  return NAV.filter((item) => can(actor, item.action)).map((item) => ({
    text: item.text,
    href: item.href,
    active: item.href === "/" ? currentPath === "/" : currentPath.startsWith(item.href),
  }));
}
