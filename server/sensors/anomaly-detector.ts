import type { AlertKind } from '../../common/sensor-types';

/** What the detector reports for one reading or one silence check. */
export interface AnomalyEvent {
  sensorId: string;
  kind: AlertKind;
  /** open: the condition holds (open or refresh the alert); close: it cleared. */
  action: 'open' | 'close';
  value: number | null;
  detail: Record<string, unknown>;
}

export interface DetectorOptions {
  /** A reading beyond k standard deviations of the rolling mean is a spike. */
  k: number;
  /** Readings before spike detection starts (the statistics must settle). */
  warmup: number;
  /** This many identical consecutive readings mean the sensor is stuck. */
  stuckRun: number;
  /** Relative deviation from its peers (same kind) at which a sensor counts as drifting. */
  driftThreshold: number;
  /** Missed intervals after which a sensor is silent. */
  silentIntervals: number;
}

export const DEFAULT_DETECTOR: DetectorOptions = {
  k: 5,
  warmup: 20,
  stuckRun: 12,
  driftThreshold: 0.3,
  silentIntervals: 5,
};

interface SensorStats {
  n: number;
  mean: number;
  variance: number;
  last: number;
  run: number;
  lastTs: number;
  /** Slow average of (value / reference) ÷ the same for the kind's peers: 1 when in line. */
  relative: number;
  relativeN: number;
  open: Set<AnomalyEvent['kind']>;
}

/** A sensor's statistics before its first reading is counted: last seen at `ts`. */
const freshStats = (mean: number, ts: number): SensorStats => ({
  n: 0,
  mean,
  variance: 0,
  last: NaN,
  run: 0,
  lastTs: ts,
  relative: 1,
  relativeN: 0,
  open: new Set(),
});

/** EWMA weights: ~20 readings for mean/variance, ~50 for the drift ratio. */
const ALPHA = 0.1;
const ALPHA_DRIFT = 0.04;

/**
 * Rolling per-sensor statistics that flag spikes (beyond k σ of an exponentially weighted mean
 * and variance), stuck values (a run of identical readings), drift (a sensor's ratio to its
 * reference moving away from its peers' — peers share the daily cycle, so the cycle cancels) and
 * silence (no reading for N intervals). Pure: feed readings, get open/close events.
 */
export class AnomalyDetector {
  readonly #o: DetectorOptions;
  readonly #stats = new Map<string, SensorStats>();
  /** Per kind: slow average of value / reference across all its sensors. */
  readonly #peer = new Map<string, number>();

  constructor(options: Partial<DetectorOptions> = {}) {
    this.#o = { ...DEFAULT_DETECTOR, ...options };
  }

  observe(
    sensor: { id: string; kind: string; reference: number | null },
    ts: number,
    value: number,
  ): AnomalyEvent[] {
    const events: AnomalyEvent[] = [];
    let s = this.#stats.get(sensor.id);
    if (!s) {
      s = freshStats(value, ts);
      this.#stats.set(sensor.id, s);
    }
    if (ts < s.lastTs) return events; // late or replayed: the statistics move forward only
    if (s.n === 0 && Number.isNaN(s.last)) s.mean = value;
    const emit = (kind: AnomalyEvent['kind'], holds: boolean, detail: Record<string, unknown>) => {
      if (holds) {
        events.push({ sensorId: sensor.id, kind, action: 'open', value, detail });
        s!.open.add(kind);
      } else if (s!.open.delete(kind)) {
        events.push({ sensorId: sensor.id, kind, action: 'close', value, detail });
      }
    };
    if (s.open.has('silence')) emit('silence', false, {});
    s.lastTs = ts;

    // Stuck: identical readings in a row.
    s.run = value === s.last ? s.run + 1 : 1;
    s.last = value;
    const stuck = s.run >= this.#o.stuckRun;
    if (stuck || s.open.has('stuck')) emit('stuck', stuck, { repeated: s.run });

    // Spike: beyond k σ of the rolling mean (once warmed up; σ floored at 1 % of the scale).
    const scale = Math.max(Math.abs(s.mean), sensor.reference ?? 0, 1e-9);
    const sigma = Math.max(Math.sqrt(s.variance), 0.01 * scale);
    const z = (value - s.mean) / sigma;
    const spike = s.n >= this.#o.warmup && Math.abs(z) > this.#o.k;
    if (spike || s.open.has('spike')) {
      emit('spike', spike, { mean: round(s.mean), sigma: round(sigma), z: round(z) });
    }
    if (!spike) {
      const d = value - s.mean;
      s.mean += ALPHA * d;
      s.variance = (1 - ALPHA) * (s.variance + ALPHA * d * d);
      s.n++;
    }

    // Drift: the sensor's ratio to its reference, relative to its peers', wanders off 1.
    if (sensor.reference && !stuck) {
      const ratio = value / sensor.reference;
      const peer = this.#peer.get(sensor.kind);
      const peerNext = peer === undefined ? ratio : peer + 0.01 * (ratio - peer);
      this.#peer.set(sensor.kind, peerNext);
      if (peerNext > 1e-6) {
        s.relative += ALPHA_DRIFT * (ratio / peerNext - s.relative);
        s.relativeN++;
      }
      const drift =
        s.relativeN >= 3 * this.#o.warmup && Math.abs(s.relative - 1) > this.#o.driftThreshold;
      if (drift || s.open.has('drift')) emit('drift', drift, { relative: round(s.relative) });
    }
    return events;
  }

  /** Sensors with no reading for `silentIntervals` intervals by `now` (epoch ms). */
  silent(now: number, intervalS: (id: string) => number): AnomalyEvent[] {
    const events: AnomalyEvent[] = [];
    for (const [id, s] of this.#stats) {
      const late = now - s.lastTs > this.#o.silentIntervals * intervalS(id) * 1000;
      if (late && !s.open.has('silence')) {
        s.open.add('silence');
        events.push({
          sensorId: id,
          kind: 'silence',
          action: 'open',
          value: null,
          detail: { last_reading: new Date(s.lastTs).toISOString() },
        });
      }
    }
    return events;
  }

  /** Remembers a sensor's last reading time (from the database at start) for silence checks. */
  seen(sensorId: string, ts: number): void {
    if (!this.#stats.has(sensorId)) this.#stats.set(sensorId, freshStats(0, ts));
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;
