import { describe, expect, it } from 'vitest';
import { BatchFormatError, parseReadingBatch, parseTimestamp } from './reading-parser';

const now = Date.parse('2026-11-29T12:00:00Z');
const opts = { maxItems: 3, maxFutureMs: 300_000, now };

describe('reading batch parser', () => {
  it('reads a JSON array with sensors by id or external id and ISO or epoch times', () => {
    const r = parseReadingBatch(
      JSON.stringify([
        { sensor: 'det-1', ts: '2026-11-29T11:59:00Z', value: 3 },
        { sensor: 12, ts: now - 1000, value: -1.5 },
      ]),
      opts,
    );
    expect(r.rejected).toEqual([]);
    expect(r.readings).toEqual([
      { index: 0, sensor: 'det-1', ts: now - 60_000, value: 3 },
      { index: 1, sensor: '12', ts: now - 1000, value: -1.5 },
    ]);
  });

  it('gives each bad item its reason and keeps the good ones', () => {
    const r = parseReadingBatch(
      JSON.stringify([
        { sensor: 'a', ts: now + 600_000, value: 1 },
        { sensor: 'a', ts: now, value: 'NaN' },
        { sensor: '', ts: now, value: 1 },
      ]),
      opts,
    );
    expect(r.rejected.map((e) => e.reason)).toEqual([
      'ts_in_future',
      'value_not_finite',
      'malformed',
    ]);
  });

  it('reads NDJSON and rejects only the broken line', () => {
    const r = parseReadingBatch(
      `{"sensor":"a","ts":${now},"value":1}\n{oops\n\n{"sensor":"b","ts":${now},"value":2}\n`,
      opts,
    );
    expect(r.readings.map((x) => x.sensor)).toEqual(['a', 'b']);
    expect(r.rejected).toEqual([
      { index: 1, reason: 'malformed', message: 'line is not valid JSON' },
    ]);
  });

  it('refuses a whole body that is not JSON, not an array, or over the batch limit', () => {
    expect(() => parseReadingBatch('[1,', opts)).toThrow(BatchFormatError);
    expect(() =>
      parseReadingBatch(JSON.stringify(Array(4).fill({ sensor: 'a', ts: now, value: 1 })), opts),
    ).toThrow(/at most 3/);
  });

  it('accepts only full dates with a time as timestamps', () => {
    expect(parseTimestamp('2026-11-29')).toBeUndefined();
    expect(parseTimestamp('2026-11-29 10:00:00+00')).toBe(Date.parse('2026-11-29T10:00:00Z'));
    expect(parseTimestamp(-5)).toBeUndefined();
    expect(parseTimestamp(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});
