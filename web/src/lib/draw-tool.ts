import type { Map as MapLibreMap } from 'maplibre-gl';
import { TerraDraw, TerraDrawPolygonMode, TerraDrawSelectMode } from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';

/** A GeoJSON polygon, WGS84. */
export interface DrawnPolygon {
  type: 'Polygon';
  coordinates: number[][][];
}

/** What a finished select-mode action changed: a corner moved, added (midpoint) or deleted. */
const EDIT_ACTIONS = new Set(['dragCoordinate', 'insertMidpoint', 'deleteCoordinate']);

/**
 * Footprint drawing with terra-draw on the MapLibre map: `start` switches polygon mode on and
 * calls back once with the finished polygon, then clears its sketch; `edit` shows an existing
 * footprint with draggable corners (midpoints add one, right-click deletes one) and calls back
 * with the changed polygon after each change, until `stop`.
 */
export class DrawTool {
  readonly #draw: TerraDraw;
  #onDone: ((p: DrawnPolygon) => void) | null = null;
  #onChange: ((p: DrawnPolygon) => void) | null = null;

  constructor(map: MapLibreMap) {
    this.#draw = new TerraDraw({
      adapter: new TerraDrawMapLibreGLAdapter({ map }),
      modes: [
        new TerraDrawPolygonMode(),
        new TerraDrawSelectMode({
          flags: {
            polygon: {
              feature: {
                // A footprint's corners move; the whole footprint stays where it is.
                draggable: false,
                coordinates: { draggable: true, midpoints: true, deletable: true },
              },
            },
          },
        }),
      ],
    });
    this.#draw.on('finish', (id, context) => {
      const feature = this.#draw.getSnapshotFeature(id);
      if (feature?.geometry.type !== 'Polygon') return;
      const geometry = feature.geometry as DrawnPolygon;
      if (context.mode === 'select') {
        if (EDIT_ACTIONS.has(context.action)) this.#onChange?.(geometry);
        return;
      }
      const done = this.#onDone;
      this.stop();
      done?.(geometry);
    });
  }

  /** Whether corners of a footprint are being edited. */
  get editing(): boolean {
    return this.#onChange !== null;
  }

  start(onDone: (p: DrawnPolygon) => void): void {
    this.stop();
    this.#onDone = onDone;
    this.#draw.start();
    this.#draw.setMode('polygon');
  }

  /** Shows `polygon` with draggable corners; `onChange` gets it after each moved corner. */
  edit(polygon: DrawnPolygon, onChange: (p: DrawnPolygon) => void): void {
    this.stop();
    this.#draw.start();
    this.#draw.setMode('select');
    const [result] = this.#draw.addFeatures([
      { type: 'Feature', geometry: polygon, properties: { mode: 'polygon' } },
    ]);
    if (!result?.valid) {
      this.stop();
      throw new Error(`The footprint cannot be edited: ${result?.reason ?? 'invalid polygon'}`);
    }
    this.#draw.selectFeature(result.id!);
    this.#onChange = onChange;
  }

  stop(): void {
    this.#onDone = null;
    this.#onChange = null;
    if (this.#draw.enabled) {
      this.#draw.clear();
      this.#draw.stop();
    }
  }
}
