/** How a faulty simulated sensor misbehaves. */
export type Fault = 'stuck' | 'drift' | 'dropout';

export interface SimContext {
  arterial: boolean;
  incident: boolean;
  fault: Fault | null;
  hoursSinceStart: number;
  /** A uniform random number in [0, 1) for measurement noise. */
  noise: number;
  /**
   * The demo city's peak-hour traffic on the sensor's road link (server/impact/demo-world.ts):
   * volume, both directions, veh/h, and the larger direction's v/c. With it, flows follow the
   * daily profile scaled to that peak and speeds follow the model's BPR curve, so the simulated
   * city and the traffic model agree; without it, flows and speeds follow capacity.
   */
  link?: { volume: number; vc: number };
}

/** One demo sensor in this many is faulty (stuck, drifting or dropping out), chosen by id. */
export const FAULTY_EVERY = 97;

/** The fault a demo sensor has, from its id: the same in the live simulator and the history. */
export function faultOf(id: number): Fault | null {
  return id % FAULTY_EVERY === 0
    ? (['stuck', 'drift', 'dropout'] as const)[(id / FAULTY_EVERY) % 3]!
    : null;
}

/** Demo city longitude: local solar time is UTC + lon / 15 h. */
const LON = 5.12;

const bump = (h: number, centre: number, width: number) => {
  const d = Math.min(Math.abs(h - centre), 24 - Math.abs(h - centre));
  return Math.exp(-(d * d) / (2 * width * width));
};

/** Local hour of day (0–24) for a time, epoch ms. */
export const localHour = (ts: number) => (((ts / 3600_000 + LON / 15) % 24) + 24) % 24;

/** Traffic demand ÷ capacity over the day: morning and evening peaks, a midday plateau. */
export const trafficDemand = (h: number) =>
  0.12 + 0.78 * bump(h, 8, 1.2) + 0.85 * bump(h, 17.5, 1.5) + 0.4 * bump(h, 13, 3);
/** Mean of the traffic profile over the model's peak hour, 17:00–18:00 local (traffic.peak_hour_local). */
export const PEAK_HOUR_LOCAL = 17;
const PEAK_PROFILE =
  Array.from({ length: 60 }, (_, i) => trafficDemand(PEAK_HOUR_LOCAL + (i + 0.5) / 60)).reduce(
    (a, b) => a + b,
    0,
  ) / 60;

/** Water demand over the day (peaks at breakfast and dinner). */
export const waterDemand = (h: number) => 0.2 + 0.7 * bump(h, 7.5, 1.3) + 0.6 * bump(h, 19, 1.8);
/** Electricity demand over the day (evening peak). */
export const powerDemand = (h: number) => 0.3 + 0.35 * bump(h, 9, 2.5) + 0.6 * bump(h, 19, 2);

/**
 * One plausible reading of a demo sensor at `ts`, or null when a dropping-out sensor stays
 * silent. Speeds follow a BPR-like curve on the daily demand (arterials congest harder);
 * incidents cut speed to a third; pressure dips when water demand peaks.
 */
export function simulatedValue(
  sensor: { kind: string; reference: number | null },
  ts: number,
  ctx: SimContext,
): number | null {
  const ref = sensor.reference ?? 1;
  const h = localHour(ts);
  if (ctx.fault === 'dropout' && Math.floor(ts / 600_000) % 3 !== 0) return null;
  if (ctx.fault === 'stuck') return round(ref * 0.5, 1);
  const jitter = 1 + (ctx.noise - 0.5) * 0.08;
  let v: number;
  switch (sensor.kind) {
    case 'traffic_speed': {
      if (ctx.link) {
        // BPR, as the model: t = t0 (1 + 0.15 (v/c)^4), so speed = free flow ÷ (1 + 0.15 (v/c)^4).
        const vc = (ctx.link.vc * trafficDemand(h)) / PEAK_PROFILE;
        v = ref / (1 + 0.15 * vc ** 4);
      } else {
        const load = trafficDemand(h) * (ctx.arterial ? 1.25 : 1.0);
        v = ref / (1 + 0.6 * load ** 4);
      }
      if (ctx.incident) v *= 0.3;
      break;
    }
    case 'traffic_flow':
      v = ctx.link
        ? (ctx.link.volume * trafficDemand(h)) / PEAK_PROFILE
        : ref * Math.min(1.02, trafficDemand(h) * 0.9);
      if (ctx.incident) v *= 0.5;
      break;
    case 'water_pressure':
      v = ref * (1.08 - 0.18 * waterDemand(h));
      break;
    case 'water_flow':
      v = ref * 0.35 * waterDemand(h);
      break;
    case 'power_load':
      v = ref * 0.9 * powerDemand(h);
      break;
    default:
      v = ref;
  }
  v *= jitter;
  if (ctx.fault === 'drift') v *= 1 + 0.15 * ctx.hoursSinceStart;
  return round(Math.max(0, v), 2);
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
