import type { Clock } from "../../domain/clock.js";
import { TtlCache } from "../../cache.js";
import type { Db } from "../../db/client.js";
import { markUnaudited } from "../audit/service.js";
import { governanceBodies, programmes } from "../../db/schema/index.js";
import { GOVERNANCE_BODIES, PROGRAMMES } from "../../db/reference-data.js";
import { presentBody, presentProgrammes, type ProgrammeView } from "./presenter.js";
import {
  findGovernanceBody,
  findProgramme,
  governanceBodyRows,
  membersOn,
  programmeRows,
} from "./queries.js";

type Members = Awaited<ReturnType<typeof membersOn>>;

const membersOfBody = (members: Members, code: string) =>
  members.filter((m) => m.bodyCode === code).map((m) => ({ userId: m.userId, name: m.name, role: m.role }));

/** Every body with its members today (name and role), in the framework's order (§2). */
async function listGovernanceBodiesWithMembers(db: Db, today: string) {
  const bodies = (await governanceBodyRows(db)).map(presentBody);
  const members = await membersOn(
    db,
    bodies.map((b) => b.code),
    today,
  );
  return bodies.map((b) => ({ ...b, members: membersOfBody(members, b.code) }));
}

/** One body with its members today, by its code (any case); null when there is none. */
async function getGovernanceBody(db: Db, today: string, code: string) {
  const row = await findGovernanceBody(db, code);
  if (!row) return null;
  const members = await membersOn(db, [row.code], today);
  return { ...presentBody(row), members: membersOfBody(members, row.code) };
}

/** A programme with the governance bodies that serve it (§2.1), or null for an unknown code. */
async function getProgrammeWithGovernance(db: Db, code: string) {
  const programme = await findProgramme(db, code);
  if (!programme) return null;
  const bodies = (await governanceBodyRows(db)).map(presentBody);
  return {
    ...programme,
    governanceBodies: bodies.filter((b) => b.programmeCodes.includes(programme.code)),
  };
}

/** Programmes and governance bodies: the framework's reference data (§1, §2). */
export function createReferenceService(db: Db, clock: Clock) {
  // Programmes are the framework's reference data: they change with a release, not during the day,
  // so every instance may keep them for a minute (bench/http.ts: the query is most of the API call).
  const programmeCache = new TtlCache<ProgrammeView[]>(60_000, 1);

  async function listProgrammes(): Promise<ProgrammeView[]> {
    const cached = programmeCache.get("all");
    if (cached) return cached;
    const list = presentProgrammes(await programmeRows(db));
    programmeCache.set("all", list);
    return list;
  }

  return {
    listProgrammes,
    getProgramme: (code: string) => findProgramme(db, code),
    getProgrammeWithGovernance: (code: string) => getProgrammeWithGovernance(db, code),
    listGovernanceBodies: async () => (await governanceBodyRows(db)).map(presentBody),
    listGovernanceBodiesWithMembers: () => listGovernanceBodiesWithMembers(db, clock.today()),
    getGovernanceBody: (code: string) => getGovernanceBody(db, clock.today(), code),
    /** The bodies' members today: memberships ended or not yet begun are on each body's own page. */
    membersOf: (bodyCodes: string[]) => membersOn(db, bodyCodes, clock.today()),
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
