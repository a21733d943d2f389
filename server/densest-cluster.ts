/** One grid cell of counted features: its integer cell index and the extent of what is in it. */
export interface CountedCell {
  cx: number;
  cy: number;
  count: number;
  /** EPSG:3857 metres: the extent of the features' centres in the cell. */
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface Cluster {
  /** EPSG:3857 [minX, minY, maxX, maxY]. */
  bounds: [number, number, number, number];
  /** Features in the cluster. */
  count: number;
  cells: number;
}

/**
 * The densest cluster of a set of grid cells: start at the fullest cell and grow over
 * neighbouring cells (8-connected) that hold at least `minShare` of its count. Two cities far
 * apart never join, so the map frames one of them — the one with the densest centre — rather
 * than the ocean between them (issue #10).
 */
export function densestCluster(cells: readonly CountedCell[], minShare = 0.02): Cluster | null {
  if (cells.length === 0) return null;
  const key = (x: number, y: number) => `${x},${y}`;
  const byKey = new Map(cells.map((c) => [key(c.cx, c.cy), c]));
  let peak = cells[0]!;
  for (const c of cells) {
    // Ties go to the lower cell index, so the answer does not depend on row order.
    if (
      c.count > peak.count ||
      (c.count === peak.count && (c.cy < peak.cy || (c.cy === peak.cy && c.cx < peak.cx)))
    ) {
      peak = c;
    }
  }
  const floor = Math.max(1, peak.count * minShare);
  const seen = new Set([key(peak.cx, peak.cy)]);
  const queue = [peak];
  const bounds: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  let count = 0;
  while (queue.length > 0) {
    const c = queue.pop()!;
    count += c.count;
    bounds[0] = Math.min(bounds[0], c.minX);
    bounds[1] = Math.min(bounds[1], c.minY);
    bounds[2] = Math.max(bounds[2], c.maxX);
    bounds[3] = Math.max(bounds[3], c.maxY);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        const k = key(c.cx + dx, c.cy + dy);
        const n = byKey.get(k);
        if (!n || seen.has(k) || n.count < floor) continue;
        seen.add(k);
        queue.push(n);
      }
    }
  }
  return { bounds, count, cells: seen.size };
}

const R = 6378137;

/** EPSG:3857 metres → WGS84 [lon, lat] degrees. */
export function mercatorToLonLat(x: number, y: number): [number, number] {
  const lon = (x / R) * (180 / Math.PI);
  const lat = (2 * Math.atan(Math.exp(y / R)) - Math.PI / 2) * (180 / Math.PI);
  return [lon, lat];
}

/** WGS84 [lon, lat] → EPSG:3857 metres. */
export function lonLatToMercator(lon: number, lat: number): [number, number] {
  const x = (lon * Math.PI * R) / 180;
  const y = R * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
  return [x, y];
}
