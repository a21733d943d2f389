/**
 * Credentials resolved recently, by the SHA-256 of the secret, so a burst of requests with one
 * session (a map loading tiles) costs one database lookup per `ttlMs`. Bounded: the oldest entry
 * goes first. Revocation through this process evicts at once; through another instance or the
 * CLI it takes effect within `ttlMs`.
 */
export class CredentialCache<V> {
  readonly #entries = new Map<string, { value: V | null; until: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The cached value (null: known to be invalid), or undefined when it must be looked up. */
  get(key: string, now = Date.now()): V | null | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.until <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V | null, until = Date.now() + this.ttlMs): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, until: Math.min(until, Date.now() + this.ttlMs) });
    if (this.#entries.size > this.maxEntries)
      this.#entries.delete(this.#entries.keys().next().value!);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops every entry whose value matches (e.g. all sessions of a removed user). */
  deleteWhere(pred: (value: V) => boolean): void {
    for (const [k, e] of this.#entries)
      if (e.value !== null && pred(e.value)) this.#entries.delete(k);
  }
}
