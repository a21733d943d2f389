import { describe, expect, it } from 'vitest';
import { simulatedValue } from './simulated-values';

const at = (hourLocal: number) => Date.UTC(2026, 10, 30, hourLocal, 0) - (5.12 / 15) * 3600_000;
const ctx = { arterial: true, incident: false, fault: null, hoursSinceStart: 0, noise: 0.5 };
const speed = { kind: 'traffic_speed', reference: 50 };

describe('simulated sensor values', () => {
  it('slows arterial traffic in the rush hours and recovers at night', () => {
    const rush = simulatedValue(speed, at(8), ctx)!;
    const night = simulatedValue(speed, at(3), ctx)!;
    expect(night / 50).toBeGreaterThan(0.9);
    expect(rush / 50).toBeLessThan(0.6);
  });

  it('cuts speed during an incident', () => {
    expect(simulatedValue(speed, at(12), { ...ctx, incident: true })!).toBeLessThan(
      simulatedValue(speed, at(12), ctx)! / 2,
    );
  });

  it('gives faulty sensors their fault: stuck repeats, dropout skips', () => {
    const a = simulatedValue(speed, at(8), { ...ctx, fault: 'stuck' });
    expect(simulatedValue(speed, at(17), { ...ctx, fault: 'stuck' })).toBe(a);
    const values = Array.from({ length: 12 }, (_, i) =>
      simulatedValue(speed, at(10) + i * 300_000, { ...ctx, fault: 'dropout' }),
    );
    expect(values.filter((v) => v === null).length).toBeGreaterThan(0);
  });

  it('peaks power load in the evening', () => {
    const load = { kind: 'power_load', reference: 1000 };
    expect(simulatedValue(load, at(19), ctx)!).toBeGreaterThan(simulatedValue(load, at(4), ctx)!);
  });
});
