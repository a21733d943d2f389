import { GeoJsonLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';

export type ImpactLayerId = 'traffic' | 'utilities' | 'shadow';

type RGBA = [number, number, number, number];

/** More traffic red, less blue; alpha by how large the change is (saturating at 200 veh/h). */
function trafficColor(change: number): RGBA {
  const a = Math.round(80 + 175 * Math.min(1, Math.abs(change) / 200));
  return change >= 0 ? [214, 48, 39, a] : [44, 123, 182, a];
}

/** Against the design limit (value ÷ limit, or limit ÷ value for minima): green below 80 %, amber to 100 %, red above. */
function headroomColor(ratio: number): RGBA {
  return ratio > 1 ? [200, 30, 30, 230] : ratio > 0.8 ? [240, 160, 20, 220] : [40, 160, 90, 200];
}

/**
 * The impact map layers of a scenario (GeoJSON from `/api/scenarios/{id}/impact/layers/…`); the
 * version in the URL makes deck.gl fetch again after every edit.
 */
export function impactLayers(scenario: { id: string; version: number }, visible: ReadonlySet<ImpactLayerId>): Layer[] {
  const url = (name: ImpactLayerId) => `/api/scenarios/${scenario.id}/impact/layers/${name}.geojson?v=${scenario.version}`;
  const out: Layer[] = [];
  if (visible.has('shadow')) {
    out.push(new GeoJsonLayer({ id: `impact-shadow-${scenario.version}`, data: url('shadow'), filled: true, stroked: false, getFillColor: [20, 20, 60, 28], pickable: false }));
  }
  if (visible.has('traffic')) {
    out.push(
      new GeoJsonLayer({
        id: `impact-traffic-${scenario.version}`,
        data: url('traffic'),
        stroked: true,
        lineWidthUnits: 'pixels',
        getLineWidth: (f: { properties: { change: number } }) => 2 + Math.min(8, Math.abs(f.properties.change) / 40),
        getLineColor: (f: { properties: { change: number } }) => trafficColor(f.properties.change),
        pickable: true,
      }),
    );
  }
  if (visible.has('utilities')) {
    out.push(
      new GeoJsonLayer({
        id: `impact-utilities-${scenario.version}`,
        data: url('utilities'),
        stroked: true,
        lineWidthUnits: 'pixels',
        pointRadiusUnits: 'pixels',
        getLineWidth: 3,
        getPointRadius: 5,
        getLineColor: (f: { properties: { ratio: number } }) => headroomColor(f.properties.ratio),
        getFillColor: (f: { properties: { ratio: number } }) => headroomColor(f.properties.ratio),
        pickable: true,
      }),
    );
  }
  return out;
}
