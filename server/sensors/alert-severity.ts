import type { AlertSeverity, SensorAlert } from '../../common/sensor-types';

/**
 * How much an open alert matters, for the alert list (issue #12 item 5):
 * - spike: high beyond 10 σ, else medium;
 * - drift: high when the sensor reads 60 % or more off its peers, else medium;
 * - stuck: medium (a frozen value hides whatever really happens);
 * - silence: low, medium once silent for over an hour.
 */
export function alertSeverity(
  alert: Pick<SensorAlert, 'kind' | 'detail' | 'opened_at'>,
  now = Date.now(),
): AlertSeverity {
  const num = (k: string) =>
    typeof alert.detail[k] === 'number' ? (alert.detail[k] as number) : NaN;
  switch (alert.kind) {
    case 'spike':
      return Math.abs(num('z')) >= 10 ? 'high' : 'medium';
    case 'drift':
      return Math.abs(num('relative') - 1) >= 0.6 ? 'high' : 'medium';
    case 'stuck':
      return 'medium';
    case 'silence':
      return now - Date.parse(alert.opened_at) > 3600_000 ? 'medium' : 'low';
  }
}
