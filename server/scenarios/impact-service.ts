import { sql, type Kysely } from 'kysely';
import type { CalibrationReport, ImpactPending, ScenarioImpact } from '../../common/scenario-types';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import type { BaselineInput } from '../impact/baseline';
import { CITY_LAYERS, loadCityModel } from '../impact/city-model';
import { countEpoch, loadCounts } from '../impact/count-data';
import type { TrafficWorld } from '../impact/demo-world';
import type { ModelResults } from '../impact/engine';
import { loadFactors, type FactorSet } from '../impact/factors';
import { ImpactPool, QueueFullError, type Job, type WorkerSlot } from '../impact/impact-pool';
import { ImpactQueue, type QueuedJob, type SharedJobStatus } from './impact-queue';
import { loadScenarioInputs } from '../impact/scenario-inputs';
import type { Logger } from '../log';
import { findScenario } from './scenario-store';

export interface ImpactServiceOptions {
  /** Worker threads (TWIN_IMPACT_WORKERS, default 1). */
  workers?: number;
  /** Jobs waiting at most (TWIN_IMPACT_QUEUE, default 16); beyond, 503 + Retry-After. */
  queueSize?: number;
  /** Time budget per job, seconds (TWIN_IMPACT_TIMEOUT_S, default 120). */
  timeoutS?: number;
  log?: Logger;
}

/** What a baseline build reports back from the worker. */
export interface BaselineSummary {
  key: string;
  calibration: ScenarioImpact['traffic']['calibration'];
  report: CalibrationReport | null;
  kpis: ScenarioImpact['traffic']['baseline'];
  gap: number;
  iterations: number;
  timings: Record<string, number>;
  flagged: { water: { flagged: number; total: number }; power: { flagged: number; total: number } };
}

/** A scenario's current version, the keys of its impact, and the stored result when there is one. */
interface Lookup {
  s: { id: string; name: string; version: number };
  baseKey: string;
  factors: FactorSet;
  lon: number;
  cacheKey: string;
  jobKey: string;
  result: ScenarioImpact | null;
}

export type ImpactAnswer =
  { status: 'done'; result: ScenarioImpact; cached: boolean } | ImpactPending;

/**
 * Impact results, computed once per (scenario version, factor version, baseline layer versions,
 * count epoch) and kept in `scenario_impacts`. The computation runs in worker threads through a
 * bounded, coalescing queue (impact-pool.ts): each worker holds the baseline in memory and is
 * given the scenario's inputs, read here from the database. Requests never wait for a
 * computation unless they ask to.
 */
export class ImpactService {
  readonly #db: Kysely<Database>;
  readonly #pool: ImpactPool;
  readonly #log: Logger | undefined;
  #summary: BaselineSummary | null = null;
  #lon: { layers: string; lon: number } | null = null;
  #epoch: { peak: number; at: number; value: string } | null = null;

  /** The time budget of one job, ms: how long a download may wait for its result. */
  readonly timeoutMs: number;
  readonly #queueSize: number;
  readonly #workers: number;
  /** The JetStream work queue shared by the instances (NATS_URL, issue #16); else jobs run here. */
  #queue: ImpactQueue | undefined;

  constructor(db: Kysely<Database>, options: ImpactServiceOptions = {}) {
    this.#db = db;
    this.#queueSize = options.queueSize ?? 16;
    this.timeoutMs = (options.timeoutS ?? 120) * 1000;
    this.#log = options.log;
    this.#workers = options.workers ?? 1;
    this.#pool = new ImpactPool({
      workers: options.workers ?? 1,
      queueSize: options.queueSize ?? 16,
      timeoutMs: (options.timeoutS ?? 120) * 1000,
      onError: (err, key) => this.#log?.error({ err, job: key }, 'impact job failed'),
    });
  }

  /**
   * Issue #16: scenario impacts go through the JetStream work queue at `url`, and this instance's
   * workers take jobs from it (requested through any instance). Baselines, calibration and the
   * demo's traffic still run here.
   */
  async startQueue(url: string): Promise<void> {
    this.#queue = await ImpactQueue.start(url, {
      workers: this.#workers,
      queueSize: this.#queueSize,
      log: this.#log,
      run: (job, setPhase) => this.#runQueued(job, setPhase),
    });
    this.#log?.info(
      { workers: this.#workers },
      'impacts: taking jobs from the NATS work queue TWIN_IMPACTS (consumer twin-impacts)',
    );
  }

  /** A job from the shared queue, computed here; resolves once its result is stored. */
  async #runQueued(job: QueuedJob, setPhase: (phase: string) => void): Promise<void> {
    let found: Lookup;
    try {
      found = await this.#lookup(job.scenarioId);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return; // the scenario is gone
      throw error;
    }
    // Stored by now, or the scenario (or its baseline) changed since: nothing to do for this job.
    if (found.result || found.jobKey !== job.jobKey) return;
    const local =
      this.#pool.job(found.jobKey) ??
      this.#pool.submit(
        found.jobKey,
        (slot, p) =>
          this.#compute(slot, found.s, found.cacheKey, found.baseKey, found.factors, found.lon, p),
        found.baseKey ? (sl) => sl.baselineKey === found.baseKey : undefined,
      );
    const phases = setInterval(() => local.phase && setPhase(local.phase), 1000);
    try {
      await local.promise;
    } finally {
      clearInterval(phases);
    }
  }

  /** The shared job of a looked-up scenario (`limit`: jobs waiting at most to add one). */
  async #request(f: Lookup, limit?: number): Promise<SharedJobStatus> {
    try {
      return await this.#queue!.request(
        { scenarioId: f.s.id, version: f.s.version, cacheKey: f.cacheKey, jobKey: f.jobKey },
        limit,
      );
    } catch (error) {
      if (error instanceof QueueFullError) throw new ApiError(503, 'unavailable', error.message);
      throw new ApiError(
        503,
        'unavailable',
        'the impact queue (NATS) is unavailable; try again shortly',
        { cause: error },
      );
    }
  }

  /** `impact()` through the shared queue: the stored result, else the job's status on any instance. */
  async #queuedImpact(f: Lookup, waitMs: number): Promise<ImpactAnswer> {
    let st = await this.#request(f);
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (st.state === 'done') {
        const result = await this.#stored(f);
        if (result) return { status: 'done', result, cached: false };
        // Done, but not for this version (the scenario changed while it ran): ask again.
        st = await this.#request(f);
        if (st.state === 'done') break;
      }
      if (st.state === 'failed' || Date.now() >= deadline) break;
      await sleep(Math.min(250, deadline - Date.now()));
      const result = await this.#stored(f);
      if (result) return { status: 'done', result, cached: false };
      st = await this.#request(f);
    }
    return {
      status: st.state === 'done' ? 'running' : st.state,
      scenario: { id: f.s.id, version: f.s.version },
      position:
        st.state === 'queued' ? await this.#queue!.position(st.seq).catch(() => null) : null,
      phase: st.state === 'running' ? st.phase : null,
      queued_at: st.queued_at,
      started_at: st.started_at,
      error: st.error,
    };
  }

  async #stored(f: Lookup): Promise<ScenarioImpact | null> {
    const stored = await this.#db
      .selectFrom('scenario_impacts')
      .select('result')
      .where('scenario_id', '=', f.s.id)
      .where('cache_key', '=', f.cacheKey)
      .executeTakeFirst();
    return stored
      ? ((typeof stored.result === 'string'
          ? JSON.parse(stored.result)
          : stored.result) as ScenarioImpact)
      : null;
  }

  async #cityLongitude(layers: string): Promise<number> {
    if (this.#lon?.layers !== layers) {
      const { rows } = await sql<{ lon: number | null }>`
        SELECT ST_X(ST_Transform(ST_SetSRID(ST_Centroid(ST_Extent(geom)::geometry), 3857), 4326))::float8 AS lon
        FROM road_nodes`.execute(this.#db);
      this.#lon = { layers, lon: Number(rows[0]?.lon ?? 0) };
    }
    return this.#lon.lon;
  }

  /** The key of the current baseline: factors, city layers and the peak-hour counts. */
  async #baselineKey(): Promise<{ key: string; factors: FactorSet; lon: number }> {
    const factors = await loadFactors(this.#db);
    const rows = await this.#db
      .selectFrom('layer_versions')
      .select(['layer', 'version'])
      .where('layer', 'in', CITY_LAYERS)
      .orderBy('layer')
      .execute();
    const layers = rows.map((r) => `${r.layer}=${r.version}`).join(',');
    const lon = await this.#cityLongitude(layers);
    const peak = factors.get('traffic.peak_hour_local');
    if (!this.#epoch || this.#epoch.peak !== peak || Date.now() - this.#epoch.at > EPOCH_TTL_MS) {
      this.#epoch = { peak, at: Date.now(), value: await countEpoch(this.#db, lon, peak) };
    }
    const epoch = this.#epoch.value;
    return { key: `f${factors.version}|${layers}|counts=${epoch}`, factors, lon };
  }

  /** Makes `slot` hold the baseline `key`: reads the city and the counts here, builds it there. */
  async #ensureBaseline(
    slot: WorkerSlot,
    key: string,
    factors: FactorSet,
    lon: number,
    setPhase: (p: string) => void,
  ): Promise<BaselineSummary> {
    if (slot.baselineKey === key && this.#summary?.key === key) return this.#summary;
    setPhase('loading');
    const city = await loadCityModel(this.#db);
    const { counts } = await loadCounts(this.#db, lon, factors.get('traffic.peak_hour_local'));
    const input: BaselineInput = { key, city, factors: factors.toJSON(), counts };
    const summary = await slot.call<BaselineSummary>({ type: 'baseline', input }, (p) =>
      setPhase(`baseline: ${p}`),
    );
    slot.baselineKey = key;
    this.#summary = summary;
    this.#log?.info(
      { key, gap: summary.gap, calibration: summary.calibration.status, timings: summary.timings },
      'impact baseline built',
    );
    return summary;
  }

  /** The baseline (built if needed): a job of its own in the queue. */
  baseline(): Promise<BaselineSummary> {
    return this.#baselineJob().promise;
  }

  #baselineJob(): Job<BaselineSummary> {
    return this.#submit('baseline', async (slot, setPhase) => {
      const { key, factors, lon } = await this.#baselineKey();
      return this.#ensureBaseline(slot, key, factors, lon, setPhase);
    });
  }

  #submit<T>(
    key: string,
    run: (slot: WorkerSlot, setPhase: (p: string) => void) => Promise<T>,
    baselineKey?: string,
  ): Job<T> {
    try {
      return this.#pool.submit(
        key,
        run,
        baselineKey ? (s) => s.baselineKey === baselineKey : undefined,
      );
    } catch (error) {
      if (error instanceof QueueFullError) throw new ApiError(503, 'unavailable', error.message);
      throw error;
    }
  }

  /**
   * The impact of a scenario's current version: from the cache, else computed in the queue.
   * Waits up to `waitMs` for a computation; past that answers its status instead.
   */
  async impact(scenarioId: string, waitMs = 0): Promise<ImpactAnswer> {
    const found = await this.#lookup(scenarioId);
    if (found.result) return { status: 'done', result: found.result, cached: true };
    if (this.#queue) return this.#queuedImpact(found, waitMs);
    const job = this.#job(found);
    if (job.state !== 'failed' && waitMs > 0) {
      const done = await Promise.race([
        job.promise.then(
          (r) => r as ScenarioImpact,
          () => null,
        ),
        sleep(waitMs).then(() => undefined),
      ]);
      if (done) return { status: 'done', result: done, cached: false };
    }
    return this.#pending(job, found.s);
  }

  /**
   * The stored impact of a scenario's current version, or null, without waiting — for pages that
   * show many scenarios (the public dashboard). With `request`, a missing one is queued in the
   * background (joining a job already asking for it), but only while the queue has room to
   * spare, so such a page never fills the queue that planners' own impacts need; it never throws
   * for a full queue.
   */
  async peek(
    scenarioId: string,
    { request = false }: { request?: boolean } = {},
  ): Promise<ScenarioImpact | null> {
    const found = await this.#lookup(scenarioId);
    if (found.result || !request) return found.result;
    if (this.#queue) {
      // Joins a job on any instance; adds one only while the shared queue has room to spare.
      await this.#request(found, Math.floor(this.#queueSize / 2)).catch(() => undefined);
      return null;
    }
    if (this.#pool.job(found.jobKey) || this.#pool.waiting < Math.floor(this.#queueSize / 2)) {
      try {
        this.#job(found);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 503)) throw error;
      }
    }
    return null;
  }

  /** The scenario's current cache key and, when stored, its result. */
  async #lookup(scenarioId: string): Promise<Lookup> {
    const scenario = await findScenario(this.#db, scenarioId);
    const s = { id: scenario.id, name: scenario.name, version: Number(scenario.version) };
    const { key: baseKey, factors, lon } = await this.#baselineKey();
    const cacheKey = `v${s.version}|${baseKey}`;
    const stored = await this.#db
      .selectFrom('scenario_impacts')
      .select('result')
      .where('scenario_id', '=', scenarioId)
      .where('cache_key', '=', cacheKey)
      .executeTakeFirst();
    const result = stored
      ? ((typeof stored.result === 'string'
          ? JSON.parse(stored.result)
          : stored.result) as ScenarioImpact)
      : null;
    return { s, baseKey, factors, lon, cacheKey, jobKey: `impact|${s.id}|${cacheKey}`, result };
  }

  /** The job computing a looked-up scenario: the one already queued or running, else a new one. */
  #job(f: Lookup): Job {
    return (
      this.#pool.job(f.jobKey) ??
      this.#submit(
        f.jobKey,
        (slot, setPhase) =>
          this.#compute(slot, f.s, f.cacheKey, f.baseKey, f.factors, f.lon, setPhase),
        f.baseKey,
      )
    );
  }

  #pending(job: Job, s: { id: string; version: number }): ImpactPending {
    return {
      status: job.state === 'done' ? 'running' : (job.state as ImpactPending['status']),
      scenario: { id: s.id, version: s.version },
      position: job.state === 'queued' ? this.#pool.position(job.key) : null,
      phase: job.state === 'running' ? job.phase : null,
      queued_at: job.queuedAt.toISOString(),
      started_at: job.startedAt?.toISOString() ?? null,
      error: job.error,
    };
  }

  /** The result, waiting for it up to `waitMs`; 503 (Retry-After) when it is not ready by then. */
  async result(scenarioId: string, waitMs: number): Promise<ScenarioImpact> {
    const answer = await this.impact(scenarioId, waitMs);
    if (answer.status === 'done') return answer.result;
    if (answer.status === 'failed')
      throw new ApiError(
        503,
        answer.error?.code === 'timeout' ? 'timeout' : 'unavailable',
        answer.error?.message ?? 'the impact computation failed',
      );
    throw new ApiError(503, 'unavailable', `the impact is ${answer.status}; try again shortly`);
  }

  async #compute(
    slot: WorkerSlot,
    scenario: { id: string; name: string; version: number },
    cacheKey: string,
    baseKey: string,
    factors: FactorSet,
    lon: number,
    setPhase: (p: string) => void,
  ): Promise<ScenarioImpact> {
    const started = performance.now();
    await this.#ensureBaseline(slot, baseKey, factors, lon, setPhase);
    setPhase('inputs');
    const inputs = await loadScenarioInputs(this.#db, scenario);
    const models = await slot.call<ModelResults>(
      { type: 'impact', key: baseKey, inputs },
      setPhase,
    );
    const result: ScenarioImpact = {
      scenario,
      cache_key: cacheKey,
      computed_at: new Date().toISOString(),
      elapsed_ms: Math.round(performance.now() - started),
      status: 'done',
      ...models,
    };
    // Every change to the edits bumps the version in the same transaction, so an unchanged
    // version after computing means the edits read were those of this version; otherwise the
    // result is returned but not stored (the next request computes the new version).
    const now = await this.#db
      .selectFrom('scenarios')
      .select('version')
      .where('id', '=', scenario.id)
      .executeTakeFirst();
    if (!now || Number(now.version) !== scenario.version) return result;
    await sql`DELETE FROM scenario_impacts WHERE scenario_id = ${scenario.id}::uuid AND cache_key <> ${cacheKey}`.execute(
      this.#db,
    );
    await sql`INSERT INTO scenario_impacts (scenario_id, cache_key, result)
      SELECT ${scenario.id}::uuid, ${cacheKey}, ${JSON.stringify(result)}::text::jsonb
      WHERE EXISTS (SELECT 1 FROM scenarios WHERE id = ${scenario.id}::uuid)
      ON CONFLICT (scenario_id, cache_key) DO NOTHING`.execute(this.#db);
    return result;
  }

  /**
   * The calibration of the current baseline (`GET /api/impact/calibration`), building the
   * baseline when needed; null while it is not ready after `waitMs`.
   */
  async calibration(waitMs: number): Promise<{ summary: BaselineSummary } | { pending: Job }> {
    const { key } = await this.#baselineKey();
    if (this.#summary?.key === key) return { summary: this.#summary };
    const job = this.#baselineJob();
    if (waitMs > 0) {
      const done = await Promise.race([
        job.promise.catch(() => null),
        sleep(waitMs).then(() => undefined),
      ]);
      if (done) return { summary: done };
    }
    return { pending: job };
  }

  /** The demo city's simulated traffic, from the current baseline's prior matrix (demo-world.ts). */
  async demoWorld(seed: number): Promise<TrafficWorld> {
    const job = this.#submit(`world|${seed}`, async (slot, setPhase) => {
      const { key, factors, lon } = await this.#baselineKey();
      await this.#ensureBaseline(slot, key, factors, lon, setPhase);
      return slot.call<TrafficWorld>({ type: 'world', key, options: { seed } });
    });
    return job.promise;
  }

  async close(): Promise<void> {
    await this.#queue?.close();
    await this.#pool.close();
  }
}

/** The count epoch is looked up at most this often. */
const EPOCH_TTL_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
