import { describe, expect, it } from 'vitest';
import { describeHover } from './hover-text';

describe('hover text', () => {
  it('describes a traffic change in words, never by the layer id', () => {
    const t = describeHover('impact-traffic', {
      name: 'King Street',
      change: 120.4,
      baseline_volume: 400,
      volume: 520.4,
      vc: 0.734,
    });
    expect(t).toEqual({
      title: 'King Street: +120 vehicles per peak hour',
      facts: ['400 → 520 veh/h', 'volume ÷ capacity 0.73'],
    });
    expect(
      describeHover('impact-traffic', {
        name: null,
        change: -30,
        baseline_volume: 30,
        volume: 0,
        vc: 0,
      })?.title,
    ).toBe('Road: -30 vehicles per peak hour');
  });

  it('names a change by its kind and the baseline feature it targets', () => {
    expect(
      describeHover('changes', { kind: 'edit_road', closed: true, target: { name: 'Mill Lane' } }),
    ).toEqual({ title: 'Closed road: Mill Lane', facts: ['closed to traffic'] });
    expect(describeHover('changes', { kind: 'add_building', floors: 8, use: 'office' })).toEqual({
      title: 'Added building',
      facts: ['8 floors', 'office'],
    });
  });

  it('describes a utility asset against its limit, and leaves catalogue layers to the card', () => {
    const u = describeHover('impact-utilities', {
      asset: 'water_pipe',
      id: '17',
      metric: 'velocity_m_s',
      baseline: 1.1,
      value: 2.2,
      unit: 'm/s',
      limit: 2,
      ratio: 1.1,
    });
    expect(u?.title).toBe('Water pipe 17: velocity');
    expect(u?.facts).toEqual(['1.1 → 2.2 m/s', 'limit 2', '110 % of the limit']);
    expect(describeHover('roads', { class: 'arterial' })).toBeNull();
  });
});
