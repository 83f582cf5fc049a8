import { afterEach, describe, expect, it, vi } from "vitest";
import { TtlCache } from "./cache.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("TtlCache", () => {
  it("keeps a value for its time, then forgets it", () => {
    vi.useFakeTimers({ toFake: ["Date"], now: 0 });
    const cache = new TtlCache<string | null>(5_000);
    cache.set("a", "A");
    cache.set("none", null);
    vi.setSystemTime(4_999);
    expect(cache.get("a")).toBe("A");
    expect(cache.get("none")).toBeNull();
    vi.setSystemTime(5_001);
    expect(cache.get("a")).toBeUndefined();
  });

  it("forgets on delete and clear, and holds nothing when disabled", () => {
    const cache = new TtlCache<number>(1_000);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.delete("a");
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toBe(2);
    cache.clear();
    expect(cache.get("b")).toBeUndefined();
    const off = new TtlCache<number>(0);
    off.set("a", 1);
    expect(off.get("a")).toBeUndefined();
  });

  it("never grows past its limit", () => {
    const cache = new TtlCache<number>(1_000, 3);
    for (let i = 0; i < 10; i++) cache.set(String(i), i);
    expect(cache.get("9")).toBe(9);
    expect(["0", "1", "2", "3", "4", "5", "6"].some((k) => cache.get(k) !== undefined)).toBe(false);
  });
});
