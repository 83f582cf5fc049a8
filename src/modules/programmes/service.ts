import type { Clock } from "../../domain/clock.js";
import { TtlCache } from "../../cache.js";
import { and, asc, eq, inArray } from "drizzle-orm";

import type { Db } from "../../db/client.js";
import { markUnaudited } from "../audit/service.js";
import { membershipHeldOn } from "../governance/queries.js";
import { governanceBodies, governanceMembers, programmes, users } from "../../db/schema/index.js";
import { GOVERNANCE_BODIES, PROGRAMMES, type ProgrammeData } from "../../db/reference-data.js";

export interface ProgrammeView {
  code: ProgrammeData["code"];
  name: string;
  aims: { ref: string; text: string }[];
  outcomes: { ref: string; text: string }[];
}

/** Programmes and governance bodies: the framework's reference data (§1, §2). */
export function createReferenceService(db: Db, clock: Clock) {
  // Programmes are the framework's reference data: they change with a release, not during the day,
  // so every instance may keep them for a minute (bench/http.ts: the query is most of the API call).
  const programmeCache = new TtlCache<ProgrammeView[]>(60_000, 1);

  async function listProgrammes(): Promise<ProgrammeView[]> {
    const cached = programmeCache.get("all");
    if (cached) return cached;
    const rows = await db.select().from(programmes).orderBy(asc(programmes.code));
    // The table holds only the framework's four codes (loadReferenceData).
    const list = rows.map((p) => ({
      code: p.code as ProgrammeData["code"],
      name: p.name,
      aims: p.aims,
      outcomes: p.outcomes,
    }));
    programmeCache.set("all", list);
    return list;
  }

  async function getProgramme(code: string) {
    const [p] = await db.select().from(programmes).where(eq(programmes.code, code.toUpperCase()));
    return p ? { code: p.code, name: p.name, aims: p.aims, outcomes: p.outcomes } : null;
  }

  async function listGovernanceBodies() {
    const rows = await db.select().from(governanceBodies);
    const order = new Map(GOVERNANCE_BODIES.map((b, i) => [b.code, i]));
    return rows
      .sort((a, b) => (order.get(a.code) ?? 99) - (order.get(b.code) ?? 99))
      .map((b) => ({
        code: b.code,
        name: b.name,
        kind: b.kind,
        parentCode: b.parentCode,
        programmeCodes: b.programmeCodes,
        description: b.description,
        paragraph: b.paragraph,
      }));
  }

  /** The bodies' members today: memberships ended or not yet begun are on each body's own page. */
  async function membersOf(bodyCodes: string[]) {
    if (bodyCodes.length === 0) return [];
    const today = clock.today();
    return db
      .select({
        bodyCode: governanceBodies.code,
        userId: users.id,
        name: users.name,
        role: governanceMembers.role,
      })
      .from(governanceMembers)
      .innerJoin(governanceBodies, eq(governanceBodies.id, governanceMembers.bodyId))
      .innerJoin(users, eq(users.id, governanceMembers.userId))
      .where(and(inArray(governanceBodies.code, bodyCodes), membershipHeldOn(today)))
      .orderBy(asc(governanceBodies.code), asc(users.name));
  }

  /** Every body with its members (name and role), in the framework's order (§2). */
  async function listGovernanceBodiesWithMembers() {
    const bodies = await listGovernanceBodies();
    const members = await membersOf(bodies.map((b) => b.code));
    return bodies.map((b) => ({
      ...b,
      members: members
        .filter((m) => m.bodyCode === b.code)
        .map((m) => ({ userId: m.userId, name: m.name, role: m.role })),
    }));
  }

  /** One body with its members, by its code (any case); null when there is none. */
  async function getGovernanceBody(code: string) {
    const [row] = await db
      .select()
      .from(governanceBodies)
      .where(eq(governanceBodies.code, code.toUpperCase()));
    if (!row) return null;
    const members = await membersOf([row.code]);
    return {
      code: row.code,
      name: row.name,
      kind: row.kind,
      parentCode: row.parentCode,
      programmeCodes: row.programmeCodes,
      description: row.description,
      paragraph: row.paragraph,
      members: members.map((m) => ({ userId: m.userId, name: m.name, role: m.role })),
    };
  }

  /** A programme with the governance bodies that serve it (§2.1), or null for an unknown code. */
  async function getProgrammeWithGovernance(code: string) {
    const programme = await getProgramme(code);
    if (!programme) return null;
    const bodies = await listGovernanceBodies();
    return {
      ...programme,
      governanceBodies: bodies.filter((b) => b.programmeCodes.includes(programme.code)),
    };
  }

  return {
    listProgrammes,
    getProgramme,
    getProgrammeWithGovernance,
    listGovernanceBodies,
    listGovernanceBodiesWithMembers,
    getGovernanceBody,
    membersOf,
  };
}

/** Inserts the reference data that is missing; safe to run at every start, and keeps later edits. */
export async function loadReferenceData(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    // The framework's own programmes and bodies, the same at every installation (§1, §2): loading them
    // is no change of the record, and a new database stays empty for a restore.
    await markUnaudited(tx, "the framework's reference data");
    await tx.insert(programmes).values(PROGRAMMES).onConflictDoNothing({ target: programmes.code });
    await tx
      .insert(governanceBodies)
      .values(GOVERNANCE_BODIES)
      .onConflictDoNothing({ target: governanceBodies.code });
  });
}
