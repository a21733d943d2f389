import { difference, featureCollection, intersect, multiPolygon } from '@turf/turf';
import type { LandUseClass } from '../../common/city-classes';
import { cellOutline } from './cell-outline';
import type { CityPlan } from './city-plan';
import { closeRing, signedArea, type Position } from './geometry';
import type { Projector } from './projection';
import { assemblePolygons, openRing } from './rings';

export interface PlannedLandUse {
  readonly class: LandUseClass;
  readonly name: string;
  readonly maxHeight: number | null;
  /** MultiPolygon in EPSG:3857: closed rings, exteriors CCW, holes CW. */
  readonly polygons: Position[][][];
  readonly attributes: Record<string, unknown>;
}

type Polygons = Position[][][];

/** Closed rings, exteriors counter-clockwise, holes clockwise, none pinched. */
function normalise(polygons: Polygons): Polygons {
  const oriented = polygons.flatMap((rings) =>
    rings.map((ring, i) => {
      const open = openRing(ring);
      return signedArea(open) > 0 === (i === 0) ? open : open.reverse();
    }),
  );
  return assemblePolygons(oriented).map((rings) => rings.map(closeRing));
}

function toPolygons(geometry: { type: string; coordinates: unknown }): Polygons {
  return normalise(
    geometry.type === 'Polygon'
      ? [geometry.coordinates as Position[][]]
      : (geometry.coordinates as Polygons),
  );
}

/**
 * The land-use layer in EPSG:3857: the river, then one row per zone (the union of its cells
 * less the water). Cells tile the city, so the rows tile it too: every point is in exactly
 * one. The clipping runs on already projected and rounded coordinates and its output is kept
 * as is, so rounding can never fold a sliver into an invalid ring.
 */
export function buildLandUse(plan: CityPlan, project: Projector): PlannedLandUse[] {
  const { grid, river } = plan;
  const cells = plan.cells.flat();
  const outline = (list: typeof cells) =>
    normalise(cellOutline(list, grid.node).map((rings) => rings.map((r) => r.map(project))));
  const groundArea = (polygons: Polygons) => {
    const mercator = polygons.reduce(
      (sum, rings) => sum + rings.reduce((s, r) => s + signedArea(r), 0),
      0,
    );
    return { area_ha: Math.round(mercator / project.scale ** 2 / 100) / 100 };
  };

  const riverRing = closeRing(river.polygon()).map(project);
  const city = multiPolygon(outline(cells));
  const water = intersect(featureCollection([multiPolygon([[riverRing]]), city]));
  const waterPolygons = water ? toPolygons(water.geometry) : [];
  const rows: PlannedLandUse[] = [
    {
      class: 'water',
      name: river.name,
      maxHeight: null,
      polygons: waterPolygons,
      attributes: groundArea(waterPolygons),
    },
  ];
  // Zones are cut by the whole river, not its clipped copy: sharing the city's edge with the
  // clipped water would give the clipper near-collinear edges, and it would leave spikes.
  const riverFeature = multiPolygon([[riverRing]]);

  for (const zone of plan.zones) {
    const zoneCells = cells.filter((c) => c.zone === zone.key);
    if (zoneCells.length === 0) continue;
    let polygons = outline(zoneCells);
    if (zoneCells.some((c) => river.bankDistance(c.centre) < 120)) {
      const dry = difference(featureCollection([multiPolygon(polygons), riverFeature]));
      polygons = dry ? toPolygons(dry.geometry) : [];
    }
    if (polygons.length === 0) continue;
    rows.push({
      class: zone.class,
      name: zone.name,
      maxHeight: zone.maxHeight,
      polygons,
      attributes: groundArea(polygons),
    });
  }
  return rows;
}
