import type { CompiledQuery, Kysely } from 'kysely';
import type { Database } from '../schema/database';

export type VersionMap = ReadonlyMap<string, string>;

/** The channel `bump_layer_version()` notifies with the layer's name (migration 20261201004000). */
export const LAYER_VERSIONS_CHANNEL = 'twin_layer_versions';

/** How to learn of changes without reading: the backend's LISTEN and its own-write hook. */
export interface VersionSignals {
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onListen?: () => void,
  ): Promise<unknown>;
  onWrite(listener: () => void): void;
}

export interface LayerVersionsOptions {
  /** Without signals every burst of requests reads the table (the strict fallback). */
  signals?: VersionSignals;
  /**
   * With signals, a copy is trusted at most this long (ms), bounding staleness should the
   * listening connection be lost without anyone noticing (its notifications would be lost).
   */
  maxAgeMs?: number;
}

/**
 * Reads `layer_versions`, the per-layer counters that triggers bump in the same transaction as
 * any change to a layer's rows. Every caller gets a read that *started after it asked*, so a
 * change committed before a request is always seen by it; callers that arrive while a read is
 * running share the next one, so a burst of N requests costs at most two queries.
 *
 * With `signals`, the last read is kept and served without a query until something may have
 * changed: a NOTIFY from the bump trigger (any process, any instance), a write through this
 * process's own database layer (so this process always sees its own writes), a (re)connected
 * listener, or `maxAgeMs`. Between another process's COMMIT and the arrival of its notification
 * (well under a millisecond on one host) a request may still see the old version.
 */
export class LayerVersions {
  readonly #db: Kysely<Database>;
  readonly #run: <R>(query: CompiledQuery<R>) => Promise<R[]>;
  readonly #maxAgeMs: number;
  #running: Promise<VersionMap> | null = null;
  #queued: Promise<VersionMap> | null = null;
  /** Bumped by every signal: a read that started before a signal may not be trusted after it. */
  #epoch = 0;
  #kept: { map: VersionMap; epoch: number; at: number } | null = null;
  #listening = false;

  constructor(
    db: Kysely<Database>,
    run: <R>(query: CompiledQuery<R>) => Promise<R[]> = async (q) =>
      (await db.executeQuery(q)).rows,
    { signals, maxAgeMs = 1000 }: LayerVersionsOptions = {},
  ) {
    this.#db = db;
    this.#run = run;
    this.#maxAgeMs = maxAgeMs;
    if (signals) {
      signals.onWrite(() => this.invalidate());
      signals
        .listen(
          LAYER_VERSIONS_CHANNEL,
          () => this.invalidate(),
          () => {
            this.invalidate();
            this.#listening = true;
          },
        )
        .catch(() => {
          // Not listening: every burst reads, as without signals.
          this.#listening = false;
        });
    }
  }

  /** Drops the kept copy: the next caller reads. */
  invalidate(): void {
    this.#epoch++;
    this.#kept = null;
  }

  /** The kept versions when they are still good, without a query; else undefined. */
  cached(): VersionMap | undefined {
    const k = this.#kept;
    if (!k || k.epoch !== this.#epoch || performance.now() - k.at > this.#maxAgeMs)
      return undefined;
    return k.map;
  }

  current(): Promise<VersionMap> {
    const kept = this.cached();
    if (kept) return Promise.resolve(kept);
    if (!this.#running) return this.#start();
    if (!this.#queued) {
      const after = this.#running.then(
        () => undefined,
        () => undefined,
      );
      this.#queued = after.then(() => {
        this.#queued = null;
        return this.#start();
      });
    }
    return this.#queued;
  }

  #start(): Promise<VersionMap> {
    const epoch = this.#epoch;
    const at = performance.now();
    const read = this.#read().then((map) => {
      // Kept only when no signal came while it ran and a listener will tell of the next change.
      if (this.#listening && epoch === this.#epoch) this.#kept = { map, epoch, at };
      return map;
    });
    this.#running = read;
    const clear = () => {
      if (this.#running === read) this.#running = null;
    };
    read.then(clear, clear);
    return read;
  }

  async #read(): Promise<VersionMap> {
    const rows = await this.#run(
      this.#db.selectFrom('layer_versions').select(['layer', 'version']).compile(),
    );
    return new Map(rows.map((r) => [r.layer, String(r.version)]));
  }
}
