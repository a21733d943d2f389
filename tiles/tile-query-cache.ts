import type { CompiledQuery } from 'kysely';
import type { TileCoord } from './tile-coords';

/** Coordinates no tile has: compiled into a statement, they mark where x and y are bound. */
const PROBES = [
  { x: -7_340_033, y: -7_340_037 },
  { x: -7_340_041, y: -7_340_043 },
];

interface Template {
  query: CompiledQuery;
  /** The parameters that hold x, and those that hold y (a tile envelope may appear twice). */
  xAt: number[];
  yAt: number[];
}

/**
 * Compiled tile statements by owner (a layer definition: a redefined layer is a new object) and
 * zoom: building and compiling the Kysely query is
 * a good part of a cold tile's JavaScript time, yet for one layer at one zoom only x and y
 * change. The statement is compiled with two pairs of impossible coordinates; when both give
 * the same text and x, y land in the same parameters, later tiles reuse it with their own x, y.
 * Anything else (a statement whose text depends on x or y) is compiled per tile as before.
 */
export class TileQueryCache {
  readonly #templates = new WeakMap<object, Map<number, Template | null>>();

  get<R>(
    owner: object,
    coord: TileCoord,
    compile: (coord: TileCoord) => CompiledQuery<R>,
  ): CompiledQuery<R> {
    let byZoom = this.#templates.get(owner);
    if (!byZoom) this.#templates.set(owner, (byZoom = new Map()));
    let t = byZoom.get(coord.z);
    if (t === undefined) {
      t = template(coord.z, compile);
      byZoom.set(coord.z, t);
    }
    if (!t) return compile(coord);
    const parameters = t.query.parameters.slice();
    for (const i of t.xAt) parameters[i] = coord.x;
    for (const i of t.yAt) parameters[i] = coord.y;
    return { ...t.query, parameters } as CompiledQuery<R>;
  }
}

function template(z: number, compile: (coord: TileCoord) => CompiledQuery): Template | null {
  const [a, b] = PROBES.map((p) => compile({ z, ...p }));
  if (a!.sql !== b!.sql || a!.parameters.length !== b!.parameters.length) return null;
  const at = (value: number, q: CompiledQuery) =>
    q.parameters.flatMap((v, i) => (v === value ? [i] : []));
  const same = (p: number[], q: number[]) => p.length === q.length && p.every((v, i) => v === q[i]);
  const xAt = at(PROBES[0]!.x, a!);
  const yAt = at(PROBES[0]!.y, a!);
  if (xAt.length === 0 || yAt.length === 0) return null;
  if (!same(at(PROBES[1]!.x, b!), xAt) || !same(at(PROBES[1]!.y, b!), yAt)) return null;
  // Every other parameter must not depend on x or y.
  const xy = new Set([...xAt, ...yAt]);
  if (a!.parameters.some((v, i) => !xy.has(i) && v !== b!.parameters[i])) return null;
  return { query: a!, xAt, yAt };
}
