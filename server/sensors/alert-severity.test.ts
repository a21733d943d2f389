import { describe, expect, it } from 'vitest';
import { alertSeverity } from './alert-severity';

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

describe('alert severity', () => {
  it('grades spikes by their distance from the mean in σ', () => {
    expect(alertSeverity({ kind: 'spike', detail: { z: 6.2 }, opened_at: at(1) })).toBe('medium');
    expect(alertSeverity({ kind: 'spike', detail: { z: -14 }, opened_at: at(1) })).toBe('high');
  });

  it('grades drift by how far the sensor reads from its peers', () => {
    expect(alertSeverity({ kind: 'drift', detail: { relative: 1.35 }, opened_at: at(1) })).toBe(
      'medium',
    );
    expect(alertSeverity({ kind: 'drift', detail: { relative: 0.3 }, opened_at: at(1) })).toBe(
      'high',
    );
  });

  it('rates a stuck sensor medium and a short silence low, a long one medium', () => {
    expect(alertSeverity({ kind: 'stuck', detail: { repeated: 12 }, opened_at: at(1) })).toBe(
      'medium',
    );
    expect(alertSeverity({ kind: 'silence', detail: {}, opened_at: at(10) })).toBe('low');
    expect(alertSeverity({ kind: 'silence', detail: {}, opened_at: at(90) })).toBe('medium');
  });
});
