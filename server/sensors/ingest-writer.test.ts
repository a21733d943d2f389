import { describe, expect, it } from 'vitest';
import { isDataError } from './ingest-writer';

describe('ingest write errors', () => {
  it('blames the rows for data and constraint errors, and the database for everything else', () => {
    for (const code of ['22P02', '22021', '22008', '23503', '23514'])
      expect(isDataError({ code })).toBe(true);
    for (const code of [
      '57P01',
      '08006',
      '53300',
      '40001',
      '57014',
      'CONNECTION_CLOSED',
      'ECONNREFUSED',
    ]) {
      expect(isDataError({ code })).toBe(false);
    }
    expect(isDataError(new Error('no answer from the database in 30000 ms'))).toBe(false);
    expect(isDataError(undefined)).toBe(false);
  });
});
