import type { Category, Ramp, SizeRamp } from '../../../common/layer-legend';

/** Colour ramps and palettes for the map's layers and their legends. */

export type RGB = [number, number, number];

/** `#rrggbb` → [r, g, b] (0–255). */
export function hexToRgb(hex: string): RGB {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

export type { Category, Ramp, RampStop, SizeRamp } from '../../../common/layer-legend';

export function categoryColor(categories: readonly Category[], value: unknown, fallback: RGB): RGB {
  const c = categories.find((k) => k.value === value);
  return c ? hexToRgb(c.color) : fallback;
}

/** The colour of `value` on the ramp, clamped to its ends; stops must be in increasing order. */
export function rampColor(ramp: Ramp, value: number): RGB {
  const { stops } = ramp;
  if (stops.length === 0) throw new Error('empty ramp');
  if (!Number.isFinite(value) || value <= stops[0]!.value) return hexToRgb(stops[0]!.color);
  for (let i = 1; i < stops.length; i++) {
    const hi = stops[i]!;
    if (value < hi.value) {
      const lo = stops[i - 1]!;
      if (!ramp.continuous) return hexToRgb(lo.color);
      const t = (value - lo.value) / (hi.value - lo.value);
      const a = hexToRgb(lo.color);
      const b = hexToRgb(hi.color);
      return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * t)) as RGB;
    }
  }
  return hexToRgb(stops[stops.length - 1]!.color);
}

/** The size (CSS px) of `value` on a size ramp, read like `rampColor`: clamped to its ends. */
export function rampSize(ramp: SizeRamp, value: number): number {
  const { stops } = ramp;
  if (stops.length === 0) throw new Error('empty ramp');
  if (!Number.isFinite(value) || value <= stops[0]!.value) return stops[0]!.size;
  for (let i = 1; i < stops.length; i++) {
    const hi = stops[i]!;
    if (value < hi.value) {
      const lo = stops[i - 1]!;
      if (!ramp.continuous) return lo.size;
      return lo.size + ((hi.size - lo.size) * (value - lo.value)) / (hi.value - lo.value);
    }
  }
  return stops[stops.length - 1]!.size;
}

/**
 * Legend text for a stop: its value (`300 mm`) on a continuous ramp; on a stepped ramp its
 * class (`1–35 kV`, open-ended `≥ 150 kV` for the last).
 */
export function stopLabel(ramp: Ramp, index: number): string {
  const stop = ramp.stops[index]!;
  const unit = ramp.unit ? ` ${ramp.unit}` : '';
  const next = ramp.stops[index + 1];
  if (ramp.continuous) return `${formatNumber(stop.value)}${unit}`;
  if (!next) return `≥ ${formatNumber(stop.value)}${unit}`;
  return `${formatNumber(stop.value)}–${formatNumber(next.value)}${unit}`;
}

export function formatNumber(v: number): string {
  return Number.isInteger(v)
    ? v.toLocaleString('en')
    : v.toLocaleString('en', { maximumFractionDigits: 2 });
}
