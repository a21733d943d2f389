import { describe, expect, it } from 'vitest';
import { assignUserEquilibrium, bprTime } from './assignment';
import { gravityDistribution } from './gravity';
import { buildRoadGraph, ShortestPaths, type GraphLink } from './road-graph';

/** Two parallel one-way links from node 0 to node 1. t0 = length ÷ speed (speed 3.6 km/h = 1 m/s). */
function parallel(t0a: number, capA: number, t0b: number, capB: number) {
  const link = (lengthM: number, cap: number): GraphLink => ({
    from: 0,
    to: 1,
    oneway: true,
    lengthM,
    speedKmh: 3.6,
    capacityVehH: cap,
  });
  return buildRoadGraph(2, [link(t0a, capA), link(t0b, capB)]);
}

const od = (trips: number) => ({
  nodes: Int32Array.from([0, 1]),
  trips: Float64Array.from([0, trips, 0, 0]),
});

describe('BPR and path-based equilibrium assignment', () => {
  it('computes BPR times t0 · (1 + 0.15 (v/c)^4)', () => {
    expect(bprTime(60, 0, 1000)).toBe(60);
    expect(bprTime(60, 1000, 1000)).toBeCloseTo(69, 9); // 60 × 1.15
    expect(bprTime(60, 2000, 1000)).toBeCloseTo(60 * (1 + 0.15 * 16), 9); // 204
  });

  it('splits demand evenly over two identical parallel links', () => {
    const r = assignUserEquilibrium(parallel(100, 500, 100, 500), od(1000));
    expect(r.flow[0]).toBeCloseTo(500, 1);
    expect(r.flow[1]).toBeCloseTo(500, 1);
    expect(r.time[0]).toBeCloseTo(100 * 1.15, 2);
  });

  it('reaches the known equilibrium of two unequal parallel links', () => {
    // Link A: t0 = 100 s, c = 1000; link B: t0 = 115 s, c = 1000; demand 2000 veh/h.
    // By hand: x_A = 1133.2, x_B = 866.8 gives t_A = 100 (1 + 0.15 · 1.1332⁴) = 124.73 s and
    // t_B = 115 (1 + 0.15 · 0.8668⁴) = 124.74 s: equal times, so neither route is better.
    const r = assignUserEquilibrium(parallel(100, 1000, 115, 1000), od(2000), {
      gap: 1e-7,
      maxIterations: 200,
    });
    let lo = 0;
    let hi = 2000;
    for (let i = 0; i < 100; i++) {
      const a = (lo + hi) / 2;
      if (bprTime(100, a, 1000) > bprTime(115, 2000 - a, 1000)) hi = a;
      else lo = a;
    }
    expect(lo).toBeCloseTo(1133.2, 0);
    expect(r.flow[0]! + r.flow[1]!).toBeCloseTo(2000, 6);
    expect(Math.abs(r.flow[0]! - 1133.2)).toBeLessThan(2);
    expect(Math.abs(r.time[0]! - r.time[1]!)).toBeLessThan(0.05);
    expect(r.time[0]).toBeCloseTo(124.7, 0);
  });

  it('keeps all demand on the faster link while the slower one is never competitive', () => {
    // 100 veh/h on A (t0 10 s, c 1000) costs 10 s × (1 + 0.15 × 0.1⁴) ≈ 10.0002 s < 50 s on B.
    const r = assignUserEquilibrium(parallel(10, 1000, 50, 1000), od(100));
    expect(r.flow[0]).toBeCloseTo(100, 6);
    expect(r.flow[1]).toBe(0);
  });

  it('equalises the times of every used route of three, to a relative gap of 1e-8', () => {
    // Three routes 0 → 1 with different free-flow times and capacities; 3000 veh/h.
    const g = buildRoadGraph(2, [
      { from: 0, to: 1, oneway: true, lengthM: 100, speedKmh: 3.6, capacityVehH: 800 },
      { from: 0, to: 1, oneway: true, lengthM: 120, speedKmh: 3.6, capacityVehH: 1200 },
      { from: 0, to: 1, oneway: true, lengthM: 150, speedKmh: 3.6, capacityVehH: 2000 },
    ]);
    const r = assignUserEquilibrium(g, od(3000), { gap: 1e-8 });
    expect(r.relativeGap).toBeLessThanOrEqual(1e-8);
    const used = [0, 1, 2].filter((a) => r.flow[a]! > 1);
    expect(used.length).toBe(3);
    const times = used.map((a) => r.time[a]!);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(1e-3);
    expect(r.flow[0]! + r.flow[1]! + r.flow[2]!).toBeCloseTo(3000, 6);
  });

  it('warm-starts from a solved state: the same problem needs no iteration', () => {
    const g = parallel(100, 1000, 115, 1000);
    const first = assignUserEquilibrium(g, od(2000), { gap: 1e-7 });
    const again = assignUserEquilibrium(g, od(2000), { gap: 1e-7, warm: first.state });
    expect(again.iterations).toBe(0);
    expect(again.flow[0]).toBeCloseTo(first.flow[0]!, 9);
    // Less demand: path flows are scaled down, then re-equilibrated.
    const less = assignUserEquilibrium(g, od(1000), { gap: 1e-7, warm: first.state });
    expect(less.flow[0]! + less.flow[1]!).toBeCloseTo(1000, 6);
    expect(Math.abs(less.time[0]! - less.time[1]!) < 0.01 || less.flow[1]! < 1e-6).toBe(true);
  });

  it('never leaves a node marked noThrough unless the search starts there', () => {
    const g = buildRoadGraph(3, [
      { from: 0, to: 1, oneway: true, lengthM: 1, speedKmh: 3.6, capacityVehH: 100 },
      { from: 1, to: 2, oneway: true, lengthM: 1, speedKmh: 3.6, capacityVehH: 100 },
    ]);
    g.noThrough[1] = 1;
    const sp = new ShortestPaths(g);
    sp.run(0, g.t0);
    expect(sp.dist[1]).toBe(1);
    expect(sp.dist[2]).toBe(Infinity);
    sp.run(1, g.t0);
    expect(sp.dist[2]).toBe(1);
  });

  it('traverses links that are not one-way in both directions', () => {
    const g = buildRoadGraph(3, [
      { from: 0, to: 1, oneway: false, lengthM: 10, speedKmh: 3.6, capacityVehH: 100 },
      { from: 1, to: 2, oneway: true, lengthM: 10, speedKmh: 3.6, capacityVehH: 100 },
    ]);
    const sp = new ShortestPaths(g);
    sp.run(1, g.t0);
    expect(sp.dist[0]).toBe(10);
    sp.run(2, g.t0);
    expect(sp.dist[1]).toBe(Infinity);
  });

  it('distributes trips by the gravity model in proportion to attraction × exp(−β c)', () => {
    const cost = Float64Array.from([0, 10, 20, 10, 0, 10, 20, 10, 0]);
    const t = gravityDistribution(
      Float64Array.from([100, 0, 0]),
      Float64Array.from([0, 1, 1]),
      cost,
      0.1,
    );
    const w1 = Math.exp(-1);
    const w2 = Math.exp(-2);
    expect(t[1]).toBeCloseTo((100 * w1) / (w1 + w2), 9);
    expect(t[2]).toBeCloseTo((100 * w2) / (w1 + w2), 9);
    expect(t[0]).toBe(0);
  });
});
