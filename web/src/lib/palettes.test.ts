import { describe, expect, it } from 'vitest';
import { hexToRgb } from './color-ramps';
import { NO_SENSOR_COLOR, riskColor } from './palettes';

describe('maintenance-risk colours', () => {
  it('runs green at 0, amber at 0.5, red at 1, and grey without a score', () => {
    expect(riskColor(0)).toEqual([46, 160, 67]);
    expect(riskColor(0.5)).toEqual([245, 166, 35]);
    expect(riskColor(1)).toEqual([214, 40, 40]);
    expect(riskColor(0.25)).toEqual([146, 163, 51]);
    expect(riskColor(2)).toEqual([214, 40, 40]);
    expect(riskColor(undefined)).toEqual(hexToRgb(NO_SENSOR_COLOR));
  });
});
