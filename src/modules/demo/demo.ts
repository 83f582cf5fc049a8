import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Config } from "../../config.js";
import { users } from "../../db/schema/index.js";
import type { Services } from "../../services.js";
import { createDemoAccounts, DEMO_USERS, type DemoActors, type DemoSignIn } from "./accounts.js";
import { loadDemoClientData } from "./client-data.js";
import { DEMO_ORGANISATIONS } from "./organisations.js";
import { buildProject } from "./project-steps.js";
import { DEMO_PROJECTS, OUTREACH, RECOVERY } from "./projects.js";
import { loadDemoTendering } from "./tendering.js";

export { DEMO_ORGANISATIONS, DEMO_PROJECTS, DEMO_USERS, type DemoSignIn };

/** One line per demo sign-in, aligned, for the console. */
export function formatSignIns(signIns: DemoSignIn[]): string[] {
  return signIns.map(
    (s) => `  ${s.role.padEnd(20)} ${s.email.padEnd(36)} ${s.password}${s.note ? `  (${s.note})` : ""}`,
  );
}

/** Where the demo sign-ins are kept (readable by the owner only) after they were printed once. */
export const demoSignInsFile = (config: Config) => path.join(config.dataDir, "demo-sign-ins.json");

function actor(actors: DemoActors, email: string) {
  const found = actors.get(email);
  if (!found) throw new Error(`no demo person ${email}`);
  return found;
}

/**
 * The projects, then the tenders of the two at Stage 4 (demo/tendering.ts), their papers written to a
 * folder of their own that goes once they are uploaded.
 */
async function loadProjects(services: Services, config: Config, actors: DemoActors) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "commissioner-demo-"));
  try {
    const ids = new Map<string, string>();
    for (const project of DEMO_PROJECTS)
      ids.set(project.title, await buildProject(services, actors, dir, project));
    const byTitle = (title: string) => ({ id: ids.get(title) ?? "", title });
    await loadDemoTendering(
      { services, config, actors, dir },
      { awaitingOpening: byTitle(RECOVERY), open: byTitle(OUTREACH) },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The demo in two parts: the people, who can sign in at once, then their work, loaded by `rest`. */
export interface DemoStart {
  signIns: DemoSignIn[];
  /** Loads the projects, their tenders and the providers' client-level data. */
  rest: () => Promise<void>;
}

/**
 * Starts loading the demo data into an empty database, through the same services as everything else
 * (so it is validated and audited as a person's work would be): organisations, people (each with a
 * random password of their own) and their memberships now; then, by `rest`, commissioning projects at
 * each stage with their papers, decisions, risks, EqIA and checklist, and a year and a half of the demo
 * providers' client-level data. Dates count back from the injected clock's today. When the database
 * already has users it returns null: the passwords are printed once, not into the log at every start
 * (they stay in demoSignInsFile).
 */
export async function startDemoData(services: Services, config: Config): Promise<DemoStart | null> {
  const db = services.database.db;
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  if ((count?.n ?? 0) > 0) return null;
  const { signIns, actors } = await createDemoAccounts(services);
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(demoSignInsFile(config), JSON.stringify(signIns, null, 2), { mode: 0o600 });
  const rest = async () => {
    await loadProjects(services, config, actors);
    await loadDemoClientData(services, actor(actors, "commissioner@commissioner.example"));
  };
  return { signIns, rest };
}

/** The whole demo data set at once (the `demo` command, tests); returns the sign-ins, or null as above. */
export async function ensureDemoData(services: Services, config: Config): Promise<DemoSignIn[] | null> {
  const started = await startDemoData(services, config);
  if (!started) return null;
  await started.rest();
  return started.signIns;
}
