/**
 * Seeded randomness for the demo city. Everything random in the generator comes from here, so
 * the same seed gives byte-identical output on every run and machine (no `Math.random`).
 */

/** Integer hash (lowbias32 by Chris Wellons): a well-mixed 32-bit value from a 32-bit input. */
export function hash32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a of a string, for deriving named sub-streams. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32 (Tommy Ettinger): a tiny 32-bit PRNG, plenty for procedural content. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded stream of numbers with the helpers the generator needs. */
export class Rng {
  readonly seed: number;
  readonly #next: () => number;

  constructor(seed: number) {
    this.seed = hash32(Math.trunc(seed) ^ 0x9e3779b9);
    this.#next = mulberry32(this.seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.#next();
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.#next();
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor((max - min + 1) * this.#next());
  }

  chance(probability: number): boolean {
    return this.#next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.#next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.#next() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /**
   * An independent stream named by `label`, derived from the seed only (not from how much of
   * this stream was used), so one part of the generator can change without reshuffling others.
   */
  fork(label: string): Rng {
    return new Rng(hash32(this.seed ^ hashString(label)));
  }

  /** A value in [0, 1) that depends only on the seed and the integer keys (order-free noise). */
  at(...keys: number[]): number {
    let h = this.seed;
    for (const key of keys) h = hash32(h ^ hash32(key | 0));
    return h / 4294967296;
  }
}
