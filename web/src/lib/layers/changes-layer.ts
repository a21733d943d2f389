import { PathStyleExtension } from '@deck.gl/extensions';
import { GeoJsonLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import { hexToRgb } from '../color-ramps';
import type { LegendSection } from '../layer-specs';

/**
 * What a scenario edit looks like on the map (issue #12 item 2). Colours kept apart from the live
 * speed legend (green, amber, red) and the impact layers (violet, slate).
 */
export const CHANGE_KINDS = [
  { value: 'add_building', label: 'Added building', color: '#2563eb' },
  { value: 'change_building', label: 'Changed building (floors, use)', color: '#0891b2' },
  { value: 'demolish_building', label: 'Demolished (ghost)', color: '#6b7280' },
  { value: 'closed_road', label: 'Closed road', color: '#111111' },
  { value: 'edit_road', label: 'Changed road (lanes, speed)', color: '#0d9488' },
  { value: 'add_road', label: 'Added road', color: '#2563eb' },
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number]['value'];

export const CHANGES_LEGEND: LegendSection[] = [
  { kind: 'categories', title: 'Scenario changes', items: [...CHANGE_KINDS], swatch: 'line' },
];

type Props = Record<string, unknown> & { kind: string; closed?: boolean };
type Feature = { properties: Props };

/** The legend entry an edit falls under (a closed road is its own kind). */
export function changeKind(p: Props): ChangeKind {
  return p.kind === 'edit_road' && p.closed ? 'closed_road' : (p.kind as ChangeKind);
}

const RGB = new Map(CHANGE_KINDS.map((k) => [k.value, hexToRgb(k.color)]));
const rgb = (f: Feature) => RGB.get(changeKind(f.properties)) ?? [0, 0, 0];

/**
 * The open scenario's edits (`/api/scenarios/{id}/export?format=geojson`) drawn over the map:
 * added buildings filled, demolished ones as dashed grey ghosts, closed roads dashed black,
 * changed and added roads in their colours. Pickable: a click on a changed road or building
 * selects the baseline feature underneath (see MapView).
 */
export function changesLayers(
  data: GeoJSON.FeatureCollection,
  version: number,
  /** An edit whose points are being moved: the draw tool draws it (with its handles) instead. */
  except: string | null = null,
): Layer[] {
  const shown = data.features.filter((f) => !except || f.properties?.edit_id !== except);
  const roads = shown.filter((f) => f.geometry?.type.includes('LineString'));
  const buildings = shown.filter((f) => f.geometry?.type.includes('Polygon'));
  return [
    new GeoJsonLayer({
      id: `changes#buildings-${version}`,
      data: buildings as unknown as GeoJSON.Feature[],
      filled: true,
      stroked: true,
      lineWidthUnits: 'pixels',
      getLineWidth: 3,
      getFillColor: (f: Feature) =>
        [...rgb(f), f.properties.kind === 'add_building' ? 90 : 40] as [
          number,
          number,
          number,
          number,
        ],
      getLineColor: (f: Feature) => [...rgb(f), 255] as [number, number, number, number],
      getDashArray: (f: Feature) => (f.properties.kind === 'demolish_building' ? [4, 3] : [0, 0]),
      extensions: [new PathStyleExtension({ dash: true })],
      pickable: true,
    }),
    new GeoJsonLayer({
      id: `changes#roads-${version}`,
      data: roads as unknown as GeoJSON.Feature[],
      stroked: true,
      lineWidthUnits: 'pixels',
      lineCapRounded: true,
      getLineWidth: (f: Feature) => (changeKind(f.properties) === 'closed_road' ? 6 : 5),
      getLineColor: (f: Feature) => [...rgb(f), 255] as [number, number, number, number],
      getDashArray: (f: Feature) =>
        changeKind(f.properties) === 'closed_road' ? [2, 1.5] : [0, 0],
      extensions: [new PathStyleExtension({ dash: true })],
      pickable: true,
    }),
  ];
}
