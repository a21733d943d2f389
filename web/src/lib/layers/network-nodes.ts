import { MVTLayer } from '@deck.gl/geo-layers';
import { GeoJsonLayer } from '@deck.gl/layers';
import type { SensorAssetType } from '../../../../common/sensor-types';
import { maintenanceRisk } from '../maintenance-risk.svelte';
import { symbolAtlas, type SymbolAtlas, type SymbolDef } from './symbols';
import {
  featureRiskColor,
  prop,
  tileLayerProps,
  withFeatureIds,
  type TileLayerOptions,
} from './tile-options';

export const WATER_NODE_SYMBOLS: SymbolDef[] = [
  { value: 'reservoir', label: 'Reservoir', shape: 'square', fill: '#0b3a7e', size: 20 },
  { value: 'tank', label: 'Tank', shape: 'hexagon', fill: '#1668b8', size: 18 },
  { value: 'pump', label: 'Pump', shape: 'triangle', fill: '#0a9396', size: 18 },
  { value: 'junction', label: 'Junction', shape: 'circle', fill: '#4aa3df', size: 8 },
];

export const POWER_NODE_SYMBOLS: SymbolDef[] = [
  { value: 'substation', label: 'Substation', shape: 'square', fill: '#7b1e7a', size: 20 },
  { value: 'transformer', label: 'Transformer', shape: 'diamond', fill: '#d62246', size: 14 },
  { value: 'pole', label: 'Pole', shape: 'circle', fill: '#f26b38', size: 7 },
];

const atlases = new Map<readonly SymbolDef[], SymbolAtlas>();

function atlasFor(defs: readonly SymbolDef[]): SymbolAtlas {
  let a = atlases.get(defs);
  if (!a) atlases.set(defs, (a = symbolAtlas(defs)));
  return a;
}

/**
 * Network nodes (`kind` property) as symbols from a canvas-drawn atlas; coloured by maintenance
 * risk, as dots of the symbol's size in the risk colour (the atlas's icons cannot be tinted).
 */
function nodesLayer(
  name: string,
  type: SensorAssetType,
  defs: readonly SymbolDef[],
  o: TileLayerOptions,
) {
  const { atlas, mapping } = atlasFor(defs);
  const size = new Map(defs.map((d) => [d.value, d.size]));
  const fallback = defs[defs.length - 1]!.value;
  const kind = (f: unknown) => {
    const k = prop<string>(f, 'kind');
    return k && size.has(k) ? k : fallback;
  };
  if (o.colorBy === 'risk') {
    const version = maintenanceRisk.version;
    return new MVTLayer({
      ...tileLayerProps(name, o),
      pointType: 'circle',
      pointRadiusUnits: 'pixels',
      stroked: true,
      lineWidthUnits: 'pixels',
      getLineWidth: 1,
      getLineColor: [255, 255, 255],
      renderSubLayers: (props: ConstructorParameters<typeof GeoJsonLayer>[0]) => {
        withFeatureIds(props.data);
        return new GeoJsonLayer(props);
      },
      getFillColor: (f: unknown) => featureRiskColor(type, f),
      getPointRadius: (f: unknown) => Math.max(4, size.get(kind(f))! / 2),
      updateTriggers: { getFillColor: version },
    });
  }
  return new MVTLayer({
    ...tileLayerProps(name, o),
    pointType: 'icon',
    iconAtlas: atlas as unknown as string,
    iconMapping: mapping,
    iconSizeUnits: 'pixels',
    iconBillboard: true,
    getIcon: kind,
    getIconSize: (f: unknown) => size.get(kind(f))!,
  });
}

export const waterNodesLayer = (o: TileLayerOptions) =>
  nodesLayer('water_nodes', 'water_node', WATER_NODE_SYMBOLS, o);
export const powerNodesLayer = (o: TileLayerOptions) =>
  nodesLayer('power_nodes', 'power_node', POWER_NODE_SYMBOLS, o);
