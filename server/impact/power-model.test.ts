import { describe, expect, it } from 'vitest';
import type { UtilityModel } from './city-model';
import { powerTree, sweep } from './power-model';

/** A substation and transformers on an 11 kV line (lengths in m), as the city model holds them. */
function network(kinds: string[], edges: [number, number, number][]): UtilityModel {
  return {
    nodeId: kinds.map((_, i) => String(i + 1)),
    kind: kinds,
    name: kinds.map(() => null),
    nodeCapacity: Float64Array.from(kinds, () => 1000),
    nodeLevel: Float64Array.from(kinds, () => 11),
    nodeAttributes: kinds.map(() => ({})),
    x: new Float64Array(kinds.length),
    y: new Float64Array(kinds.length),
    edges: edges.map(([from, to, lengthM], k) => ({
      id: String(k + 1),
      from,
      to,
      lengthM,
      capacity: 6500,
      size: 11,
      material: null,
      attributes: {},
    })),
  };
}

describe('radial load flow (backward/forward sweep)', () => {
  it('matches the exact two-bus voltage of a loaded 11 kV cable', () => {
    // 2 km of 0.125 + j0.10 Ω/km at 11 kV: Z = 0.25 + j0.20 Ω = (2.066 + j1.653)·10⁻³ pu on 1 MVA.
    // 5,000 kVA at power factor 0.95: P = 4.75, Q = 1.561 pu. Exactly,
    // |V|⁴ − (1 − 2(PR + QX))·|V|² + (P² + Q²)(R² + X²) = 0.
    const tree = powerTree(network(['substation', 'transformer'], [[0, 1, 2000]]), 0.125, 0.1);
    const load = Float64Array.from([0, 5000]);
    const s = sweep(tree, load, 0.95);
    const [R, X] = [0.25 / 121, 0.2 / 121];
    const [P, Q] = [4.75, 5 * Math.sqrt(1 - 0.95 ** 2)];
    const b = 1 - 2 * (P * R + Q * X);
    const v = Math.sqrt((b + Math.sqrt(b * b - 4 * (P * P + Q * Q) * (R * R + X * X))) / 2);
    expect(s.converged).toBe(true);
    expect(s.voltage[1]).toBeCloseTo(v, 9);
    expect(s.voltage[1]).toBeCloseTo(0.9876, 3);
    // The cable carries the load plus its own losses, |I|²·R.
    const i2 = (P * P + Q * Q) / (v * v);
    expect(s.edgeLoad[0]! / 1000).toBeCloseTo(Math.sqrt((P + i2 * R) ** 2 + (Q + i2 * X) ** 2), 6);
  });

  it('sums loads towards the substation and drops voltage along the feeder', () => {
    const tree = powerTree(
      network(
        ['substation', 'transformer', 'transformer', 'transformer'],
        [
          [0, 1, 1000],
          [1, 2, 1000],
          [2, 3, 1000],
        ],
      ),
      0.125,
      0.1,
    );
    const s = sweep(tree, Float64Array.from([0, 600, 600, 600]), 0.95);
    expect(s.voltage[1]!).toBeGreaterThan(s.voltage[2]!);
    expect(s.voltage[2]!).toBeGreaterThan(s.voltage[3]!);
    expect(s.edgeLoad[0]!).toBeGreaterThan(1800); // 3 × 600 kVA and the losses
    expect(s.edgeLoad[2]!).toBeCloseTo(600, 0);
    expect(s.nodeLoad[0]!).toBeCloseTo(s.edgeLoad[0]! * (1 / 1), 0);
  });

  it('opens a meshed feeder at the link that would close the loop', () => {
    const tree = powerTree(
      network(
        ['substation', 'transformer', 'transformer'],
        [
          [0, 1, 500],
          [0, 2, 500],
          [1, 2, 300],
        ],
      ),
      0.125,
      0.1,
    );
    expect(Array.from(tree.inTree)).toEqual([1, 1, 0]);
    const s = sweep(tree, Float64Array.from([0, 500, 500]), 0.95);
    expect(s.edgeLoad[2]).toBe(0);
  });
});
