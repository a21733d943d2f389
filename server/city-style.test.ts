import { describe, expect, it } from 'vitest';
import { LayerCatalog } from '../tiles/catalog';
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
});
