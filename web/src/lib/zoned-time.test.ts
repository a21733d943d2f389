import { describe, expect, it } from 'vitest';
import { isoDate, offsetLabel, zonedTime, zoneOffsetMinutes } from './zoned-time';

describe('the clock in a named time zone', () => {
  it('turns a date and minutes on the city clock into the moment, summer and winter', () => {
    // 09:00 in Amsterdam on midsummer is 07:00 UTC (CEST); in January 08:00 UTC (CET).
    expect(new Date(zonedTime('2026-06-21', 9 * 60, 'Europe/Amsterdam')).toISOString()).toBe(
      '2026-06-21T07:00:00.000Z',
    );
    expect(new Date(zonedTime('2026-01-15', 9 * 60, 'Europe/Amsterdam')).toISOString()).toBe(
      '2026-01-15T08:00:00.000Z',
    );
    expect(new Date(zonedTime('2026-06-21', 17 * 60, 'America/New_York')).toISOString()).toBe(
      '2026-06-21T21:00:00.000Z',
    );
    expect(new Date(zonedTime('2026-06-21', 12 * 60, 'Asia/Kolkata')).toISOString()).toBe(
      '2026-06-21T06:30:00.000Z',
    );
  });

  it('finds the right side of a daylight-saving change', () => {
    // Amsterdam moves from +01:00 to +02:00 at 02:00 on 29 March 2026.
    expect(new Date(zonedTime('2026-03-29', 60, 'Europe/Amsterdam')).toISOString()).toBe(
      '2026-03-29T00:00:00.000Z',
    );
    expect(new Date(zonedTime('2026-03-29', 4 * 60, 'Europe/Amsterdam')).toISOString()).toBe(
      '2026-03-29T02:00:00.000Z',
    );
  });

  it('names the offset and the date there', () => {
    const t = Date.parse('2026-06-21T23:30:00Z');
    expect(zoneOffsetMinutes(t, 'Europe/Amsterdam')).toBe(120);
    expect(zoneOffsetMinutes(t, 'America/New_York')).toBe(-240);
    expect(offsetLabel(120)).toBe('UTC+02:00');
    expect(offsetLabel(-210)).toBe('UTC−03:30');
    expect(isoDate(new Date(t), 'Europe/Amsterdam')).toBe('2026-06-22');
    expect(isoDate(new Date(t), 'America/New_York')).toBe('2026-06-21');
  });
});
