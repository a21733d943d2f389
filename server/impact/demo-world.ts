import type { Baseline } from './baseline';
import { resolveBaseline } from './traffic-model';
import { mulberry32 } from '../../data/demo-city/prng';

/**
 * The demo city's "real" peak-hour traffic, which its simulated count sites and speed sensors
 * report (server/sensors/simulator.ts): the model's own gravity matrix with every zone's trips
 * scaled by a seeded factor (log-normal, σ = 0.5 by default) — a city whose demand the
 * uncalibrated model gets wrong zone by zone, so calibrating to its counts has work to do —
 * assigned to equilibrium on the same network. The simulator and the model then agree by
 * construction of the network and the behaviour, not of the matrix.
 */
export interface WorldOptions {
  seed: number;
  sigma?: number;
}

export interface TrafficWorld {
  /** Road link ids with, per link: peak-hour volume (both directions, veh/h) and the larger direction's v/c. */
  linkIds: string[];
  volume: number[];
  vc: number[];
}

export function demoWorld(base: Baseline, { seed, sigma = 0.5 }: WorldOptions): TrafficWorld {
  const t = base.traffic;
  const z = t.zones.count;
  const rand = mulberry32(seed ^ 0x5eed);
  const factor = Array.from({ length: z }, () => {
    // Box–Muller: a standard normal from two uniforms.
    const u = Math.max(1e-12, rand());
    const v = rand();
    return Math.exp(
      sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v) - (sigma * sigma) / 2,
    );
  });
  const od = new Float64Array(z * z);
  for (let i = 0; i < z; i++)
    for (let j = 0; j < z; j++) od[i * z + j] = t.prior[i * z + j]! * factor[i]! * factor[j]!;
  const world = resolveBaseline(t, od);
  return {
    linkIds: t.net.links.map((l) => l.id),
    volume: Array.from(world.links.volume, (v) => Math.round(v * 10) / 10),
    vc: Array.from(world.links.vc, (v) => Math.round(v * 1e4) / 1e4),
  };
}
