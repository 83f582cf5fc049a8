/** Every enabled cache in this process, so that a change to one user can reach them all. */
const liveCaches = new Set<WeakRef<TtlCache<unknown>>>();

/**
 * A small time-limited cache for the signed-in path. Used only with the embedded database, where one
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

/** A cached session (signed in or owing a second factor) or token lookup that belongs to this user. */
function concernsUser(value: unknown, userId: string): boolean {
  if (typeof value !== "object" || value === null) return false;
  if ("pendingUserId" in value && value.pendingUserId === userId) return true;
  if ("user" in value) {
    const user = value.user;
    return typeof user === "object" && user !== null && "id" in user && user.id === userId;
  }
  return "id" in value && value.id === userId;
}

/**
 * Drops every cached session and token lookup of one user, in every cache of this process: a
 * deactivation or a change of roles then holds on the very next request, not after the time limit.
 * The caches hold nothing with a shared database server, so there is nothing to reach on other instances.
 */
export function forgetCachedUser(userId: string): void {
  for (const ref of liveCaches) {
    const cache = ref.deref();
    if (cache) cache.deleteWhere((value) => concernsUser(value, userId));
    else liveCaches.delete(ref);
  }
}
