import { DEMO_SENSOR_PREFIX } from '../../data/demo-sensors';
import type { ResolvedReading } from './ingest-writer';
import type { SensorMeta } from './sensor-registry';
import type { SensorService } from './sensor-service';
import { faultOf, simulatedValue, type Fault } from './simulated-values';

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

  constructor(service: SensorService, { periodS }: { periodS: number }) {
    this.#service = service;
    this.#periodMs = periodS * 1000;
  }

  get size(): number {
    return this.#sensors.length;
  }

  async start(): Promise<void> {
    const rows = await this.#service.backend.db
      .selectFrom('sensors')
      .leftJoin('road_links', (j) =>
        j.onRef('road_links.id', '=', 'sensors.asset_id').on('sensors.asset_type', '=', 'road_link'),
      )
      .select(['sensors.id', 'road_links.class'])
      .where('sensors.external_id', 'like', `${DEMO_SENSOR_PREFIX}%`)
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
          const incident = (this.#incidents.get(s.meta.assetId ?? '') ?? 0) > ts;
          const value = simulatedValue(s.meta, ts, {
            arterial: s.arterial,
            incident,
            fault: s.fault,
            hoursSinceStart: (ts - this.#startedAt) / 3600_000,
            noise: Math.random(),
          });
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
