import { MVTLayer } from '@deck.gl/geo-layers';
import { GeoJsonLayer } from '@deck.gl/layers';
import { rampColor } from '../color-ramps';
import { LINE_VOLTAGE } from '../palettes';
import { maintenanceRisk } from '../maintenance-risk.svelte';
import {
  featureRiskColor,
  prop,
  tileLayerProps,
  withFeatureIds,
  type TileLayerOptions,
} from './tile-options';

/** Screen width by voltage class: 1.5 px (LV) to 5 px (EHV). */
export function voltageWidthPx(kv: number): number {
  return kv >= 150 ? 5 : kv >= 35 ? 3.5 : kv >= 1 ? 2.5 : 1.5;
}

/** Power lines and feeders, coloured (or by maintenance risk) and sized by voltage. */
export function powerLinesLayer(o: TileLayerOptions) {
  const byRisk = o.colorBy === 'risk';
  const version = byRisk ? maintenanceRisk.version : 0;
  return new MVTLayer({
    ...tileLayerProps('power_lines', o),
    lineWidthUnits: 'pixels',
    renderSubLayers: (props: ConstructorParameters<typeof GeoJsonLayer>[0]) => {
      withFeatureIds(props.data);
      return new GeoJsonLayer(props);
    },
    getLineColor: (f: unknown) =>
      byRisk
        ? featureRiskColor('power_line', f)
        : rampColor(LINE_VOLTAGE, prop<number>(f, 'voltage_kv') ?? 0),
    updateTriggers: { getLineColor: [byRisk, version] },
    getLineWidth: (f: unknown) => voltageWidthPx(prop<number>(f, 'voltage_kv') ?? 0),
  });
}
