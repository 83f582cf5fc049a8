import { asc } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asFixture, createTestDatabase, insertProject } from "../../../test/helpers.js";
import type { Database } from "../../db/client.js";
import { risks } from "../../db/schema/index.js";
import { isReviewOverdue } from "../../domain/risk-review.js";
import { overdueReviewCounts, reviewOverdue } from "./queries.js";

/** The SQL form of the rule finds exactly the risks the domain's rule calls overdue. */

const TODAY = "2026-03-10";
const CASES: { status: "open" | "closed"; reviewOn: string }[] = [
  { status: "open", reviewOn: "2026-03-09" },
  { status: "open", reviewOn: "2025-12-31" },
  { status: "open", reviewOn: "2026-03-10" },
  { status: "open", reviewOn: "2026-03-11" },
  { status: "closed", reviewOn: "2026-03-09" },
  { status: "closed", reviewOn: "2026-03-11" },
];

let database: Database;
let projectId: string;
beforeAll(async () => {
  database = await createTestDatabase();
  projectId = await insertProject(database.db, {
    title: "Risky",
    programmeCode: "SP",
    estimatedValuePence: 100_000,
  });
  await asFixture(database.db, (tx) =>
    tx.insert(risks).values(
      CASES.map((c, i) => ({
        projectId,
        title: `risk ${String(i)}`,
        likelihood: 3,
        impact: 3,
        owner: "Owner",
        ...c,
      })),
    ),
  );
});
afterAll(async () => database.close());

describe("reviewOverdue", () => {
  it("selects the risks isReviewOverdue calls overdue, and no other", async () => {
    const found = await database.db
      .select({ title: risks.title })
      .from(risks)
      .where(reviewOverdue(TODAY))
      .orderBy(asc(risks.title));
    const expected = CASES.flatMap((c, i) => (isReviewOverdue(c, TODAY) ? [`risk ${String(i)}`] : []));
    expect(found.map((r) => r.title)).toEqual(expected);
    expect(expected).toHaveLength(2);
  });

  it("counts them per project", async () => {
    expect(await overdueReviewCounts(database.db, [projectId], TODAY)).toEqual(new Map([[projectId, 2]]));
    expect(await overdueReviewCounts(database.db, [], TODAY)).toEqual(new Map());
  });
});
