import type { SensorStatus } from '../../common/sensor-types';

/**
 * value ÷ reference and a traffic-light status per sensor kind. Reference values are the
 * sensor's "normal": free-flow speed (traffic_speed), capacity (traffic_flow, water_flow),
 * nominal pressure (water_pressure), rating (power_load).
 */
export function sensorStatus(
  kind: string,
  value: number,
  reference: number | null,
): { ratio: number | null; status: SensorStatus } {
  if (!reference || !Number.isFinite(value)) return { ratio: null, status: 'unknown' };
  const ratio = value / reference;
  const r = Math.round(ratio * 1000) / 1000;
  switch (kind) {
    case 'traffic_speed':
      return { ratio: r, status: ratio >= 0.7 ? 'ok' : ratio >= 0.4 ? 'warn' : 'alarm' };
    case 'water_pressure':
      return {
        ratio: r,
        status:
          ratio >= 0.8 && ratio <= 1.2 ? 'ok' : ratio >= 0.6 && ratio <= 1.4 ? 'warn' : 'alarm',
      };
    case 'power_load':
    case 'traffic_flow':
    case 'water_flow':
      return { ratio: r, status: ratio < 0.85 ? 'ok' : ratio < 1.0 ? 'warn' : 'alarm' };
    default:
      return { ratio: r, status: 'unknown' };
  }
}
