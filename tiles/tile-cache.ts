/**
 * An LRU of built tiles bounded by bytes, with single-flight builds: concurrent requests for a
 * key that is being built wait for that one build instead of starting their own.
 */
export class TileCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, Uint8Array>();
  readonly #building = new Map<string, Promise<Uint8Array>>();
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cached value, marking it most recently used. */
  get(key: string): Uint8Array | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: Uint8Array): void {
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= old.byteLength;
    }
    if (value.byteLength > this.#maxBytes) return;
    this.#entries.set(key, value);
    this.#bytes += value.byteLength;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= v.byteLength;
    }
  }

  /** Returns the cached value or builds it once, however many callers ask at the same time. */
  async getOrBuild(key: string, build: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const cached = this.get(key);
    if (cached !== undefined) {
      this.hits++;
      return cached;
    }
    const pending = this.#building.get(key);
    if (pending) {
      this.hits++;
      return pending;
    }
    this.misses++;
    const promise = build().then(
      (value) => {
        this.#building.delete(key);
        this.set(key, value);
        return value;
      },
      (error: unknown) => {
        this.#building.delete(key);
        throw error;
      },
    );
    this.#building.set(key, promise);
    return promise;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
