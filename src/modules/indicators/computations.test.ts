import { describe, expect, it } from "vitest";
import { ComputationsBusyError, createComputationQueue, createResultCache } from "./computations.js";

const later = <T>(value: T, ms = 5) =>
  new Promise<T>((resolve) => {
    setTimeout(() => {
      resolve(value);
    }, ms);
  });

describe("computation queue", () => {
  it("runs one at a time, in the order asked", async () => {
    const queue = createComputationQueue({ concurrency: 1, maxWaiting: 10 });
    const events: string[] = [];
    const task = (name: string) => async () => {
      events.push(`start ${name}`);
      await later(null);
      events.push(`end ${name}`);
      return name;
    };
    expect(await Promise.all(["a", "b", "c"].map((n) => queue.run(task(n))))).toEqual(["a", "b", "c"]);
    expect(events).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
    expect(queue.stats()).toEqual({ running: 0, waiting: 0 });
  });

  it("lets timers run between two computations", async () => {
    const queue = createComputationQueue({ concurrency: 1, maxWaiting: 10 });
    const events: string[] = [];
    const first = queue.run(async () => {
      setTimeout(() => events.push("timer"), 0);
      events.push("first");
    });
    const second = queue.run(async () => {
      events.push("second");
    });
    await Promise.all([first, second]);
    expect(events).toEqual(["first", "timer", "second"]);
  });

  it("refuses (503) beyond the waiting limit, and goes on after a failure", async () => {
    const queue = createComputationQueue({ concurrency: 1, maxWaiting: 1 });
    const running = queue.run(() => later("running", 20));
    const waiting = queue.run(() => Promise.reject(new Error("broken")));
    await expect(queue.run(() => later("third"))).rejects.toBeInstanceOf(ComputationsBusyError);
    await expect(waiting).rejects.toThrow("broken");
    expect(await running).toBe("running");
    expect(await queue.run(() => later("after"))).toBe("after");
  });
});

describe("result cache", () => {
  it("computes a key once, shares a computation in flight, and drops the least recently used", async () => {
    const cache = createResultCache<string>(2);
    let computed = 0;
    const compute = (value: string) => () => {
      computed++;
      return later(value);
    };
    expect(await Promise.all([cache.get("a", compute("A")), cache.get("a", compute("A2"))])).toEqual([
      "A",
      "A",
    ]);
    expect(computed).toBe(1);
    await cache.get("b", compute("B"));
    await cache.get("a", compute("A3")); // a is now the most recently used
    await cache.get("c", compute("C")); // drops b
    expect(await cache.get("a", compute("A4"))).toBe("A");
    expect(await cache.get("b", compute("B2"))).toBe("B2");
    expect(cache.stats()).toMatchObject({ entries: 2, misses: 4 });
  });

  it("keeps nothing of a computation that failed", async () => {
    const cache = createResultCache<string>(2);
    await expect(cache.get("a", () => Promise.reject(new Error("no")))).rejects.toThrow("no");
    expect(await cache.get("a", () => later("yes"))).toBe("yes");
  });
});
