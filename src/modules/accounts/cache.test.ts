import { describe, expect, it } from "vitest";
import { TtlCache } from "../../cache.js";
import { forgetCachedUser } from "./cache.js";

describe("forgetCachedUser", () => {
  it("forgets every entry about one user, in every cache, and keeps the others' (deactivation)", () => {
    const sessions = new TtlCache<{
      id: string;
      user: { id: string } | null;
      pendingUserId: string | null;
    } | null>(5_000);
    const tokens = new TtlCache<{ id: string } | null>(5_000);
    sessions.set("theirs", { id: "session-1", user: { id: "gone" }, pendingUserId: null });
    sessions.set("pending", { id: "session-2", user: null, pendingUserId: "gone" });
    sessions.set("kept", { id: "session-3", user: { id: "stays" }, pendingUserId: null });
    sessions.set("anonymous", null);
    tokens.set("their-token", { id: "gone" });
    tokens.set("other-token", { id: "stays" });
    forgetCachedUser("gone");
    expect(sessions.get("theirs")).toBeUndefined();
    expect(sessions.get("pending")).toBeUndefined();
    expect(tokens.get("their-token")).toBeUndefined();
    expect(sessions.get("kept")).toEqual({ id: "session-3", user: { id: "stays" }, pendingUserId: null });
    expect(sessions.get("anonymous")).toBeNull();
    expect(tokens.get("other-token")).toEqual({ id: "stays" });
  });
});
