import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { buildBaseline, calibrationEpoch, type Baseline } from '../impact/baseline';
import { CITY_LAYERS } from '../impact/city-model';
import { computeImpact } from '../impact/engine';
import { loadFactors } from '../impact/factors';
import { findScenario } from './scenario-store';

export type ImpactResult = Awaited<ReturnType<typeof computeImpact>> & {
  scenario: { id: string; name: string; version: number };
  cache_key: string;
  computed_at: string;
  elapsed_ms: number;
};

/**
 * Impact results, computed once per (scenario version, factor version, baseline layer versions)
 * and kept in `scenario_impacts`; the baseline model is kept in memory under the same
 * factor + layer key and rebuilt when either changes. Concurrent requests share one computation.
 */
export class ImpactService {
  readonly #db: Kysely<Database>;
  #baseline: { key: string; value: Promise<Baseline> } | null = null;
  readonly #inflight = new Map<string, Promise<ImpactResult>>();

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async #baselineKey(): Promise<{ key: string; factors: Awaited<ReturnType<typeof loadFactors>> }> {
    const factors = await loadFactors(this.#db);
    const rows = await this.#db
      .selectFrom('layer_versions')
      .select(['layer', 'version'])
      .where('layer', 'in', CITY_LAYERS)
      .orderBy('layer')
      .execute();
    const calibration = await calibrationEpoch(this.#db);
    const layers = rows.map((r) => `${r.layer}=${r.version}`).join(',');
    return { key: `f${factors.version}|${layers}|cal=${calibration}`, factors };
  }

  /** The baseline for the current factors and city data. */
  async baseline(): Promise<{ key: string; baseline: Baseline }> {
    const { key, factors } = await this.#baselineKey();
    if (this.#baseline?.key !== key) {
      const value = buildBaseline(this.#db, factors);
      this.#baseline = { key, value };
      value.catch(() => {
        if (this.#baseline?.value === value) this.#baseline = null;
      });
    }
    return { key, baseline: await this.#baseline.value };
  }

  /** The impact of a scenario's current version: from the cache, or computed and stored. */
  async impact(scenarioId: string): Promise<{ result: ImpactResult; cached: boolean }> {
    const scenario = await findScenario(this.#db, scenarioId);
    const { key: baseKey } = await this.#baselineKey();
    const cacheKey = `v${scenario.version}|${baseKey}`;
    const stored = await this.#db
      .selectFrom('scenario_impacts')
      .select('result')
      .where('scenario_id', '=', scenarioId)
      .where('cache_key', '=', cacheKey)
      .executeTakeFirst();
    if (stored) {
      const result = typeof stored.result === 'string' ? JSON.parse(stored.result) : stored.result;
      return { result: result as ImpactResult, cached: true };
    }
    const flightKey = `${scenarioId}|${cacheKey}`;
    let flight = this.#inflight.get(flightKey);
    if (!flight) {
      flight = this.#compute(scenario, cacheKey).finally(() => this.#inflight.delete(flightKey));
      this.#inflight.set(flightKey, flight);
    }
    return { result: await flight, cached: false };
  }

  async #compute(scenario: { id: string; name: string; version: number }, cacheKey: string): Promise<ImpactResult> {
    const started = performance.now();
    const { baseline } = await this.baseline();
    const impact = await computeImpact(this.#db, baseline, scenario.id);
    const result: ImpactResult = {
      scenario: { id: scenario.id, name: scenario.name, version: scenario.version },
      cache_key: cacheKey,
      computed_at: new Date().toISOString(),
      elapsed_ms: Math.round(performance.now() - started),
      ...impact,
    };
    // Every change to the edits bumps the version in the same transaction, so an unchanged
    // version after computing means the edits read were those of this version; otherwise the
    // result is returned but not stored (the next request computes the new version).
    const now = await this.#db.selectFrom('scenarios').select('version').where('id', '=', scenario.id).executeTakeFirst();
    if (!now || Number(now.version) !== scenario.version) return result;
    await sql`DELETE FROM scenario_impacts WHERE scenario_id = ${scenario.id}::uuid AND cache_key <> ${cacheKey}`.execute(this.#db);
    await sql`INSERT INTO scenario_impacts (scenario_id, cache_key, result)
      SELECT ${scenario.id}::uuid, ${cacheKey}, ${JSON.stringify(result)}::text::jsonb
      WHERE EXISTS (SELECT 1 FROM scenarios WHERE id = ${scenario.id}::uuid)
      ON CONFLICT (scenario_id, cache_key) DO NOTHING`.execute(this.#db);
    return result;
  }
}
