import { DEMO_SENSOR_PREFIX } from '../../data/demo-sensors';
import type { ResolvedReading } from './ingest-writer';
import type { SensorMeta } from './sensor-registry';
import type { SensorService } from './sensor-service';
import { faultOf, PEAK_HOUR_LOCAL, simulatedValue, type Fault } from './simulated-values';
import type { TrafficWorld } from '../impact/demo-world';
import { latestFullPeakWindow } from '../impact/count-data';
import { sql } from 'kysely';
import { PoolClosedError } from '../impact/impact-pool';

/** The demo city's peak-hour traffic per road link, from the impact model (demo-world.ts). */
export type WorldProvider = () => Promise<TrafficWorld>;

/** Readings are written in one batch this often. */
const TICK_MS = 5000;
/** Chance per tick that an incident starts on some arterial (it lasts 20–40 minutes). */
const INCIDENT_CHANCE = 0.02;

interface SimSensor {
  meta: SensorMeta;
  nextDue: number;
  fault: Fault | null;
  /** Road class weight: arterials congest harder. */
  arterial: boolean;
}

/**
 * Drives the demo city's sensors (external ids `demo-…`): each reports every `periodS`
 * seconds (spread over the period), and due readings are written in one batch every few
 * seconds through the same writer as HTTP and MQTT ingest.
 */
export class Simulator {
  readonly #service: SensorService;
  readonly #periodMs: number;
  readonly #sensors: SimSensor[] = [];
  /** Road link id → incident end time (epoch ms). */
  readonly #incidents = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #startedAt = Date.now();
  #writing = false;
  readonly #worldProvider: WorldProvider | undefined;
  /** Road link id → its peak-hour traffic; null until the world is computed. */
  #world: Map<string, { volume: number; vc: number }> | null = null;

  constructor(
    service: SensorService,
    { periodS, world }: { periodS: number; world?: WorldProvider },
  ) {
    this.#service = service;
    this.#periodMs = periodS * 1000;
    this.#worldProvider = world;
  }

  /** Resolves when the traffic world is known (at once without a provider). */
  async worldReady(): Promise<void> {
    if (!this.#worldProvider || this.#world) return;
    const w = await this.#worldProvider();
    this.#world = new Map(w.linkIds.map((id, i) => [id, { volume: w.volume[i]!, vc: w.vc[i]! }]));
  }

  get size(): number {
    return this.#sensors.length;
  }

  async start(): Promise<void> {
    const rows = await this.#service.backend.db
      .selectFrom('sensors')
      .leftJoin('road_links', (j) =>
        j
          .onRef('road_links.id', '=', 'sensors.asset_id')
          .on('sensors.asset_type', '=', 'road_link'),
      )
      .select(['sensors.id', 'road_links.class'])
      .where('sensors.external_id', 'like', `${DEMO_SENSOR_PREFIX}%`)
      // A camera sends frames (server/cameras/camera-simulator.ts), not readings.
      .where('sensors.kind', '<>', 'camera')
      .orderBy('sensors.id')
      .execute();
    await this.#service.registry.ensureIds(rows.map((r) => String(r.id)));
    const now = Date.now();
    this.#startedAt = now;
    for (const r of rows) {
      const meta = this.#service.registry.byId(String(r.id));
      if (!meta) continue;
      const n = Number(r.id);
      const fault = faultOf(n);
      this.#sensors.push({
        meta,
        fault,
        arterial: r.class === 'arterial',
        nextDue: now + ((n * 7919) % this.#periodMs),
      });
    }
    this.#timer = setInterval(() => void this.tick(Date.now()), TICK_MS);
    this.#timer.unref();
    // Traffic sensors wait for the world (computed in an impact worker, seconds); the rest start now.
    this.worldReady().catch((error: unknown) => {
      // Stopped before the world was ready (a shutdown): nothing to report.
      if (error instanceof PoolClosedError) return;
      this.#service.log.warn(
        { err: error },
        'simulator: no traffic world; traffic sensors follow capacity',
      );
    });
  }

  /** The reading of one sensor at `ts`, or null (a dropping-out sensor, or traffic before the world is known). */
  #reading(s: SimSensor, ts: number): number | null {
    const traffic = s.meta.kind === 'traffic_flow' || s.meta.kind === 'traffic_speed';
    if (traffic && this.#worldProvider && !this.#world) return null;
    const incident = (this.#incidents.get(s.meta.assetId ?? '') ?? 0) > ts;
    return simulatedValue(s.meta, ts, {
      arterial: s.arterial,
      incident,
      fault: s.fault,
      hoursSinceStart: (ts - this.#startedAt) / 3600_000,
      noise: Math.random(),
      link:
        traffic && s.meta.assetType === 'road_link'
          ? this.#world?.get(s.meta.assetId ?? '')
          : undefined,
    });
  }

  /**
   * The demo's last whole peak hour of traffic counts, when the database has none: so a demo that has
   * just started can calibrate its traffic baseline (the impact model reads peak-hour counts).
   * Every 5 minutes of that hour, through the same writer. Returns the readings written.
   */
  async backfillLatestPeak(lon: number): Promise<number> {
    // The last whole hour: started during the peak hour, the demo gets a full hour of counts too.
    const window = latestFullPeakWindow(new Date(), lon, PEAK_HOUR_LOCAL);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM readings r JOIN sensors s ON s.id = r.sensor_id
      WHERE s.kind = 'traffic_flow' AND r.ts >= ${window[0].toISOString()}::timestamptz
        AND r.ts < ${window[1].toISOString()}::timestamptz`.execute(this.#service.backend.db);
    if (Number(rows[0]?.n ?? 0) > 0) return 0;
    return this.backfill(window[0].getTime() + 150_000, window[1].getTime(), 300_000, [
      'traffic_flow',
      'traffic_speed',
    ]);
  }

  /**
   * Writes the readings the sensors of `kinds` would have sent in [from, to), every `stepMs`,
   * through the same writer: history for a demo that has just started (and for tests).
   * Returns the number written.
   */
  async backfill(
    from: number,
    to: number,
    stepMs: number,
    kinds: readonly string[],
  ): Promise<number> {
    await this.worldReady();
    let written = 0;
    for (let t = from; t < to; t += stepMs) {
      const rows: ResolvedReading[] = [];
      const ts = Math.floor(t / 1000) * 1000;
      for (const s of this.#sensors) {
        if (!kinds.includes(s.meta.kind)) continue;
        const value = this.#reading(s, ts);
        if (value !== null) rows.push({ sensorId: s.meta.id, ts, value });
      }
      if (rows.length > 0) await this.#service.writer.submit(rows);
      written += rows.length;
    }
    return written;
  }

  /** Writes every reading due by `now`; skipped while the previous batch is still being written. */
  async tick(now: number): Promise<number> {
    if (this.#writing) return 0;
    this.#writing = true;
    try {
      if (Math.random() < INCIDENT_CHANCE) this.#startIncident(now);
      const rows: ResolvedReading[] = [];
      for (const s of this.#sensors) {
        while (s.nextDue <= now) {
          const ts = Math.floor(s.nextDue / 1000) * 1000;
          s.nextDue += this.#periodMs;
          const value = this.#reading(s, ts);
          if (value !== null) rows.push({ sensorId: s.meta.id, ts, value });
        }
      }
      if (rows.length > 0) await this.#service.writer.submit(rows);
      return rows.length;
    } catch (error) {
      this.#service.log.warn({ err: error }, 'simulator: batch not written');
      return 0;
    } finally {
      this.#writing = false;
    }
  }

  #startIncident(now: number): void {
    const arterials = this.#sensors.filter((s) => s.arterial && s.meta.kind === 'traffic_speed');
    const pick = arterials[Math.floor(Math.random() * arterials.length)];
    if (pick?.meta.assetId) {
      this.#incidents.set(pick.meta.assetId, now + (20 + Math.random() * 20) * 60_000);
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
  }
}
