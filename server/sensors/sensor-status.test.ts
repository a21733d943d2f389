import { describe, expect, it } from 'vitest';
import { sensorStatus } from './sensor-status';

describe('sensor status', () => {
  it('calls traffic congested when speed falls below 40 % of free flow', () => {
    expect(sensorStatus('traffic_speed', 45, 50)).toEqual({ ratio: 0.9, status: 'ok' });
    expect(sensorStatus('traffic_speed', 25, 50).status).toBe('warn');
    expect(sensorStatus('traffic_speed', 10, 50).status).toBe('alarm');
  });

  it('flags water pressure both too low and too high', () => {
    expect(sensorStatus('water_pressure', 4, 4).status).toBe('ok');
    expect(sensorStatus('water_pressure', 2, 4).status).toBe('alarm');
    expect(sensorStatus('water_pressure', 5.2, 4).status).toBe('warn');
  });

  it('flags power load near and over the rating', () => {
    expect(sensorStatus('power_load', 500, 1000).status).toBe('ok');
    expect(sensorStatus('power_load', 900, 1000).status).toBe('warn');
    expect(sensorStatus('power_load', 1100, 1000).status).toBe('alarm');
  });

  it('has no ratio without a reference value', () => {
    expect(sensorStatus('traffic_speed', 30, null)).toEqual({ ratio: null, status: 'unknown' });
  });
});
