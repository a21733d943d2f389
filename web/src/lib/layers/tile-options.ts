import mvtWorkerUrl from '@loaders.gl/mvt/mvt-worker.js?url';

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
}

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
