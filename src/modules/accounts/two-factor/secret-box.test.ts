import { describe, expect, it } from "vitest";
import { isSealed, seal, twoFactorKey, unseal } from "./secret-box.js";

const key = twoFactorKey("a session secret of thirty-two characters or more");
const SECRET = "JBSWY3DPEHPK3PXP";

describe("two-factor secrets at rest", () => {
  it("seal to ciphertext that is not the secret and opens again for the same user", () => {
    const sealed = seal(key, SECRET, "user-1");
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain(SECRET);
    expect(unseal(key, sealed, "user-1")).toBe(SECRET);
  });

  it("differ each time they are sealed", () => {
    expect(seal(key, SECRET, "user-1")).not.toBe(seal(key, SECRET, "user-1"));
  });

  it("do not open for another user, under another key, or when altered", () => {
    const sealed = seal(key, SECRET, "user-1");
    expect(unseal(key, sealed, "user-2")).toBeNull();
    expect(unseal(twoFactorKey("another secret of thirty-two characters!!"), sealed, "user-1")).toBeNull();
    const altered = `${sealed.slice(0, -2)}${sealed.endsWith("A") ? "B" : "A"}A`;
    expect(unseal(key, altered, "user-1")).toBeNull();
  });

  it("read a secret stored before sealing as it is", () => {
    expect(isSealed(SECRET)).toBe(false);
    expect(unseal(key, SECRET, "user-1")).toBe(SECRET);
  });
});
