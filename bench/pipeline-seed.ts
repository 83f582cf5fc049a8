/**
 * The data bench/pipeline.ts loads: one project made through the projects service (which lays out its
 * 46 checklist tasks), copied with SQL in batches of 250 up to `count` projects, each with its checklist,
 * 3 risks, and a project decision on every fourth.
 */
import { eq, sql } from "drizzle-orm";
import type { Db } from "../src/db/client.js";
import { users } from "../src/db/schema/index.js";
import { markUnaudited } from "../src/modules/audit/service.js";
import { projectCreateInput } from "../src/modules/projects/inputs.js";
import type { Services } from "../src/services.js";

export const BENCH_EMAIL = "commissioner@commissioner.example";

/** Loads the projects and returns the id of the first (the one made through the service). */
export async function seedPipeline(services: Services, db: Db, projectCount: number): Promise<string> {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, BENCH_EMAIL));
  if (!user) throw new Error(`no user ${BENCH_EMAIL}`);
  const actor = { id: user.id, label: BENCH_EMAIL, roles: ["commissioner" as const], organisationId: null };

  const template = await services.projects.create(
    actor,
    projectCreateInput.parse({
      title: "Bench template project",
      programmeCode: "SP",
      estimatedValuePence: 250_000_000,
      contractMonths: 36,
    }),
  );
  const templateId = (template as { id: string }).id;
  const batch = 250;
  for (let done = 1; done < projectCount; done += batch) {
    const n = Math.min(batch, projectCount - done);
    await db.transaction(async (tx) => {
      // Copies of a project the service made and audited: load, not changes of the record (docs/adr/0007).
      await markUnaudited(tx, "benchmark seed");
      await tx.execute(sql`CREATE TEMP TABLE IF NOT EXISTS bench_new (id uuid, g int) ON COMMIT DROP`);
      await tx.execute(sql`
        WITH made AS (
          INSERT INTO projects (title, description, programme_code, programme_codes, lead_commissioner_id,
                                estimated_value_pence, contract_months, regime, started_on, stage)
          SELECT 'Bench project ' || g, p.description, (ARRAY['SP','KDAAT','KSE','KSAS'])[1 + g % 4],
                 p.programme_codes, p.lead_commissioner_id, 10000000 + g * 1000, p.contract_months, p.regime,
                 p.started_on - (g % 700), ((1 + g % 5))::text
          FROM projects p, generate_series(CAST(${done} AS int), CAST(${done + n - 1} AS int)) g WHERE p.id = CAST(${templateId} AS uuid)
          RETURNING id, estimated_value_pence
        )
        INSERT INTO bench_new SELECT id, ((estimated_value_pence - 10000000) / 1000)::int FROM made`);
      await tx.execute(sql`
        INSERT INTO checklist_tasks (project_id, task_key, section, position, status, planned_on, completed_on)
        SELECT b.id, t.task_key, t.section, t.position,
               CASE WHEN (b.g + t.position) % 3 = 0 THEN 'completed'
                    WHEN (b.g + t.position) % 3 = 1 THEN 'planned' ELSE 'not-started' END,
               CASE WHEN (b.g + t.position) % 3 = 1 THEN CURRENT_DATE + ((b.g + t.position) % 90 - 30) END,
               CASE WHEN (b.g + t.position) % 3 = 0 THEN CURRENT_DATE - (b.g % 200) END
        FROM bench_new b CROSS JOIN checklist_tasks t WHERE t.project_id = CAST(${templateId} AS uuid)`);
      await tx.execute(sql`
        INSERT INTO risks (project_id, title, likelihood, impact, owner, review_on)
        SELECT b.id, 'Risk ' || r, 1 + (b.g + r) % 5, 1 + (b.g * r) % 5, 'Bench owner', CURRENT_DATE + ((b.g + r) % 60 - 20)
        FROM bench_new b, generate_series(1, 3) r`);
      await tx.execute(sql`
        INSERT INTO decisions (project_id, subject_type, subject_id, body_code, decision, decided_on, minutes_ref, recorded_by_id, on_behalf)
        SELECT b.id, 'project', b.id, 'SP-BOARD', 'approved', CURRENT_DATE - (b.g % 300), 'M-' || b.g, CAST(${user.id} AS uuid), true
        FROM bench_new b WHERE b.g % 4 = 0`);
    });
  }
  await db.execute(sql`ANALYZE`);
  return templateId;
}
