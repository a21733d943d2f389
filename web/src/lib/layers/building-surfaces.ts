import { PathLayer, SolidPolygonLayer } from '@deck.gl/layers';
import type { BuildingSurfaces } from '../../../../common/api-types';
import { categoryColor, type RGB } from '../color-ramps';
import { BUILDING_USES } from '../palettes';
import { HIGHLIGHT } from './tile-options';

/** One drawn polygon of a LoD2 building: what picking and hover see is its building. */
export interface SurfacePolygon {
  id: number;
  properties: {
    height_m: number;
    use: string;
    name: string | null;
    lod: string | null;
    surface: string | null;
  };
  rings: [number, number, number][][];
  color: [number, number, number];
}

const OTHER: RGB = [179, 172, 162];
/** Roofs in a tile red-grey so the roof shapes read apart from the facades' use colours. */
const ROOF: RGB = [176, 98, 78];
/** Towards the light (the overlay's sun, as the extrusions are lit): x east, y north, z up. */
const TO_SUN = normalise([-1, -2, 2.5]);
const AMBIENT = 0.55;

function normalise(v: [number, number, number]): [number, number, number] {
  const l = Math.hypot(...v) || 1;
  return [v[0] / l, v[1] / l, v[2] / l];
}

/** Newell's normal of a ring of [lon, lat, z] in local metres (east, north, up). */
export function surfaceNormal(ring: [number, number, number][]): [number, number, number] {
  const lat0 = (ring[0]![1] * Math.PI) / 180;
  const mx = 111_320 * Math.cos(lat0);
  const my = 110_540;
  let nx = 0,
    ny = 0,
    nz = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x0, y0, z0] = [ring[i]![0] * mx, ring[i]![1] * my, ring[i]![2]];
    const [x1, y1, z1] = [ring[i + 1]![0] * mx, ring[i + 1]![1] * my, ring[i + 1]![2]];
    nx += (y0 - y1) * (z0 + z1);
    ny += (z0 - z1) * (x0 + x1);
    nz += (x0 - x1) * (y0 + y1);
  }
  return normalise([nx, ny, nz]);
}

/**
 * The shaded colour of a surface: deck.gl lights only extruded polygons, so the light of a
 * low sun is baked in per surface (Lambert + ambient). Roofs always face up (a model whose
 * rings turn the other way still gets lit roofs).
 */
export function shade(
  base: RGB,
  n: [number, number, number],
  roof: boolean,
): [number, number, number] {
  const normal = roof && n[2] < 0 ? ([-n[0], -n[1], -n[2]] as const) : n;
  const lambert = Math.max(
    0,
    normal[0] * TO_SUN[0] + normal[1] * TO_SUN[1] + normal[2] * TO_SUN[2],
  );
  const k = AMBIENT + (1 - AMBIENT) * lambert;
  return [Math.round(base[0] * k), Math.round(base[1] * k), Math.round(base[2] * k)];
}

/** Every visible polygon of the buildings (ground surfaces face down and are left out). */
export function surfacePolygons(buildings: readonly BuildingSurfaces[]): SurfacePolygon[] {
  const out: SurfacePolygon[] = [];
  for (const b of buildings) {
    const facade = categoryColor(BUILDING_USES, b.use, OTHER);
    b.polygons.forEach((rings, i) => {
      const type = b.types[i] ?? null;
      if (type === 'GroundSurface' || !rings[0] || rings[0].length < 4) return;
      const n = surfaceNormal(rings[0]);
      // Without semantics, a surface facing up more than sideways is taken for a roof.
      const roof = type === 'RoofSurface' || (type === null && Math.abs(n[2]) > 0.5);
      out.push({
        id: b.id,
        properties: { height_m: b.height_m, use: b.use, name: b.name, lod: b.lod, surface: type },
        rings,
        color: shade(roof ? ROOF : facade, n, roof),
      });
    });
  }
  return out;
}

export interface BuildingSurfacesOptions {
  data: SurfacePolygon[];
  visible: boolean;
  opacity: number;
  /** The inspected building, outlined in the highlight colour. */
  highlightedId: number | null;
}

/**
 * LoD2 buildings with their roof shapes: each surface a polygon in 3D (`_full3d` tessellates it
 * in its own plane, so walls draw too), with thin edges so roof planes read apart.
 */
export function buildingSurfacesLayer(o: BuildingSurfacesOptions) {
  return [
    new SolidPolygonLayer<SurfacePolygon>({
      id: 'buildings#surfaces',
      data: o.data,
      visible: o.visible,
      opacity: o.opacity,
      extruded: false,
      _full3d: true,
      getPolygon: (d) => d.rings,
      getFillColor: (d) => (d.id === o.highlightedId ? HIGHLIGHT : d.color),
      pickable: true,
      autoHighlight: true,
      highlightColor: HIGHLIGHT,
      updateTriggers: { getFillColor: o.highlightedId },
    }),
    new PathLayer<SurfacePolygon>({
      id: 'buildings#surface-edges',
      data: o.data,
      visible: o.visible,
      opacity: o.opacity,
      getPath: (d) => d.rings[0]!,
      getColor: [70, 56, 48, 150],
      widthUnits: 'pixels',
      getWidth: 0.75,
    }),
  ];
}
