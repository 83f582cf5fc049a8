import type { FastifyInstance } from "fastify";
import { can, type Action, type Actor } from "../../domain/policy.js";
import { isStaff } from "../../domain/roles.js";
import { requirePage } from "../../web/guards.js";
import { paths } from "../../web/paths.js";

interface Task {
  title: string;
  href: string;
  description: string;
  action: Action;
}

/** What each person can do from the home page, filtered by the one policy. */
const TASKS: Task[] = [
  {
    title: "Programmes",
    href: paths.programmes,
    description: "The four commissioned-services programmes with their aims and outcomes.",
    action: "programmes:read",
  },
  {
    title: "Governance",
    href: paths.governance,
    description: "Boards, groups and officers who approve each stage, and their members.",
    action: "governance:read",
  },
  {
    title: "Organisations",
    href: paths.organisations,
    description: "Partners, providers and suppliers.",
    action: "organisations:read",
  },
  {
    title: "Users and roles",
    href: paths.users,
    description: "Who can sign in and what they can do.",
    action: "users:read",
  },
  {
    title: "Audit log",
    href: paths.audit,
    description: "Every change, who made it and when, in a tamper-evident chain.",
    action: "audit:read",
  },
  {
    title: "Your account",
    href: paths.account,
    description: "Password, two-factor sign-in and API tokens.",
    action: "account:manage-own",
  },
];

export function homePresenter(actor: Actor) {
  return {
    tasks: TASKS.filter((t) => can(actor, t.action)),
    audience: isStaff(actor.roles)
      ? "staff"
      : actor.roles.includes("provider-user")
        ? "provider"
        : "supplier",
  };
}

export async function homeRoutes(app: FastifyInstance) {
  app.get(
    paths.home,
    { preHandler: requirePage("home:view"), schema: { hide: true } },
    async (request, reply) => {
      const actor = request.actor;
      if (!actor) return reply;
      return reply.view("home/views/home.njk", { pageTitle: "Home", ...homePresenter(actor) });
    },
  );

  for (const [path, template, title] of [
    [paths.accessibility, "accessibility", "Accessibility statement"],
    [paths.cookies, "cookies", "Cookies"],
    [paths.privacy, "privacy", "Privacy notice"],
  ] as const) {
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.view(`home/views/${template}.njk`, { pageTitle: title }),
    );
  }
}
