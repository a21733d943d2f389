import { describe, expect, it } from 'vitest';
import { categoryColor, hexToRgb, rampColor, stopLabel, type Ramp } from './color-ramps';

const diameter: Ramp = {
  unit: 'mm',
  continuous: true,
  stops: [
    { value: 100, color: '#000000' },
    { value: 300, color: '#c8c8c8' },
    { value: 600, color: '#ffffff' },
  ],
};
const voltage: Ramp = {
  unit: 'kV',
  continuous: false,
  stops: [
    { value: 0, color: '#ff0000' },
    { value: 10, color: '#00ff00' },
    { value: 110, color: '#0000ff' },
  ],
};

describe('colour ramps', () => {
  it('parses #rrggbb and rejects anything else', () => {
    expect(hexToRgb('#1a2B3c')).toEqual([26, 43, 60]);
    expect(() => hexToRgb('red')).toThrow(/rrggbb/);
  });

  it('interpolates a continuous ramp between stops', () => {
    expect(rampColor(diameter, 200)).toEqual([100, 100, 100]);
    expect(rampColor(diameter, 300)).toEqual([200, 200, 200]);
    expect(rampColor(diameter, 450)).toEqual([228, 228, 228]);
  });

  it('clamps below the first and above the last stop, and maps NaN to the first', () => {
    expect(rampColor(diameter, 20)).toEqual([0, 0, 0]);
    expect(rampColor(diameter, 5000)).toEqual([255, 255, 255]);
    expect(rampColor(diameter, Number.NaN)).toEqual([0, 0, 0]);
  });

  it('gives a stepped ramp the colour of the class a value falls in', () => {
    expect(rampColor(voltage, 0.4)).toEqual([255, 0, 0]);
    expect(rampColor(voltage, 10)).toEqual([0, 255, 0]);
    expect(rampColor(voltage, 109.9)).toEqual([0, 255, 0]);
    expect(rampColor(voltage, 380)).toEqual([0, 0, 255]);
  });

  it('labels legend stops with their unit, open-ended for the last class', () => {
    expect(stopLabel(diameter, 2)).toBe('600 mm');
    expect(stopLabel(voltage, 0)).toBe('0–10 kV');
    expect(stopLabel(voltage, 2)).toBe('≥ 110 kV');
  });

  it('looks categories up by value with a fallback', () => {
    const cats = [{ value: 'office', label: 'Office', color: '#0000ff' }];
    expect(categoryColor(cats, 'office', [1, 2, 3])).toEqual([0, 0, 255]);
    expect(categoryColor(cats, 'barn', [1, 2, 3])).toEqual([1, 2, 3]);
  });
});
