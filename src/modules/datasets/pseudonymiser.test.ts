import { createHmac, hkdfSync } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPseudonymiser } from "./pseudonymiser.js";

describe("createPseudonymiser", () => {
  it("gives HMAC-SHA-256 of client_ref under the stretched installation secret, as createHmac does", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.array(fc.string({ unit: "grapheme" }), { maxLength: 5 }),
        (secret, refs) => {
          const key = Buffer.from(
            hkdfSync("sha256", secret, "commissioner", "client_ref pseudonymisation v1", 32),
          );
          const pseudonymiser = createPseudonymiser(secret);
          for (const ref of [...refs, "C0000001", "", "x".repeat(200)])
            expect(pseudonymiser.hash(ref)).toBe(createHmac("sha256", key).update(ref, "utf8").digest("hex"));
        },
      ),
      { numRuns: 200 },
    );
  });
});
