import type { Kysely } from 'kysely';
import type { FactorKey } from '../../common/impact-models';
import type { Database } from '../../schema/database';

/** One row of `impact_factors`: a number the impact engine uses, with its unit and source. */
export interface Factor {
  key: string;
  value: number;
  unit: string;
  description: string;
  source: string;
}

/** The uses the yield model knows; `mixed` is split by the `mixed.share_*` factors. */
export const USES = ['residential', 'office', 'retail', 'industrial', 'civic', 'other'] as const;
export type Use = (typeof USES)[number];

/**
 * The factor table as the models read it. `get` throws on a missing key so a typo never turns
 * into a silent zero; `used` records which keys a computation read, so results can cite them.
 */
export class FactorSet {
  readonly #byKey: Map<string, Factor>;
  /** A string that changes whenever any factor changes; part of impact cache keys. */
  readonly version: string;

  constructor(factors: readonly Factor[], version = '0') {
    this.#byKey = new Map(factors.map((f) => [f.key, f]));
    this.version = version;
  }

  get(key: FactorKey): number {
    const f = this.#byKey.get(key);
    if (!f) throw new Error(`impact factor ${key} is missing`);
    return f.value;
  }

  factor(key: string): Factor | undefined {
    return this.#byKey.get(key);
  }

  /** The factors whose keys are given, for citing next to a number. */
  cite(keys: Iterable<FactorKey>): Factor[] {
    return [...new Set(keys)].flatMap((k) => {
      const f = this.#byKey.get(k);
      return f ? [f] : [];
    });
  }

  all(): Factor[] {
    return [...this.#byKey.values()];
  }

  /** Plain rows, to rebuild the set in a worker thread. */
  toJSON(): { factors: Factor[]; version: string } {
    return { factors: this.all(), version: this.version };
  }
}

/** Reads the factor table; the version combines every row's version counter. */
export async function loadFactors(db: Kysely<Database>): Promise<FactorSet> {
  const rows = await db
    .selectFrom('impact_factors')
    .select(['key', 'value', 'unit', 'description', 'source', 'version'])
    .orderBy('key')
    .execute();
  const version = rows.reduce((sum, r) => sum + Number(r.version), 0);
  return new FactorSet(
    rows.map((r) => ({
      key: r.key,
      value: Number(r.value),
      unit: r.unit,
      description: r.description,
      source: r.source,
    })),
    `${rows.length}.${version}`,
  );
}
