import { describe, expect, it } from 'vitest';
import { feedTree, loadRatio, networkLoads } from './utility-network';

describe('utility network loads', () => {
  // Source 0 — pipe 0 (cap 20) — node 1 — pipe 1 (cap 10) — node 2, and node 1 — pipe 2 (cap 50) — node 3.
  const edges = [
    { from: 0, to: 1, lengthM: 100, capacity: 20 },
    { from: 1, to: 2, lengthM: 100, capacity: 10 },
    { from: 3, to: 1, lengthM: 100, capacity: 50 },
  ];

  it('carries demand along the tree to the source and flags a pipe whose capacity is exceeded', () => {
    const tree = feedTree(4, edges, [0]);
    const loads = networkLoads(tree, edges.length, Float64Array.from([0, 1, 12, 3]));
    expect([...loads.edgeLoad]).toEqual([16, 12, 3]);
    expect(loadRatio(loads.edgeLoad[1]!, edges[1]!.capacity)).toBeCloseTo(1.2, 9);
    const headroom = edges.map((e, i) => e.capacity - loads.edgeLoad[i]!);
    expect(headroom).toEqual([4, -2, 47]);
    expect(loads.nodeLoad[0]).toBe(16);
  });

  it('feeds each node from its nearest source and reports demand no source reaches', () => {
    const tree = feedTree(6, [...edges, { from: 4, to: 2, lengthM: 50, capacity: 5 }], [0, 4]);
    expect(tree.source[2]).toBe(4);
    expect(tree.source[3]).toBe(0);
    const loads = networkLoads(tree, 4, Float64Array.from([0, 0, 2, 0, 0, 7]));
    expect(loads.unserved).toBe(7);
    expect(loads.edgeLoad[3]).toBe(2);
    expect(loads.edgeLoad[1]).toBe(0);
  });
});
