import {
  AmbientLight,
  DirectionalLight,
  LightingEffect,
  type Layer,
  type PickingInfo,
} from '@deck.gl/core';
import { MapLibreOverlay } from '@deck.gl/maplibre';
import {
  AttributionControl,
  Map as MapLibreMap,
  NavigationControl,
  setWorkerUrl,
} from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import type { CityStyleMetadata } from '../../../common/api-types';
import { BUILT_IN_LAYERS } from '../../../common/layer-catalog';
import type { LegendSection } from './layer-specs';
import { MAX_PITCH, type Camera } from './url-hash';

// MapLibre 6 loads its worker from this URL; Vite serves it from our own origin.
setWorkerUrl(workerUrl);

/** WGS84 [west, south, east, north]. */
export type Bounds = [number, number, number, number];

const BUILDINGS_MINZOOM = BUILT_IN_LAYERS.find((l) => l.name === 'buildings')!.minzoom;

/** The 3D home view: a three-quarter view from the south-south-east, like an oblique photo. */
const HOME_PITCH = 52;
const HOME_BEARING = -18;

/**
 * Soft sky light plus a warm low sun from the south-west and a cool fill from the north-east,
 * so that facades facing different ways read apart in 3D.
 */
function cityLighting(): LightingEffect {
  return new LightingEffect({
    ambient: new AmbientLight({ color: [255, 255, 255], intensity: 1.0 }),
    sun: new DirectionalLight({ color: [255, 244, 228], intensity: 1.0, direction: [1, 2, -2.5] }),
    sky: new DirectionalLight({
      color: [214, 226, 255],
      intensity: 0.5,
      direction: [-1.5, -1, -1],
    }),
  });
}

export interface TwinMapOptions {
  container: HTMLElement;
  camera: Camera;
  /** Where any layer has data: label requests are clamped to it. */
  extent: Bounds;
  /** The densest cluster of the data: what "reset view" frames. */
  city: Bounds;
  /** A configured home camera (TWIN_HOME) used instead of framing `city`. */
  home?: { center: [number, number]; zoom: number } | null;
  /**
   * Open on the home view in this mode instead of `camera` — set before the deck.gl overlay is
   * added, so its first frame already has the home view (no tiles fetched, then dropped).
   */
  startAtHome?: '2d' | '3d';
  onCamera: (camera: Camera, settled: boolean) => void;
  onHover: (info: PickingInfo) => void;
  onClick: (info: PickingInfo) => void;
  onBasemapError: (message: string) => void;
  onBasemapLegend: (sections: LegendSection[]) => void;
}

/** The MapLibre basemap with the deck.gl overlay on top, and the camera operations the UI offers. */
export class TwinMap {
  readonly map: MapLibreMap;
  readonly overlay: MapLibreOverlay;
  readonly #options: TwinMapOptions;
  /**
   * A tool that takes map clicks for itself (the measure tool): while set, clicks go to it and
   * not to the inspector. Returns true when it used the click.
   */
  clickInterceptor: ((info: PickingInfo) => boolean) | null = null;

  constructor(options: TwinMapOptions) {
    this.#options = options;
    const { camera } = options;
    this.map = new MapLibreMap({
      container: options.container,
      style: `${location.origin}/styles/city.json`,
      center: camera.center,
      zoom: camera.zoom,
      bearing: camera.bearing,
      pitch: camera.pitch,
      maxPitch: MAX_PITCH,
      minZoom: 9,
      maxZoom: 19.5,
      attributionControl: false,
      canvasContextAttributes: { antialias: true },
    });
    if (options.startAtHome) this.map.jumpTo(this.homeCamera(options.startAtHome));
    this.map.addControl(new NavigationControl({ visualizePitch: true }), 'bottom-right');
    this.map.addControl(
      new AttributionControl({
        compact: true,
        customAttribution: 'City twin · own data, drawn offline',
      }),
      'bottom-right',
    );

    this.overlay = new MapLibreOverlay({
      interleaved: false,
      layers: [],
      effects: [cityLighting()],
      pickingRadius: 4,
      onHover: (info) => options.onHover(info),
      onClick: (info) => {
        if (this.clickInterceptor?.(info)) return;
        options.onClick(info);
      },
      getCursor: ({ isHovering, isDragging }) =>
        isDragging ? 'grabbing' : isHovering ? 'pointer' : 'grab',
    });
    this.map.addControl(this.overlay);

    const report = (settled: boolean) => options.onCamera(this.camera, settled);
    this.map.on('move', () => report(false));
    this.map.on('moveend', () => report(true));
    this.map.on('error', (e) => {
      const err = e.error as { message?: string } | undefined;
      options.onBasemapError(
        /fetch|network|load/i.test(err?.message ?? '')
          ? 'Basemap tiles could not be loaded from the server.'
          : `The basemap failed: ${err?.message ?? 'unknown error'}`,
      );
    });
    this.map.once('style.load', () => {
      const meta = this.map.getStyle().metadata as CityStyleMetadata | undefined;
      const legend = meta?.['city-twin:legend'];
      if (legend) {
        options.onBasemapLegend([
          { kind: 'categories', title: 'Class', items: legend.land_use, swatch: 'fill' },
        ]);
      }
    });
  }

  get camera(): Camera {
    const c = this.map.getCenter();
    return {
      center: [c.lng, c.lat],
      zoom: this.map.getZoom(),
      bearing: this.map.getBearing(),
      pitch: this.map.getPitch(),
    };
  }

  /**
   * The view's extent, clamped to where the data is (a pitched view reaches the horizon). A view
   * wholly outside that extent (data imported since the page loaded, say) is its own extent,
   * never an inverted box.
   */
  get viewBounds(): Bounds {
    const b = this.map.getBounds();
    const [w, s, e, n] = this.#options.extent;
    const view: Bounds = [
      Math.max(b.getWest(), -180),
      Math.max(b.getSouth(), -85.05),
      Math.min(b.getEast(), 180),
      Math.min(b.getNorth(), 85.05),
    ];
    const clamped: Bounds = [
      Math.max(view[0], w),
      Math.max(view[1], s),
      Math.min(view[2], e),
      Math.min(view[3], n),
    ];
    return clamped[0] < clamped[2] && clamped[1] < clamped[3] ? clamped : view;
  }

  setLayers(layers: Layer[]): void {
    this.overlay.setProps({ layers });
  }

  /**
   * Lights the 3D view: the sun study's sun (with shadows) for a time, or the default soft
   * light again with null (issue #12 item 4).
   */
  setLighting(effect: LightingEffect | null): void {
    this.overlay.setProps({ effects: [effect ?? cityLighting()] });
  }

  /** Shows or hides the basemap's land-use fills (background, water and roads stay). */
  setLandUseVisible(visible: boolean): void {
    this.setBasemapLayerVisible('land_use', visible);
  }

  /**
   * Shows or hides a basemap layer of the catalogue: the style layers server/city-style.ts tags
   * with its name (`metadata['city-twin:layer']`).
   */
  setBasemapLayerVisible(layer: string, visible: boolean): void {
    const apply = () => {
      for (const l of this.map.getStyle().layers ?? []) {
        const tag = (l.metadata as Record<string, unknown> | undefined)?.['city-twin:layer'];
        if (tag === layer)
          this.map.setLayoutProperty(l.id, 'visibility', visible ? 'visible' : 'none');
      }
    };
    if (this.map.isStyleLoaded()) apply();
    else this.map.once('style.load', apply);
  }

  /** 2D: straight down and locked flat; 3D: tilted back to the home pitch. */
  setMode(mode: '2d' | '3d'): void {
    if (mode === '2d') {
      this.map.easeTo({ pitch: 0, duration: 600 });
      this.map.once('moveend', () => this.map.setMaxPitch(0));
    } else {
      this.map.setMaxPitch(MAX_PITCH);
      if (this.map.getPitch() < 5) this.map.easeTo({ pitch: HOME_PITCH, duration: 600 });
    }
  }

  /** The whole city in view, in the current 2D or 3D mode. */
  homeCamera(mode: '2d' | '3d'): Camera {
    const home = this.#options.home;
    if (home) {
      return mode === '3d'
        ? { center: home.center, zoom: home.zoom, bearing: HOME_BEARING, pitch: HOME_PITCH }
        : { center: home.center, zoom: home.zoom, bearing: 0, pitch: 0 };
    }
    return homeCamera(this.map, this.#options.city, mode);
  }

  resetView(mode: '2d' | '3d'): void {
    const home = this.homeCamera(mode);
    this.map.flyTo({ ...home, duration: 1200, essential: true });
  }

  /** Asks the server again for every basemap tile (after the server came back). */
  retryBasemap(): void {
    for (const id of Object.keys(this.map.getStyle().sources ?? {})) this.map.refreshTiles(id);
  }

  destroy(): void {
    this.map.removeControl(this.overlay);
    this.overlay.finalize();
    this.map.remove();
  }
}

/** The camera that frames `bounds` in a map of this size, tilted for 3D. */
export function homeCamera(map: MapLibreMap, bounds: Bounds, mode: '2d' | '3d'): Camera {
  // Leave room for the layer panel on the left; on a phone the panels are drawers over the map,
  // and 340 px of side padding left the city 50 px wide (zoom 9, no buildings drawn).
  const narrow = map.getContainer().clientWidth < 720;
  const fit = map.cameraForBounds(bounds, {
    padding: narrow
      ? { left: 16, right: 16, top: 72, bottom: 120 }
      : { left: 300, right: 40, top: 40, bottom: 40 },
  });
  const center = fit?.center ? (fit.center as { lng: number; lat: number }) : { lng: 0, lat: 0 };
  // A phone shows the middle of a city too wide for it close enough for its buildings, not all
  // of it as a flat plan (the buildings layer starts at its minzoom).
  const zoom = Math.max(fit?.zoom ?? 13, narrow ? BUILDINGS_MINZOOM + 0.2 : 0);
  return mode === '3d'
    ? // A tilted view shows more city in the distance: come a little closer.
      {
        center: [center.lng, center.lat],
        zoom: zoom + 0.4,
        bearing: HOME_BEARING,
        pitch: HOME_PITCH,
      }
    : { center: [center.lng, center.lat], zoom, bearing: 0, pitch: 0 };
}
