import { describe, expect, it } from 'vitest';
import { BUILT_IN_LAYERS } from '../common/layer-catalog';
import { NOISE_ZONES } from '../test/support/extra-layers';
import { LayerCatalog, layerDefinition } from '../tiles/catalog';
import { cityStyle } from './city-style';

describe('city basemap style', () => {
  const style = cityStyle(new LayerCatalog(), 'http://localhost:8080') as {
    sources: Record<string, { url: string; minzoom: number; maxzoom: number }>;
    layers: { id: string; source?: string; filter?: unknown }[];
    metadata: { 'city-twin:legend': { land_use: { value: string }[] } };
  };

  it('points every source at our own TileJSON, with the catalogue zoom range', () => {
    expect(style.sources.buildings).toEqual({
      type: 'vector',
      url: 'http://localhost:8080/tiles/buildings.json',
      minzoom: 12,
      maxzoom: 18,
    });
    expect(
      Object.values(style.sources).every((s) => s.url.startsWith('http://localhost:8080/tiles/')),
    ).toBe(true);
  });

  it('draws roads as a casing under a fill for every class, and carries its own legend', () => {
    const ids = style.layers.map((l) => l.id);
    for (const c of ['arterial', 'collector', 'local']) {
      expect(ids.indexOf(`road-casing-${c}`)).toBeLessThan(ids.indexOf(`road-fill-${c}`));
    }
    expect(ids.indexOf('water')).toBeLessThan(ids.indexOf('road-casing-local'));
    expect(style.metadata['city-twin:legend'].land_use.map((e) => e.value)).toContain('park');
  });

  it('refuses a catalogue without the layers it draws', () => {
    expect(() => cityStyle(new LayerCatalog([]), 'http://x')).toThrow(
      /needs the "land_use" tile layer/,
    );
  });

  it('draws an extra basemap entry of the catalogue as its own tagged, coloured layer', () => {
    const entries = [...BUILT_IN_LAYERS, NOISE_ZONES];
    const extra = cityStyle(
      new LayerCatalog(entries.map(layerDefinition)),
      'http://x',
      entries,
    ) as {
      sources: Record<string, { url: string }>;
      layers: { id: string; type: string; metadata?: unknown; paint?: Record<string, unknown> }[];
    };
    expect(extra.sources.noise_zones?.url).toBe('http://x/tiles/noise_zones.json');
    const layer = extra.layers.find((l) => l.id === 'noise_zones');
    expect(layer).toMatchObject({ type: 'fill', metadata: { 'city-twin:layer': 'noise_zones' } });
    expect(layer?.paint?.['fill-color']).toEqual([
      'match',
      ['get', 'band'],
      '55-60',
      '#f4a582',
      '#b9b2a6',
    ]);
    const ids = extra.layers.map((l) => l.id);
    expect(ids.indexOf('noise_zones')).toBeLessThan(ids.indexOf('road-casing-local'));
    expect(extra.layers.filter((l) => l.id.startsWith('land-use')).map((l) => l.metadata)).toEqual([
      { 'city-twin:layer': 'land_use' },
      { 'city-twin:layer': 'land_use' },
    ]);
  });
});
