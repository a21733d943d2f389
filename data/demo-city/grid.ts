import type { Position } from './geometry';
import type { Rng } from './prng';

export type StreetClass = 'arterial' | 'collector' | 'local';

/** One straight-ish street line of the grid: a north–south column or an east–west row. */
export interface GridLine {
  /** Signed line number counted from the central arterial (0); every 8th is an arterial. */
  readonly number: number;
  /** Nominal offset from the centre, metres. */
  readonly position: number;
  readonly class: StreetClass;
}

/**
 * A slightly irregular street grid in its own frame (u east, v north, metres, origin at the
 * centre). Spacing varies 100–130 m, lines wobble gently and every crossing is jittered; the
 * projector turns the whole grid by `rotation`.
 */
export interface StreetGrid {
  readonly cols: readonly GridLine[];
  readonly rows: readonly GridLine[];
  readonly rotation: number;
  /** Crossing of column `a` and row `b` (array indices, west→east and south→north). */
  node(a: number, b: number): Position;
  /** Centre of cell (a, b), the block between columns a, a+1 and rows b, b+1. */
  cellCentre(a: number, b: number): Position;
}

const lineClass = (n: number): StreetClass =>
  n % 8 === 0 ? 'arterial' : n % 4 === 0 ? 'collector' : 'local';

/** Lateral wobble and per-crossing jitter amplitude by class, metres: arterials run straighter. */
const WOBBLE: Record<StreetClass, number> = { arterial: 2, collector: 4, local: 6 };
const JITTER: Record<StreetClass, number> = { arterial: 0.5, collector: 1.5, local: 3 };

function linePositions(rng: Rng, halfExtent: number): GridLine[] {
  const lines: GridLine[] = [{ number: 0, position: 0, class: 'arterial' }];
  for (const sign of [1, -1]) {
    let position = 0;
    for (let n = 1; ; n++) {
      position += rng.range(100, 130);
      if (position > halfExtent) break;
      lines.push({ number: sign * n, position: sign * position, class: lineClass(n) });
    }
  }
  return lines.sort((p, q) => p.position - q.position);
}

export function createStreetGrid(rng: Rng, halfExtent: number): StreetGrid {
  const cols = linePositions(rng.fork('cols'), halfExtent);
  const rows = linePositions(rng.fork('rows'), halfExtent);
  const sign = rng.chance(0.5) ? 1 : -1;
  const rotation = sign * rng.range(0.08, 0.2);
  const wave = (lines: GridLine[], label: string) => {
    const r = rng.fork(label);
    return lines.map(() => ({ length: r.range(600, 1600), phase: r.range(0, 2 * Math.PI) }));
  };
  const colWave = wave(cols, 'col-wave');
  const rowWave = wave(rows, 'row-wave');
  const jitter = rng.fork('jitter');

  const nodes: Position[][] = cols.map((col, a) =>
    rows.map((row, b) => {
      const cw = colWave[a]!;
      const rw = rowWave[b]!;
      const u =
        col.position +
        WOBBLE[col.class] * Math.sin((2 * Math.PI * row.position) / cw.length + cw.phase) +
        JITTER[col.class] * (2 * jitter.at(a, b, 1) - 1);
      const v =
        row.position +
        WOBBLE[row.class] * Math.sin((2 * Math.PI * col.position) / rw.length + rw.phase) +
        JITTER[row.class] * (2 * jitter.at(a, b, 2) - 1);
      return [u, v];
    }),
  );
  const node = (a: number, b: number) => nodes[a]![b]!;

  return {
    cols,
    rows,
    rotation,
    node,
    cellCentre(a, b) {
      const p = [node(a, b), node(a + 1, b), node(a + 1, b + 1), node(a, b + 1)];
      return [p.reduce((s, q) => s + q[0], 0) / 4, p.reduce((s, q) => s + q[1], 0) / 4];
    },
  };
}
