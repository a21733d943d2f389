import type { CompiledQuery, Kysely } from 'kysely';
import type { Database } from '../server/db/schema';

export type VersionMap = ReadonlyMap<string, string>;

/**
 * Reads `layer_versions`, the per-layer counters that triggers bump in the same transaction as
 * any change to a layer's rows. Every caller gets a read that *started after it asked*, so a
 * change committed before a request is always seen by it; callers that arrive while a read is
 * running share the next one, so a burst of N requests costs at most two queries.
 */
export class LayerVersions {
  readonly #db: Kysely<Database>;
  readonly #run: <R>(query: CompiledQuery<R>) => Promise<R[]>;
  #running: Promise<VersionMap> | null = null;
  #queued: Promise<VersionMap> | null = null;

  constructor(
    db: Kysely<Database>,
    run: <R>(query: CompiledQuery<R>) => Promise<R[]> = async (q) => (await db.executeQuery(q)).rows,
  ) {
    this.#db = db;
    this.#run = run;
  }

  current(): Promise<VersionMap> {
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
    const read = this.#read();
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
