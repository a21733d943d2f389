import type { Position } from 'geojson';
import { NetworkBuilder, positionKey, type NetworkLine } from '../network';
import type { SourceCrs } from '../crs';
import type { SourceFeature } from '../source';
import {
  check,
  lineEwkt,
  pointEwkt,
  reject,
  sourceIdOf,
  wgs84Line,
  type TargetContext,
} from './target';

/**
 * The shared part of network layers (roads, water, power): point features become nodes, lines
 * become links split at shared positions, line ends without a node get one. Rows: `n` with
 * vals {local, ...}, `l` with vals {from, to, ...}.
 */
export class NetworkStager {
  readonly graph = new NetworkBuilder();
  readonly #nodeVals = new Map<
    number,
    { idx: number; sid: string | null; vals: Record<string, unknown> }
  >();

  constructor(readonly ctx: TargetContext) {}

  point(
    f: SourceFeature,
    idx: number,
    crs: SourceCrs,
    vals: Record<string, unknown>,
    at?: Position,
  ): void {
    const sid = sourceIdOf(this.ctx, f);
    let where = at;
    if (!where) {
      const c = check(this.ctx, f, crs);
      if (!c.ok) return reject(this.ctx, 'n', idx, sid, c.reason);
      if (f.geometry?.type !== 'Point')
        return reject(this.ctx, 'n', idx, sid, `expected a point; got ${f.geometry?.type}`);
      const [x, y] = f.geometry.coordinates;
      where = crs.geographic ? [x!, y!] : crs.toWgs84(x!, y!);
    }
    const local = this.graph.addNode(f.nodeKey ?? positionKey(where), where);
    if (this.#nodeVals.has(local))
      return reject(this.ctx, 'n', idx, sid, 'duplicate node at the same position or key');
    this.#nodeVals.set(local, { idx, sid, vals });
    this.ctx.stats.accepted++;
  }

  line(f: SourceFeature, idx: number, crs: SourceCrs, vals: Record<string, unknown>): void {
    const sid = sourceIdOf(this.ctx, f);
    const c = check(this.ctx, f, crs);
    if (!c.ok) return reject(this.ctx, 'l', idx, sid, c.reason);
    if (c.kind !== 'line')
      return reject(this.ctx, 'l', idx, sid, `expected a line; got ${f.geometry?.type}`);
    const parts = wgs84Line(f, crs);
    for (const coords of parts) {
      const keys = coords.map(positionKey);
      if (f.vertexKeys && parts.length === 1 && f.vertexKeys.length === coords.length)
        keys.splice(0, keys.length, ...f.vertexKeys);
      if (f.endpoints && parts.length === 1) {
        keys[0] = f.endpoints[0];
        keys[keys.length - 1] = f.endpoints[1];
      }
      const line: NetworkLine = { idx, sourceId: sid, coords, keys, vals };
      this.graph.addLine(line);
    }
    this.ctx.stats.accepted++;
  }

  /** Writes links, then every node (fed or generated), with the defaults for generated ones. */
  finish(generatedNode: (at: Position) => Record<string, unknown>): void {
    for (const link of this.graph.links()) {
      const reversed = link.line.vals.reverse === true;
      const coords = reversed ? [...link.coords].reverse() : link.coords;
      const { reverse: _r, ...vals } = link.line.vals;
      this.ctx.out.row(
        'l',
        link.line.idx,
        link.line.sourceId ? `${link.line.sourceId}:${link.part}` : null,
        lineEwkt(coords),
        { ...vals, from: reversed ? link.to : link.from, to: reversed ? link.from : link.to },
        'accepted',
        null,
      );
    }
    for (const node of this.graph.nodes) {
      const fed = this.#nodeVals.get(node.local);
      this.ctx.out.row(
        'n',
        fed?.idx ?? null,
        fed?.sid ?? null,
        pointEwkt(node.at),
        { ...(fed?.vals ?? generatedNode(node.at)), local: node.local },
        'accepted',
        null,
      );
    }
  }
}
