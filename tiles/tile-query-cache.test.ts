import { describe, expect, it } from 'vitest';
import { compileOnlyDb as db } from '../schema/sql';
import { LayerCatalog } from './catalog';
import { TileQueryCache } from './tile-query-cache';
import { mvtLayerSql } from './tile-sql';

describe('TileQueryCache', () => {
  const catalog = new LayerCatalog();

  it.each(catalog.layers.map((l) => [l.name]))(
    'gives the %s tile statement each tile would compile to, compiling only its templates',
    (name) => {
      const layer = catalog.get(name)!;
      const cache = new TileQueryCache();
      let compiles = 0;
      const compile = (c: { z: number; x: number; y: number }) => {
        compiles++;
        return mvtLayerSql(layer, c, 20_000).compile(db);
      };
      const zooms = [layer.minzoom, layer.maxzoom];
      for (const z of zooms) {
        for (let i = 0; i < 6; i++) {
          const coord = { z, x: (i * 7919) % 2 ** z, y: (i * 104_729) % 2 ** z };
          const fresh = mvtLayerSql(layer, coord, 20_000).compile(db);
          const cached = cache.get(layer, coord, compile);
          expect(cached.sql).toBe(fresh.sql);
          expect(cached.parameters).toEqual(fresh.parameters);
        }
      }
      // Two probe compiles per zoom, none per tile (the envelope holds x and y twice).
      expect(compiles).toBe(2 * zooms.length);
    },
  );
});
