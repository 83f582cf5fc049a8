import { asc } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asFixture, createTestDatabase } from "../../../test/helpers.js";
import type { Database } from "../../db/client.js";
import { governanceBodies, governanceMembers, users } from "../../db/schema/index.js";
import { heldOn } from "../../domain/decision-authority.js";
import { membershipHeldOn } from "./queries.js";

/** The SQL form of a membership's period finds exactly the memberships the domain's rule says hold. */

const TODAY = "2026-03-10";
const PERIODS: { from: string; to: string | null }[] = [
  { from: "2026-03-10", to: null },
  { from: "2026-03-11", to: null },
  { from: "2025-01-01", to: "2026-03-10" },
  { from: "2025-01-01", to: "2026-03-09" },
  { from: "2026-04-01", to: "2026-05-01" },
  { from: "2020-01-01", to: null },
];

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
  const [body] = await database.db.select({ id: governanceBodies.id }).from(governanceBodies).limit(1);
  if (!body) throw new Error("no governance body");
  await asFixture(database.db, async (tx) => {
    const people = await tx
      .insert(users)
      .values(
        PERIODS.map((_p, i) => ({ email: `period${String(i)}@test.example`, name: `Period ${String(i)}` })),
      )
      .returning({ id: users.id });
    await tx.insert(governanceMembers).values(
      PERIODS.map((p, i) => ({
        bodyId: body.id,
        userId: people[i]?.id ?? "",
        role: "member" as const,
        ...p,
      })),
    );
  });
});
afterAll(async () => database.close());

describe("membershipHeldOn", () => {
  it("selects the memberships heldOn says hold today, and no other", async () => {
    const found = await database.db
      .select({ from: governanceMembers.from, to: governanceMembers.to })
      .from(governanceMembers)
      .where(membershipHeldOn(TODAY))
      .orderBy(asc(governanceMembers.from));
    const expected = PERIODS.filter((p) => heldOn({ role: "member", ...p }, TODAY));
    expect(found).toEqual([...expected].sort((a, b) => a.from.localeCompare(b.from)));
    expect(expected).toHaveLength(3);
  });
});
