import type { Position } from 'geojson';

/**
 * Turns lines into a graph: a node at every line end and at every position that two or more
 * lines share (by key: OSM node id, or the rounded WGS84 position), and a link for each piece
 * between nodes. So crossing streets that share a node connect, and bridges over a street
 * (which share none) do not. Point features with the same key become those nodes.
 */

export interface NetworkLine {
  idx: number;
  sourceId: string | null;
  /** WGS84 positions. */
  coords: Position[];
  /** One key per position. */
  keys: string[];
  vals: Record<string, unknown>;
}

export interface NetworkNode {
  local: number;
  key: string;
  at: Position;
}

export interface NetworkLink {
  line: NetworkLine;
  from: number;
  to: number;
  coords: Position[];
  part: number;
}

export const positionKey = (p: Position) => `${p[0]!.toFixed(7)},${p[1]!.toFixed(7)}`;

export class NetworkBuilder {
  readonly #lines: NetworkLine[] = [];
  readonly #uses = new Map<string, number>();
  readonly #nodes = new Map<string, NetworkNode>();

  /** A point feature that lines may end at; returns its local node id. */
  addNode(key: string, at: Position): number {
    const existing = this.#nodes.get(key);
    if (existing) return existing.local;
    const node = { local: this.#nodes.size + 1, key, at };
    this.#nodes.set(key, node);
    return node.local;
  }

  addLine(line: NetworkLine): void {
    this.#lines.push(line);
    let prev: string | undefined;
    for (const k of line.keys) {
      if (k !== prev) this.#uses.set(k, (this.#uses.get(k) ?? 0) + 1);
      prev = k;
    }
  }

  get nodes(): Iterable<NetworkNode> {
    return this.#nodes.values();
  }

  /** Splits every line at shared positions; creates the nodes it needs. */
  *links(): Generator<NetworkLink> {
    for (const line of this.#lines) {
      let start = 0;
      let part = 0;
      const n = line.keys.length;
      for (let i = 1; i < n; i++) {
        const end = i === n - 1 || (this.#uses.get(line.keys[i]!) ?? 0) > 1;
        if (!end) continue;
        const coords: Position[] = [];
        let prevKey: string | undefined;
        for (let j = start; j <= i; j++) {
          if (line.keys[j] === prevKey) continue; // repeated positions
          coords.push(line.coords[j]!);
          prevKey = line.keys[j];
        }
        if (coords.length >= 2) {
          const from = this.addNode(line.keys[start]!, line.coords[start]!);
          const to = this.addNode(line.keys[i]!, line.coords[i]!);
          yield { line, from, to, coords, part: part++ };
        }
        start = i;
      }
    }
  }
}
