import type { LegendEntry } from './api-types';

/**
 * The pieces of a layer's legend and default colours, as the layer catalogue declares them
 * (common/layer-catalog.ts) and the web draws them. Pure data: colours are `#rrggbb`.
 */

/** A named value of a categorical palette. */
export type Category = LegendEntry;

/** A stop of a numeric ramp: at `value` (in the ramp's unit) the colour is `color`. */
export interface RampStop {
  value: number;
  color: string;
}

/**
 * A numeric ramp with its unit. `continuous` ramps interpolate between stops; stepped ramps
 * (class breaks) give each value the colour of the highest stop at or below it.
 */
export interface Ramp {
  stops: RampStop[];
  unit: string;
  continuous: boolean;
}

/** A size ramp (CSS pixels), read like a colour `Ramp`: interpolated or stepped, clamped. */
export interface SizeRamp {
  stops: { value: number; size: number }[];
  continuous: boolean;
}

export type SymbolShape = 'circle' | 'square' | 'diamond' | 'triangle' | 'hexagon';

/** A point symbol for one value (drawn on a canvas by the web, web/src/lib/layers/symbols.ts). */
export interface SymbolDef {
  value: string;
  label: string;
  shape: SymbolShape;
  fill: string;
  /** Size on the map, CSS pixels. */
  size: number;
}

/** One block of a layer's legend. */
export type LegendSection =
  | { kind: 'categories'; title: string; items: Category[]; swatch: 'fill' | 'line' }
  | { kind: 'ramp'; title: string; ramp: Ramp }
  | { kind: 'symbols'; title: string; items: SymbolDef[] }
  | { kind: 'note'; text: string };
