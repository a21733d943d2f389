import mvtWorkerUrl from '@loaders.gl/mvt/mvt-worker.js?url';
import type { SensorAssetType } from '../../../../common/sensor-types';
import type { RGB } from '../color-ramps';
import { maintenanceRisk } from '../maintenance-risk.svelte';
import { riskColor } from '../palettes';

/**
 * Tiles are parsed in a loaders.gl worker served from our own origin (by default loaders.gl
 * would fetch the worker script from a CDN, which an offline twin cannot reach).
 */
const LOAD_OPTIONS = { mvt: { workerUrl: mvtWorkerUrl } };

/** What every tiled deck.gl layer of the map takes from the app's state. */
export interface TileLayerOptions {
  /** Tile URL template on the twin's own origin, e.g. `/tiles/buildings/{z}/{x}/{y}.mvt`. */
  url: string;
  minZoom: number;
  maxZoom: number;
  /** WGS84 [west, south, east, north] where the data is; no tiles are requested outside. */
  extent?: [number, number, number, number];
  visible: boolean;
  /** 0–1. */
  opacity: number;
  /** Bumped by "retry": a new layer id makes deck.gl drop its failed tiles and fetch again. */
  generation: number;
  /** The inspected feature's id (the table's id, carried as the MVT feature id). */
  highlightedId: number | null;
  onTileError: (error: unknown) => void;
  onViewportLoad?: () => void;
  /** Water and power layers: colour by asset type (their own palette) or by maintenance risk. */
  colorBy?: ColorBy;
}

/** What a water or power layer is coloured by (issue #4). */
export type ColorBy = 'type' | 'risk';

/** Highlight for hovered and inspected features. */
export const HIGHLIGHT: [number, number, number, number] = [255, 64, 129, 220];

/** Props shared by every MVTLayer of the map: binary tiles, picking by feature id. */
export function tileLayerProps(name: string, o: TileLayerOptions) {
  return {
    id: `${name}#${o.generation}`,
    data: o.url,
    minZoom: o.minZoom,
    maxZoom: o.maxZoom,
    // Below the layer's first zoom draw nothing rather than fetch every tile of its first zoom.
    visibleMinZoom: o.minZoom - 0.5,
    extent: o.extent ?? null,
    visible: o.visible,
    opacity: o.opacity,
    binary: true,
    loadOptions: LOAD_OPTIONS,
    pickable: true,
    autoHighlight: true,
    highlightColor: HIGHLIGHT,
    uniqueIdProperty: '',
    highlightedFeatureId: o.highlightedId,
    onTileError: o.onTileError,
    onViewportLoad: o.onViewportLoad ?? null,
  };
}

/** Reads a feature property inside a deck.gl accessor (binary tiles hand in `{properties}`). */
export function prop<T>(feature: unknown, name: string): T | undefined {
  return (feature as { properties?: Record<string, unknown> }).properties?.[name] as T | undefined;
}

/**
 * Copies each feature's MVT feature id (the table id) into its properties as `_id`, so colour
 * accessors can look the feature up: binary tiles keep ids in `fields`, which deck.gl does not
 * hand to accessors.
 */
export function withFeatureIds(data: unknown): void {
  type Part = { fields?: ({ id?: number } | undefined)[]; properties?: Record<string, unknown>[] };
  const tile = data as Partial<Record<'points' | 'lines' | 'polygons', Part>> | null;
  for (const part of [tile?.points, tile?.lines, tile?.polygons]) {
    if (!part?.fields || !part.properties) continue;
    part.properties.forEach((p, i) => {
      const id = part.fields![i]?.id;
      if (p && id !== undefined) p._id = id;
    });
  }
}

/**
 * The maintenance-risk colour of a feature (by its `_id`, see `withFeatureIds`), for a layer
 * coloured by risk; read `maintenanceRisk.version` in the layer's update triggers.
 */
export function featureRiskColor(type: SensorAssetType, f: unknown): RGB {
  const id = prop<number>(f, '_id');
  return riskColor(id === undefined ? undefined : maintenanceRisk.risk(type, id));
}
