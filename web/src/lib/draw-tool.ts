import type { Map as MapLibreMap } from 'maplibre-gl';
import {
  TerraDraw,
  TerraDrawLineStringMode,
  TerraDrawPolygonMode,
  TerraDrawSelectMode,
} from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';

/** A GeoJSON polygon, WGS84. */
export interface DrawnPolygon {
  type: 'Polygon';
  coordinates: number[][][];
}

/** A GeoJSON line, WGS84 (an added road). */
export interface DrawnLine {
  type: 'LineString';
  coordinates: number[][];
}

/** A shape whose points can be moved: a footprint or a road. */
export type EditableShape = DrawnPolygon | DrawnLine;

/** Points move, a midpoint adds one, a point can be deleted; the shape as a whole stays put. */
const POINTS_ONLY = {
  feature: {
    draggable: false,
    coordinates: { draggable: true, midpoints: true, deletable: true },
  },
} as const;

/**
 * The shape being edited in the changes layer's blue (the layer itself leaves that edit out
 * meanwhile, so it does not hide the handles), with white points ringed in blue to drag and
 * light-blue midpoints to add one.
 */
const EDIT_STYLES = {
  selectedLineStringColor: '#2563eb',
  selectedLineStringWidth: 4,
  selectedPolygonColor: '#2563eb',
  selectedPolygonFillOpacity: 0.25,
  selectedPolygonOutlineColor: '#2563eb',
  selectedPolygonOutlineWidth: 3,
  selectionPointColor: '#ffffff',
  selectionPointWidth: 6,
  selectionPointOutlineColor: '#2563eb',
  selectionPointOutlineWidth: 3,
  midPointColor: '#93c5fd',
  midPointWidth: 4,
  midPointOutlineColor: '#2563eb',
  midPointOutlineWidth: 1,
} as const;

/** What a finished select-mode action changed: a point moved, added (midpoint) or deleted. */
const EDIT_ACTIONS = new Set(['dragCoordinate', 'insertMidpoint', 'deleteCoordinate']);

/**
 * Footprint drawing with terra-draw on the MapLibre map: `start` switches polygon mode on and
 * calls back once with the finished polygon, then clears its sketch; `edit` shows an existing
 * footprint or road with draggable corners / points (midpoints add one, right-click deletes one)
 * and calls back with the changed shape after each change, until `stop`.
 */
export class DrawTool {
  readonly #draw: TerraDraw;
  #onDone: ((p: DrawnPolygon) => void) | null = null;
  #onChange: ((p: EditableShape) => void) | null = null;

  constructor(map: MapLibreMap) {
    this.#draw = new TerraDraw({
      adapter: new TerraDrawMapLibreGLAdapter({ map }),
      modes: [
        new TerraDrawPolygonMode(),
        // Registered so that an added road can be shown for editing (it draws nothing itself).
        new TerraDrawLineStringMode(),
        new TerraDrawSelectMode({
          flags: { polygon: POINTS_ONLY, linestring: POINTS_ONLY },
          styles: EDIT_STYLES,
        }),
      ],
    });
    this.#draw.on('finish', (id, context) => {
      const feature = this.#draw.getSnapshotFeature(id);
      const type = feature?.geometry.type;
      if (type !== 'Polygon' && type !== 'LineString') return;
      if (context.mode === 'select') {
        if (EDIT_ACTIONS.has(context.action)) this.#onChange?.(feature!.geometry as EditableShape);
        return;
      }
      if (type !== 'Polygon') return;
      const done = this.#onDone;
      this.stop();
      done?.(feature!.geometry as DrawnPolygon);
    });
  }

  /** Whether the points of a footprint or road are being edited. */
  get editing(): boolean {
    return this.#onChange !== null;
  }

  start(onDone: (p: DrawnPolygon) => void): void {
    this.stop();
    this.#onDone = onDone;
    this.#draw.start();
    this.#draw.setMode('polygon');
  }

  /** Shows `shape` with draggable points; `onChange` gets it after each moved point. */
  edit<S extends EditableShape>(shape: S, onChange: (p: S) => void): void {
    this.stop();
    this.#draw.start();
    this.#draw.setMode('select');
    const mode = shape.type === 'Polygon' ? 'polygon' : 'linestring';
    // terra-draw refuses coordinates with more than 9 decimals (a saved road read back has them).
    const round = (c: unknown): unknown =>
      typeof c === 'number' ? Math.round(c * 1e9) / 1e9 : (c as unknown[]).map(round);
    const geometry = { ...shape, coordinates: round(shape.coordinates) } as S;
    const [result] = this.#draw.addFeatures([{ type: 'Feature', geometry, properties: { mode } }]);
    if (!result?.valid) {
      this.stop();
      const what = shape.type === 'Polygon' ? 'footprint' : 'road';
      throw new Error(`The ${what} cannot be edited: ${result?.reason ?? 'invalid shape'}`);
    }
    this.#draw.selectFeature(result.id!);
    this.#onChange = onChange as (p: EditableShape) => void;
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
