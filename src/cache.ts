/** Every enabled cache in this process, so that a change to one record can reach them all. */
const liveCaches = new Set<WeakRef<TtlCache<unknown>>>();

/**
 * A small time-limited cache. Used for the signed-in path only with the embedded database, where one
 * process owns the data (ADR 0001), so no other instance can change what it holds; every write that
 * concerns a cached entry removes it, and the time limit bounds anything else (a role change).
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {
    if (this.enabled) liveCaches.add(new WeakRef(this));
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get(key: string): V | undefined {
    if (!this.enabled) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    if (!this.enabled) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until: Date.now() + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Removes every entry whose value passes the test. */
  deleteWhere(test: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (test(entry.value)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * Removes every entry that passes the test from every cache of this process. The caches hold nothing
 * with a shared database server, so there is nothing to reach on other instances.
 */
export function forgetEverywhere(test: (value: unknown) => boolean): void {
  for (const ref of liveCaches) {
    const cache = ref.deref();
    if (cache) cache.deleteWhere(test);
    else liveCaches.delete(ref);
  }
}
