import type { RGB } from './color-ramps';

/** Congestion colours by speed ÷ free-flow speed (issue #4): free, slow, jammed. */
export const SPEED_RATIO_COLORS: { min: number; label: string; short: string; color: RGB }[] = [
  {
    min: 0.7,
    label: 'Free flow (≥ 70 % of free-flow speed)',
    short: 'Free ≥ 70 %',
    color: [46, 160, 67],
  },
  { min: 0.4, label: 'Slow (40–70 %)', short: 'Slow 40–70 %', color: [245, 166, 35] },
  { min: 0, label: 'Jammed (< 40 %)', short: 'Jammed < 40 %', color: [214, 40, 40] },
];

export function speedRatioColor(ratio: number): RGB {
  return (SPEED_RATIO_COLORS.find((c) => ratio >= c.min) ?? SPEED_RATIO_COLORS.at(-1)!).color;
}
