import type { Layer, PickingInfo } from '@deck.gl/core';
import { PathLayer, PolygonLayer, ScatterplotLayer } from '@deck.gl/layers';
import { area, length, lineString, polygon } from '@turf/turf';

export type MeasureMode = 'distance' | 'area' | 'height';

/** A height read off the 3D view: where the pointer hit a roof, and the building's own record. */
export interface HeightReading {
  /** Metres above the ground of the picked point (from the depth buffer). */
  picked_m: number | null;
  /** The building's `height_m`, when a building was hit. */
  recorded_m: number | null;
  at: [number, number];
}

const INK: [number, number, number, number] = [31, 111, 235, 255];

/** Ground distance along a WGS84 path, metres (geodesic on the WGS84 mean radius, turf). */
export const pathLength = (points: readonly [number, number][]) =>
  points.length < 2 ? 0 : length(lineString(points.map((p) => [...p])), { units: 'meters' });

/** True area of a WGS84 ring, m² (turf's spherical excess). */
export const ringArea = (points: readonly [number, number][]) =>
  points.length < 3 ? 0 : area(polygon([[...points.map((p) => [...p]), [...points[0]!]]]));

/** `123.4 m`, `2.35 km`; `850 m²`, `1.24 ha`, `2.1 km²` — in the reader's locale. */
export function formatLength(m: number): string {
  const n = (v: number, d: number) =>
    v.toLocaleString(undefined, { minimumFractionDigits: d, maximumFractionDigits: d });
  return m < 1000 ? `${n(m, 1)} m` : `${n(m / 1000, 3)} km`;
}

export function formatArea(m2: number): string {
  const n = (v: number, d: number) =>
    v.toLocaleString(undefined, { minimumFractionDigits: d, maximumFractionDigits: d });
  if (m2 < 10_000) return `${n(m2, 0)} m²`;
  if (m2 < 1_000_000) return `${n(m2 / 10_000, 2)} ha`;
  return `${n(m2 / 1_000_000, 2)} km²`;
}

/**
 * The measure tool (issue #12 item 3): clicks on the map add points to a path (distance) or a
 * ring (area); in height mode a click on a building reads the height of the point hit in the 3D
 * view, next to the building's recorded height.
 */
export class Measure {
  mode = $state<MeasureMode | null>(null);
  points = $state.raw<[number, number][]>([]);
  height = $state.raw<HeightReading | null>(null);
  readonly distanceM = $derived(pathLength(this.points));
  readonly areaM2 = $derived(ringArea(this.points));
  /** The ring's length, closing segment included. */
  readonly perimeterM = $derived(
    this.points.length < 3 ? 0 : pathLength([...this.points, this.points[0]!]),
  );

  start(mode: MeasureMode): void {
    this.mode = mode;
    this.clear();
  }

  stop(): void {
    this.mode = null;
    this.clear();
  }

  clear(): void {
    this.points = [];
    this.height = null;
  }

  /**
   * Takes a map click while measuring; `pick3d` picks again at the click with depth (deck.gl's
   * `unproject3D`) for heights. Returns whether the click was used.
   */
  click(info: PickingInfo, pick3d: (x: number, y: number) => PickingInfo | null): boolean {
    if (!this.mode || !info.coordinate) return false;
    const at: [number, number] = [info.coordinate[0]!, info.coordinate[1]!];
    if (this.mode === 'height') {
      const hit = pick3d(info.x, info.y);
      const z = hit?.coordinate?.[2];
      const props = (hit?.object as { properties?: Record<string, unknown> } | undefined)
        ?.properties;
      const recorded = typeof props?.height_m === 'number' ? props.height_m : null;
      this.height = {
        picked_m: typeof z === 'number' && Number.isFinite(z) ? Math.max(0, z) : null,
        recorded_m: recorded,
        at,
      };
      return true;
    }
    this.points = [...this.points, at];
    return true;
  }

  /** Removes the last point. */
  undo(): void {
    this.points = this.points.slice(0, -1);
  }

  /** What the tool draws: the path or ring and its vertices. */
  layers(): Layer[] {
    if (!this.mode) return [];
    const out: Layer[] = [];
    if (this.mode === 'area' && this.points.length >= 3) {
      out.push(
        new PolygonLayer({
          id: 'measure-area',
          data: [this.points],
          getPolygon: (p: [number, number][]) => p,
          getFillColor: [31, 111, 235, 50],
          getLineColor: INK,
          lineWidthMinPixels: 2,
          pickable: false,
        }),
      );
    } else if (this.points.length >= 2) {
      out.push(
        new PathLayer({
          id: 'measure-path',
          data: [this.points],
          getPath: (p: [number, number][]) => p,
          getColor: INK,
          widthMinPixels: 2,
          pickable: false,
        }),
      );
    }
    const dots = this.mode === 'height' ? (this.height ? [this.height.at] : []) : this.points;
    out.push(
      new ScatterplotLayer<[number, number]>({
        id: 'measure-points',
        data: dots,
        getPosition: (p) => p,
        getFillColor: [255, 255, 255, 255],
        getLineColor: INK,
        stroked: true,
        lineWidthMinPixels: 2,
        radiusUnits: 'pixels',
        getRadius: 5,
        pickable: false,
      }),
    );
    return out;
  }
}
