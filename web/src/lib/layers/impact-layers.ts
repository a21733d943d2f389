import { GeoJsonLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import type { LegendSection } from '../layer-specs';

export type ImpactLayerId = 'traffic' | 'utilities' | 'shadow';

type RGBA = [number, number, number, number];

/**
 * Colours kept clear of the live-speed legend (green, amber, red; issue #12): more traffic
 * violet, less slate; alpha by how large the change is (saturating at 200 veh/h).
 */
const MORE: RGBA = [136, 46, 196, 255];
const LESS: RGBA = [71, 85, 105, 255];
function trafficColor(change: number): RGBA {
  const a = Math.round(110 + 145 * Math.min(1, Math.abs(change) / 200));
  return change >= 0 ? [MORE[0], MORE[1], MORE[2], a] : [LESS[0], LESS[1], LESS[2], a];
}

/** Against the design limit (value ÷ limit, or limit ÷ value for minima): teal below 80 %, ochre to 100 %, maroon above. */
const HEADROOM: { max: number; label: string; color: RGBA }[] = [
  { max: 0.8, label: 'Below 80 % of its limit', color: [13, 148, 136, 210] },
  { max: 1, label: '80–100 % of its limit', color: [180, 110, 20, 230] },
  { max: Infinity, label: 'Over its limit', color: [128, 0, 64, 240] },
];
const headroomColor = (ratio: number): RGBA =>
  (HEADROOM.find((h) => ratio <= h.max) ?? HEADROOM[2]!).color;
const SHADOW: RGBA = [40, 30, 110, 110];

const hex = (c: RGBA) =>
  `#${c
    .slice(0, 3)
    .map((v) => v.toString(16).padStart(2, '0'))
    .join('')}`;

/** Each impact layer's legend, shown beside its switch. */
export const IMPACT_LEGENDS: Record<ImpactLayerId, LegendSection[]> = {
  traffic: [
    {
      kind: 'categories',
      title: 'Peak-hour traffic vs baseline (width: size of change)',
      items: [
        { value: 'more', label: 'More traffic', color: hex(MORE) },
        { value: 'less', label: 'Less traffic', color: hex(LESS) },
      ],
      swatch: 'line',
    },
  ],
  utilities: [
    {
      kind: 'categories',
      title: 'Water and power load',
      items: HEADROOM.map((h) => ({ value: h.label, label: h.label, color: hex(h.color) })),
      swatch: 'line',
    },
  ],
  shadow: [
    {
      kind: 'categories',
      title: 'Added shadow (sample days)',
      items: [{ value: 'shadow', label: 'New shadow', color: hex(SHADOW) }],
      swatch: 'fill',
    },
  ],
};

/**
 * The impact map layers of a scenario (GeoJSON from `/api/scenarios/{id}/impact/layers/…`); the
 * version in the URL makes deck.gl fetch again after every edit. Ids are `impact-<layer>#v<n>`:
 * the hover card names them by the part before `#`. Drawn over the tiles; a click on one passes
 * through to the feature under it (MapView), so a changed road stays selectable.
 */
export function impactLayers(
  scenario: { id: string; version: number },
  visible: ReadonlySet<ImpactLayerId>,
): Layer[] {
  const url = (name: ImpactLayerId) =>
    `/api/scenarios/${scenario.id}/impact/layers/${name}.geojson?v=${scenario.version}`;
  const out: Layer[] = [];
  if (visible.has('shadow')) {
    out.push(
      new GeoJsonLayer({
        id: `impact-shadow#v${scenario.version}`,
        data: url('shadow'),
        filled: true,
        stroked: false,
        getFillColor: SHADOW,
        pickable: false,
      }),
    );
  }
  if (visible.has('traffic')) {
    out.push(
      new GeoJsonLayer({
        id: `impact-traffic#v${scenario.version}`,
        data: url('traffic'),
        stroked: true,
        lineWidthUnits: 'pixels',
        lineCapRounded: true,
        getLineWidth: (f: { properties: { change: number } }) =>
          3 + Math.min(8, Math.abs(f.properties.change) / 40),
        getLineColor: (f: { properties: { change: number } }) => trafficColor(f.properties.change),
        pickable: true,
      }),
    );
  }
  if (visible.has('utilities')) {
    out.push(
      new GeoJsonLayer({
        id: `impact-utilities#v${scenario.version}`,
        data: url('utilities'),
        stroked: true,
        lineWidthUnits: 'pixels',
        pointRadiusUnits: 'pixels',
        getLineWidth: 4,
        getPointRadius: 6,
        getLineColor: (f: { properties: { ratio: number } }) => headroomColor(f.properties.ratio),
        getFillColor: (f: { properties: { ratio: number } }) => headroomColor(f.properties.ratio),
        pickable: true,
      }),
    );
  }
  return out;
}
