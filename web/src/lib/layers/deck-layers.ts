import type { Layer } from '@deck.gl/core';
import type { LayerSettings } from '../layer-settings.svelte';
import { maintenanceRisk } from '../maintenance-risk.svelte';
import { buildingsLayer } from './buildings';
import { powerNodesLayer, waterNodesLayer } from './network-nodes';
import { powerLinesLayer } from './power-lines';
import { roadsLayer } from './roads';
import type { TileLayerOptions } from './tile-options';
import { waterPipesLayer } from './water-pipes';

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

const FACTORIES: Record<
  string,
  (o: TileLayerOptions & { extruded: boolean; surfaces?: DeckLayersInput['surfaces'] }) => Layer
> = {
  roads: roadsLayer,
  water_pipes: waterPipesLayer,
  power_lines: powerLinesLayer,
  buildings: buildingsLayer,
  water_nodes: waterNodesLayer,
  power_nodes: powerNodesLayer,
};

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
  return Object.entries(FACTORIES).flatMap(([name, factory]) => {
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
