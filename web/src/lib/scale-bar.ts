/** Web-mercator ground resolution and a "nice" scale bar length for it. */

const EARTH_CIRCUMFERENCE_M = 40_075_016.686;

/** Metres per CSS pixel at `latitude` and MapLibre `zoom` (512-pixel tiles). */
export function metresPerPixel(latitude: number, zoom: number): number {
  return (EARTH_CIRCUMFERENCE_M * Math.cos((latitude * Math.PI) / 180)) / (512 * 2 ** zoom);
}

export interface ScaleBarSize {
  /** Bar length in CSS pixels. */
  px: number;
  /** The distance it stands for, e.g. `200 m` or `1 km`. */
  label: string;
  metres: number;
}

/** The longest 1, 2 or 5 × 10ⁿ metres that fits in `maxPx` pixels. */
export function scaleBar(mpp: number, maxPx = 120): ScaleBarSize {
  const maxMetres = mpp * maxPx;
  const pow = 10 ** Math.floor(Math.log10(maxMetres));
  const metres = [5, 2, 1].map((k) => k * pow).find((m) => m <= maxMetres) ?? pow;
  const label = metres >= 1000 ? `${metres / 1000} km` : `${metres} m`;
  return { px: metres / mpp, label, metres };
}
