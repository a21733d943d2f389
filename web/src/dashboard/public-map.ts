import {
  AttributionControl,
  Map as MapLibreMap,
  NavigationControl,
  setWorkerUrl,
  type ExpressionSpecification,
} from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import type { MapHome } from '../../../common/api-types';
import type { LiveUpdate, SensorListResponse } from '../../../common/sensor-types';
import { getJson } from '../lib/api';
import { BUILDING_USES } from '../lib/palettes';
import { SPEED_RATIO_COLORS } from '../lib/speed-colors';

// MapLibre 6 loads its worker from this URL; Vite serves it from our own origin.
setWorkerUrl(workerUrl);

const rgb = (c: readonly number[]) => `rgb(${c.join(',')})`;

/** Live speed ÷ free-flow colours, the same bands as the main map's (issue #4). */
const SPEED_COLOR: ExpressionSpecification = [
  'step',
  ['coalesce', ['feature-state', 'ratio'], 1],
  rgb(SPEED_RATIO_COLORS.at(-1)!.color),
  ...[...SPEED_RATIO_COLORS]
    .reverse()
    .slice(1)
    .flatMap((c) => [c.min, rgb(c.color)] as [number, string]),
];

export interface PublicMapOptions {
  container: HTMLElement;
  /** Tile URL suffix for a scenario (`?scenario=7`), or '' for the city as it is. */
  tileQuery?: string;
  /** Tilt the camera so buildings show their height. */
  pitch?: number;
  interactive?: boolean;
  /** Zoom levels closer than the whole city (default 1.2: the centre). */
  closer?: number;
}

/**
 * The read-only public map (issue #9 item 5): MapLibre alone — no deck.gl, no editor — over the
 * twin's public layers only (land use, roads, buildings from `/styles/city.json`), buildings
 * extruded by height and coloured by use, roads with a live speed sensor coloured by speed ÷
 * free-flow speed through feature state (`/api/sensors`, then `/api/live`).
 */
export class PublicMap {
  readonly map: MapLibreMap;
  #source: EventSource | null = null;
  #tileQuery: string;

  constructor(options: PublicMapOptions, home: MapHome) {
    this.#tileQuery = options.tileQuery ?? '';
    this.map = new MapLibreMap({
      container: options.container,
      style: `${location.origin}/styles/city.json`,
      center: home.center,
      zoom: home.zoom ?? 13,
      pitch: options.pitch ?? 45,
      bearing: -18,
      maxPitch: 70,
      minZoom: 9,
      maxZoom: 19,
      interactive: options.interactive ?? true,
      cooperativeGestures: false,
      attributionControl: false,
    });
    if (home.bounds && home.zoom === null) {
      // The whole city, then a step closer: its core fills the frame and buildings read in 3D.
      const fit = this.map.cameraForBounds(home.bounds, { padding: 16 });
      if (fit?.zoom !== undefined)
        this.map.jumpTo({ center: fit.center, zoom: fit.zoom + (options.closer ?? 1.2) });
    }
    if (options.interactive ?? true)
      this.map.addControl(new NavigationControl({ visualizePitch: true }), 'top-right');
    this.map.addControl(
      new AttributionControl({ compact: true, customAttribution: 'City twin · own data' }),
      'bottom-right',
    );
    this.map.once('style.load', () => {
      this.#addLayers();
      this.setTileQuery(this.#tileQuery);
      void this.#startLive();
    });
  }

  #addLayers(): void {
    // The tuple type of `match` cannot be spread into; built as an array and typed once.
    const useColor = [
      'match',
      ['get', 'use'],
      ...BUILDING_USES.flatMap((u) => [u.value, u.color]),
      '#b3aca2',
    ] as unknown as ExpressionSpecification;
    this.map.addLayer({
      id: 'live-speed',
      type: 'line',
      source: 'roads',
      'source-layer': 'roads',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': SPEED_COLOR,
        // Only roads whose sensor has reported are drawn by this layer.
        'line-opacity': ['case', ['==', ['feature-state', 'ratio'], null], 0, 1],
        'line-width': [
          'interpolate',
          ['exponential', 1.6],
          ['zoom'],
          11,
          1.5,
          14,
          3,
          16,
          6,
          18,
          18,
        ],
      },
    });
    this.map.addLayer({
      id: 'buildings-3d',
      type: 'fill-extrusion',
      source: 'buildings',
      'source-layer': 'buildings',
      minzoom: 12,
      paint: {
        'fill-extrusion-color': useColor,
        'fill-extrusion-height': ['coalesce', ['get', 'height_m'], 3],
        'fill-extrusion-opacity': 0.92,
      },
    });
  }

  /** Shows the city as a scenario would make it (`?scenario=…`), or as it is (''). */
  setTileQuery(query: string): void {
    this.#tileQuery = query;
    if (!this.map.isStyleLoaded()) return;
    for (const name of ['buildings', 'roads']) {
      const source = this.map.getSource(name) as
        { setTiles?: (tiles: string[]) => void } | undefined;
      source?.setTiles?.([`${location.origin}/tiles/${name}/{z}/{x}/{y}.mvt${query}`]);
    }
  }

  async #startLive(): Promise<void> {
    const set = (linkId: string | null, ratio: number | null) => {
      if (linkId === null || ratio === null) return;
      this.map.setFeatureState(
        { source: 'roads', sourceLayer: 'roads', id: Number(linkId) },
        { ratio },
      );
    };
    try {
      const body = await getJson<SensorListResponse>('/api/sensors?kind=traffic_speed&limit=50000');
      for (const s of body.sensors) {
        if (s.asset_type === 'road_link') set(s.asset_id, s.current?.ratio ?? null);
      }
    } catch {
      // The map still shows the city; live colours arrive with the stream.
    }
    if (typeof EventSource === 'undefined') return;
    this.#source = new EventSource('/api/live?kind=traffic_speed');
    this.#source.addEventListener('readings', (e) => {
      for (const u of JSON.parse((e as MessageEvent<string>).data) as LiveUpdate[]) {
        if (u.asset_type === 'road_link') set(u.asset_id, u.ratio);
      }
    });
  }

  /** True once the style and every visible tile are loaded and the camera rests. */
  get idle(): boolean {
    return this.map.loaded() && this.map.areTilesLoaded() && !this.map.isMoving();
  }

  destroy(): void {
    this.#source?.close();
    this.map.remove();
  }
}
