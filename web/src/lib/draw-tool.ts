import type { Map as MapLibreMap } from 'maplibre-gl';
import { TerraDraw, TerraDrawPolygonMode } from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';

/** A GeoJSON polygon, WGS84. */
export interface DrawnPolygon {
  type: 'Polygon';
  coordinates: number[][][];
}

/**
 * Footprint drawing with terra-draw on the MapLibre map: `start` switches polygon mode on and
 * calls back once with the finished polygon, then clears its sketch.
 */
export class DrawTool {
  readonly #draw: TerraDraw;
  #onDone: ((p: DrawnPolygon) => void) | null = null;

  constructor(map: MapLibreMap) {
    this.#draw = new TerraDraw({
      adapter: new TerraDrawMapLibreGLAdapter({ map }),
      modes: [new TerraDrawPolygonMode()],
    });
    this.#draw.on('finish', (id) => {
      const feature = this.#draw.getSnapshotFeature(id);
      const done = this.#onDone;
      this.stop();
      if (feature?.geometry.type === 'Polygon' && done) done(feature.geometry as DrawnPolygon);
    });
  }

  start(onDone: (p: DrawnPolygon) => void): void {
    this.#onDone = onDone;
    if (!this.#draw.enabled) this.#draw.start();
    this.#draw.setMode('polygon');
  }

  stop(): void {
    this.#onDone = null;
    if (this.#draw.enabled) {
      this.#draw.clear();
      this.#draw.stop();
    }
  }
}
