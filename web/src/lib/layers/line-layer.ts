import { MVTLayer } from '@deck.gl/geo-layers';
import { GeoJsonLayer } from '@deck.gl/layers';
import type { LayerEntry, LayerStyle } from '../../../../common/layer-catalog';
import { rampColor, rampSize } from '../color-ramps';
import { maintenanceRisk } from '../maintenance-risk.svelte';
import {
  featureRiskColor,
  prop,
  tileLayerProps,
  withFeatureIds,
  type TileLayerOptions,
} from './tile-options';

type LineStyle = Extract<LayerStyle, { kind: 'line' }>;

/**
 * A line layer drawn as its catalogue entry says (water pipes, power lines): coloured by one
 * attribute's ramp, or by maintenance risk for a layer with sensors, and sized in screen pixels
 * by another attribute's ramp.
 */
export function lineLayer(entry: LayerEntry, style: LineStyle, o: TileLayerOptions) {
  const risk = o.colorBy === 'risk' ? entry.riskAssetType : undefined;
  const version = risk ? maintenanceRisk.version : 0;
  const value = (f: unknown, attribute: string) => prop<number>(f, attribute) ?? 0;
  return new MVTLayer({
    ...tileLayerProps(entry.name, o),
    lineWidthUnits: 'pixels',
    lineCapRounded: style.roundCaps ?? false,
    renderSubLayers: (props: ConstructorParameters<typeof GeoJsonLayer>[0]) => {
      withFeatureIds(props.data);
      return new GeoJsonLayer(props);
    },
    getLineColor: (f: unknown) =>
      risk
        ? featureRiskColor(risk, f)
        : rampColor(style.color.ramp, value(f, style.color.attribute)),
    updateTriggers: { getLineColor: [Boolean(risk), version] },
    getLineWidth: (f: unknown) => rampSize(style.width.ramp, value(f, style.width.attribute)),
  });
}
