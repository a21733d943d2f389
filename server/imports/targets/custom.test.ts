import { describe, expect, it } from 'vitest';
import { isIsoDate, isIsoDateTime, valueType, widen } from './custom';

describe('custom layer column types', () => {
  it('recognises ISO 8601 dates that exist', () => {
    expect(isIsoDate('2024-05-01')).toBe(true);
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2024-13-01')).toBe(false);
    expect(isIsoDate('0000-01-01')).toBe(false);
    expect(isIsoDate('01/05/2024')).toBe(false);
  });

  it('recognises ISO 8601 date-times with or without an offset', () => {
    for (const v of [
      '2024-05-01T10:30',
      '2024-05-01T10:30:00Z',
      '2024-05-01 10:30:00.123+02:00',
      '2024-05-01T10:30:00-0530',
      '2024-05-01T10:30:00+01',
    ])
      expect(isIsoDateTime(v), v).toBe(true);
    for (const v of ['2024-05-01T24:00', '2024-05-01T10:60', '2024-02-30T10:00', '2024-05-01T10'])
      expect(isIsoDateTime(v), v).toBe(false);
  });

  it('types values and widens mixes: numbers to float, days and instants to datetime, else text', () => {
    expect(valueType(3)).toBe('int');
    expect(valueType(2 ** 40)).toBe('float');
    expect(valueType(' 2024-05-01 ')).toBe('date');
    expect(valueType('2024-05-01T10:00:00Z')).toBe('datetime');
    expect(valueType('May 1st')).toBe('string');
    expect(valueType(null)).toBeNull();
    expect(widen('int', 'float')).toBe('float');
    expect(widen('date', 'datetime')).toBe('datetime');
    expect(widen('date', 'string')).toBe('string');
    expect(widen('date', 'int')).toBe('string');
    expect(widen(undefined, 'boolean')).toBe('boolean');
  });
});
