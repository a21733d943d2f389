import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type { SensorAssetType } from '../../common/sensor-types';

/** What ingest and the live stream need to know about a sensor, cached in memory. */
export interface SensorMeta {
  id: string;
  externalId: string;
  kind: string;
  assetType: SensorAssetType | null;
  assetId: string | null;
  lon: number;
  lat: number;
  reference: number | null;
  intervalS: number;
}

interface Row {
  id: string | number;
  external_id: string;
  kind: string;
  asset_type: SensorAssetType | null;
  asset_id: string | number | null;
  lon: number;
  lat: number;
  reference_value: number | null;
  interval_s: number;
}

const toMeta = (r: Row): SensorMeta => ({
  id: String(r.id),
  externalId: r.external_id,
  kind: r.kind,
  assetType: r.asset_type,
  assetId: r.asset_id === null ? null : String(r.asset_id),
  lon: Number(r.lon),
  lat: Number(r.lat),
  reference: r.reference_value === null ? null : Number(r.reference_value),
  intervalS: Number(r.interval_s),
});

/** Lists travel as one JSON parameter: the same on both drivers, any length. */
const json = (list: string[]) => JSON.stringify(list);

/** A numeric id as ingest accepts it: digits only, within bigint. */
const NUMERIC_ID = /^[1-9]\d{0,17}$/;

/**
 * Resolves sensor references (numeric id or external id) to sensors. Known sensors stay cached
 * (sensors are registered rarely, read on every reading); unknown references are looked up in
 * one query per batch, so a sensor registered by another instance is found on first use.
 */
export class SensorRegistry {
  readonly #db: Kysely<Database>;
  readonly #byId = new Map<string, SensorMeta>();
  readonly #byExternal = new Map<string, SensorMeta>();

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Loads every sensor (at start; a few thousand rows). */
  async loadAll(): Promise<void> {
    this.#store(await this.#select(sql`true`));
  }

  byId(id: string): SensorMeta | undefined {
    return this.#byId.get(id);
  }

  /** Seconds between readings the sensor promises (60 when unknown). */
  intervalOf(id: string): number {
    return this.#byId.get(id)?.intervalS ?? 60;
  }

  /** The cached sensor for a reference, without a query. */
  cached(ref: string | number): SensorMeta | undefined {
    const s = String(ref);
    return this.#byExternal.get(s) ?? (NUMERIC_ID.test(s) ? this.#byId.get(s) : undefined);
  }

  /** Resolves references; those not cached are looked up in one query. */
  async resolve(refs: Iterable<string | number>): Promise<Map<string, SensorMeta>> {
    const out = new Map<string, SensorMeta>();
    const missing = new Set<string>();
    for (const ref of refs) {
      const s = String(ref);
      const hit = this.cached(s);
      if (hit) out.set(s, hit);
      else missing.add(s);
    }
    if (missing.size > 0) {
      const list = [...missing];
      const ids = list.filter((s) => NUMERIC_ID.test(s));
      const rows = await this.#select(
        ids.length > 0
          ? sql`s.external_id IN (SELECT jsonb_array_elements_text(${json(list)}::text::jsonb))
              OR s.id IN (SELECT jsonb_array_elements_text(${json(ids)}::text::jsonb)::bigint)`
          : sql`s.external_id IN (SELECT jsonb_array_elements_text(${json(list)}::text::jsonb))`,
      );
      this.#store(rows);
      for (const s of list) {
        const hit = this.cached(s);
        if (hit) out.set(s, hit);
      }
    }
    return out;
  }

  /** Resolves ids of sensors (from another instance's notification) not cached yet. */
  async ensureIds(ids: string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.#byId.has(id));
    if (missing.length > 0) {
      this.#store(
        await this.#select(
          sql`s.id IN (SELECT jsonb_array_elements_text(${json(missing)}::text::jsonb)::bigint)`,
        ),
      );
    }
  }

  /** Drops sensors that no longer exist (deleted with their dataset) from the cache. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) {
      const m = this.#byId.get(String(id));
      if (!m) continue;
      this.#byId.delete(m.id);
      if (this.#byExternal.get(m.externalId) === m) this.#byExternal.delete(m.externalId);
    }
  }

  #store(rows: SensorMeta[]): void {
    for (const m of rows) {
      this.#byId.set(m.id, m);
      this.#byExternal.set(m.externalId, m);
    }
  }

  async #select(where: ReturnType<typeof sql>): Promise<SensorMeta[]> {
    const { rows } = await sql<Row>`SELECT s.id, s.external_id, s.kind, s.asset_type, s.asset_id,
        ST_X(ST_Transform(s.geom, 4326)) AS lon, ST_Y(ST_Transform(s.geom, 4326)) AS lat,
        s.reference_value, s.interval_s
      FROM sensors s WHERE ${where}`.execute(this.#db);
    return rows.map(toMeta);
  }
}
