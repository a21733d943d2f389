import { MVTLayer } from '@deck.gl/geo-layers';
import { GeoJsonLayer } from '@deck.gl/layers';
import type { LayerEntry, LayerStyle } from '../../../../common/layer-catalog';
import { maintenanceRisk } from '../maintenance-risk.svelte';
import { symbolAtlas, type SymbolAtlas, type SymbolDef } from './symbols';
import {
  featureRiskColor,
  prop,
  tileLayerProps,
  withFeatureIds,
  type TileLayerOptions,
} from './tile-options';

const atlases = new Map<readonly SymbolDef[], SymbolAtlas>();

function atlasFor(defs: readonly SymbolDef[]): SymbolAtlas {
  let a = atlases.get(defs);
  if (!a) atlases.set(defs, (a = symbolAtlas(defs)));
  return a;
}

type SymbolStyle = Extract<LayerStyle, { kind: 'symbols' }>;

/**
 * A point layer drawn as its catalogue entry says (water and power nodes): one symbol per value
 * of an attribute, from a canvas-drawn atlas; values not listed get the last symbol. Coloured by
 * maintenance risk, as dots of the symbol's size in the risk colour (the atlas's icons cannot be
 * tinted).
 */
export function symbolLayer(entry: LayerEntry, style: SymbolStyle, o: TileLayerOptions) {
  const defs = style.symbols;
  const { atlas, mapping } = atlasFor(defs);
  const size = new Map(defs.map((d) => [d.value, d.size]));
  const fallback = defs[defs.length - 1]!.value;
  const kind = (f: unknown) => {
    const k = prop<string>(f, style.attribute);
    return k && size.has(k) ? k : fallback;
  };
  const risk = o.colorBy === 'risk' ? entry.riskAssetType : undefined;
  if (risk) {
    const version = maintenanceRisk.version;
    return new MVTLayer({
      ...tileLayerProps(entry.name, o),
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
      getFillColor: (f: unknown) => featureRiskColor(risk, f),
      getPointRadius: (f: unknown) => Math.max(4, size.get(kind(f))! / 2),
      updateTriggers: { getFillColor: version },
    });
  }
  return new MVTLayer({
    ...tileLayerProps(entry.name, o),
    pointType: 'icon',
    iconAtlas: atlas as unknown as string,
    iconMapping: mapping,
    iconSizeUnits: 'pixels',
    iconBillboard: true,
    getIcon: kind,
    getIconSize: (f: unknown) => size.get(kind(f))!,
  });
}
