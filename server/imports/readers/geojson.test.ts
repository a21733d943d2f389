import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type SourceItem } from '../source';
import { readGeoJson } from './geojson';

/**
 * The GeoJSON reader parses a feature alone on its line whole and walks every other layout
 * character by character: both must read the same features, whatever the layout.
 */
describe('the streamed GeoJSON reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twin-geojson-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const read = async (name: string, text: string): Promise<SourceItem[]> => {
    const path = join(dir, name);
    writeFileSync(path, text);
    const ctx = { progress: { bytes: 0, total: 0 }, limits: DEFAULT_LIMITS, tmpDir: dir };
    const items: SourceItem[] = [];
    for await (const item of readGeoJson(path, ctx)) {
      if (Array.isArray(item)) items.push(...item);
      else items.push(item);
    }
    return items;
  };

  // Properties that a feature boundary could be mistaken in: braces, brackets, quotes,
  // escaped newlines and the text of another feature inside a string.
  const tricky = [
    'plain',
    '},{"type":"Feature","properties":{}}',
    'line\nbreak and a tab\t',
    'quote " and backslash \\',
    'ünïcödé 🏙️',
    ']]}}[[{{',
  ];
  const features = Array.from({ length: 20_000 }, (_, i) => ({
    type: 'Feature',
    id: i % 3 === 0 ? `w${i}` : i,
    properties: {
      name: tricky[i % tricky.length],
      height: i % 7 === 0 ? null : (i % 40) + 0.5,
      nested: { tags: [i, { deeper: 'x}' }] },
    },
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [5 + i * 1e-5, 52],
          [5.0001 + i * 1e-5, 52],
          [5.0001 + i * 1e-5, 52.0001],
          [5 + i * 1e-5, 52],
        ],
      ],
    },
  }));
  const fc = { type: 'FeatureCollection', features };
  const lines = (sep: string) =>
    `{"type":"FeatureCollection","features":[${sep}${features.map((f) => JSON.stringify(f)).join(`,${sep}`)}${sep}]}${sep}`;

  it('reads the same features whether each is on its line, pretty-printed or on one line', async () => {
    // 20,000 features make a file of over 4 MiB: lines cross the reader's chunk boundary.
    const perLine = await read('lines.geojson', lines('\n'));
    expect(perLine).toHaveLength(features.length);
    expect(perLine[1]).toEqual({
      type: 'feature',
      id: 1,
      geometry: features[1]!.geometry,
      properties: features[1]!.properties,
    });
    for (const [name, text] of [
      ['crlf.geojson', lines('\r\n')],
      ['pretty.geojson', JSON.stringify(fc, null, 2)],
      ['one-line.geojson', JSON.stringify(fc)],
      ['gdal.geojson', lines('\n').replace(/,\n/g, ' ,\n')],
    ] as const) {
      expect(await read(name, text), name).toEqual(perLine);
    }
  });

  it('falls back to walking a line that is not one whole feature, and keeps lenient numbers', async () => {
    const f = (i: number) => JSON.stringify(features[i]);
    const text = [
      '{"type":"FeatureCollection","features":[',
      `${f(0)},`,
      `${f(1)}, ${f(2)},`, // two features on a line
      `{"type":"Feature","properties":{"h":NaN},"geometry":null},`, // Python's NaN
      `{"type":"Feature","properties":`, // a feature across lines
      `{"a":1},"geometry":null},`,
      `${f(3)}]}`, // the last feature and the collection's end on one line
    ].join('\n');
    const items = await read('mixed.geojson', text);
    expect(items).toHaveLength(6);
    expect(items.map((i) => (i.type === 'feature' ? i.id : null))).toEqual([
      'w0',
      1,
      2,
      undefined,
      undefined,
      'w3',
    ]);
    expect(items[3]).toMatchObject({ properties: { h: null } });
    expect(items[4]).toMatchObject({ properties: { a: 1 }, geometry: null });
  });

  it('still reports a truncated file', async () => {
    await expect(read('cut.geojson', lines('\n').slice(0, 5000))).rejects.toThrow(
      /truncated GeoJSON/,
    );
  });
});
