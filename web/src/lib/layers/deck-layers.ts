import type { Layer } from '@deck.gl/core';
import { BUILT_IN_LAYERS, type LayerEntry } from '../../../../common/layer-catalog';
import { deckDrawOrder } from '../layer-specs';
import type { LayerSettings } from '../layer-settings.svelte';
import { maintenanceRisk } from '../maintenance-risk.svelte';
import { buildingsLayer } from './buildings';
import { lineLayer } from './line-layer';
import { roadsLayer } from './roads';
import { symbolLayer } from './symbol-layer';
import type { TileLayerOptions } from './tile-options';

/** Zoom range of each tile layer, from `/tiles/catalog.json`. */
export type ZoomRanges = ReadonlyMap<string, { minzoom: number; maxzoom: number }>;

export interface DeckLayersInput {
  settings: LayerSettings;
  zooms: ZoomRanges;
  extent: [number, number, number, number];
  mode: '2d' | '3d';
  selected: { layer: string; id: number } | null;
  onTileError: (layer: string, error: unknown) => void;
  /** Appended to every tile URL, e.g. `?scenario={id}&v={version}` (issue #5). */
  query?: string;
  /** LoD2 buildings drawn from their surfaces (issue #15), flat in the extruded layer. */
  surfaces?: { has(id: number): boolean; version: number };
}

type Factory = (
  o: TileLayerOptions & { extruded: boolean; surfaces?: DeckLayersInput['surfaces'] },
) => Layer;

/** The layers whose catalogue style is `custom`: drawn by their own factory. */
const CUSTOM: Record<string, Factory> = { roads: roadsLayer, buildings: buildingsLayer };

/** The factory a catalogue entry's style asks for; null for basemap layers (MapLibre draws them). */
function factoryFor(entry: LayerEntry): Factory | null {
  const style = entry.style;
  switch (style.kind) {
    case 'line':
      return (o) => lineLayer(entry, style, o);
    case 'symbols':
      return (o) => symbolLayer(entry, style, o);
    case 'custom':
      return CUSTOM[entry.name] ?? null;
    case 'basemap':
      return null;
  }
}

/** Each deck.gl layer's factory, in drawing order (web/src/lib/layer-specs.ts `deckDrawOrder`). */
const FACTORIES: [string, Factory][] = deckDrawOrder(BUILT_IN_LAYERS).flatMap((e) => {
  const factory = factoryFor(e);
  return factory ? [[e.name, factory] as [string, Factory]] : [];
});

/**
 * The tiled deck.gl layers, bottom to top: lines on the ground, buildings, point symbols.
 * Hidden layers are left out: a hidden deck.gl tile layer would still fetch tiles.
 */
export function tileLayers(input: DeckLayersInput): Layer[] {
  const { settings, zooms, extent, mode, selected } = input;
  // Risk scores are fetched (and refreshed) only while a shown layer is coloured by them.
  maintenanceRisk.track(
    settings.all.some((l) => l.visible && l.spec.riskAssetType && l.colorBy === 'risk'),
  );
  return FACTORIES.flatMap(([name, factory]) => {
    const state = settings.get(name);
    const zoom = zooms.get(name);
    if (!zoom || !state.visible) return [];
    return [
      factory({
        url: `${location.origin}/tiles/${name}/{z}/{x}/{y}.mvt${input.query ?? ''}`,
        minZoom: zoom.minzoom,
        maxZoom: zoom.maxzoom,
        extent,
        visible: state.visible,
        opacity: state.opacity,
        generation: state.generation,
        highlightedId: selected?.layer === name ? selected.id : null,
        onTileError: (error) => input.onTileError(name, error),
        extruded: mode === '3d',
        colorBy: state.colorBy,
        surfaces: name === 'buildings' && mode === '3d' ? input.surfaces : undefined,
      }),
    ];
  });
}
