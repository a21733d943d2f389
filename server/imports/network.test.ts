import { describe, expect, it } from 'vitest';
import { NetworkBuilder, positionKey } from './network';

const line = (idx: number, coords: [number, number][], keys?: string[]) => ({
  idx,
  sourceId: `l${idx}`,
  coords,
  keys: keys ?? coords.map(positionKey),
  vals: {},
});

describe('network builder', () => {
  it('splits lines where they share a position and connects them at one node', () => {
    const g = new NetworkBuilder();
    g.addLine(
      line(1, [
        [0, 0],
        [1, 0],
        [2, 0],
      ]),
    );
    g.addLine(
      line(2, [
        [1, -1],
        [1, 0],
        [1, 1],
      ]),
    );
    const links = [...g.links()];
    expect(links).toHaveLength(4);
    const nodes = [...g.nodes];
    expect(nodes).toHaveLength(5);
    const centre = nodes.find((n) => n.at[0] === 1 && n.at[1] === 0)!.local;
    expect(links.filter((l) => l.from === centre || l.to === centre)).toHaveLength(4);
  });

  it('does not connect lines that cross without a shared vertex (a bridge)', () => {
    const g = new NetworkBuilder();
    g.addLine(
      line(1, [
        [0, 0],
        [2, 0],
      ]),
    );
    g.addLine(
      line(2, [
        [1, -1],
        [1, 1],
      ]),
    );
    expect([...g.links()]).toHaveLength(2);
    expect([...g.nodes]).toHaveLength(4);
  });

  it('uses explicit keys (OSM node ids) and drops repeated positions', () => {
    const g = new NetworkBuilder();
    g.addLine(
      line(
        1,
        [
          [0, 0],
          [0, 0],
          [1, 0],
        ],
        ['a', 'a', 'b'],
      ),
    );
    g.addLine(
      line(
        2,
        [
          [1, 0.0000001],
          [2, 0],
        ],
        ['b', 'c'],
      ),
    );
    const links = [...g.links()];
    expect(links.map((l) => l.coords.length)).toEqual([2, 2]);
    expect(links[0]!.to).toBe(links[1]!.from);
  });

  it('reuses a point node that a line ends at', () => {
    const g = new NetworkBuilder();
    const tank = g.addNode('T1', [5, 5]);
    g.addLine(
      line(
        1,
        [
          [0, 0],
          [5, 5],
        ],
        ['J1', 'T1'],
      ),
    );
    expect([...g.links()][0]!.to).toBe(tank);
  });
});
