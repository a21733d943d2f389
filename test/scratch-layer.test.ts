import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lonLatToTile } from '../tiles/tile-coords';
import { LAYER_SPECS } from '../web/src/lib/layer-specs';
import { fetchTile } from './support/mvt';
import { createTestTwin, type TestTwin } from './support/twin';

describe('a layer added by the recipe', () => {
  let twin: TestTwin;
  beforeAll(async () => {
    twin = await createTestTwin('pglite');
    const ds = await twin.backend.db
      .insertInto('datasets')
      .values({ name: 'trees', source: 'scratch', licence: 'CC0-1.0' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`INSERT INTO street_trees (genus, height_m, geom, dataset_id)
      VALUES ('tilia', 12.34, ST_Transform(ST_SetSRID(ST_MakePoint(5.12, 52.09), 4326), 3857), ${ds.id})`.execute(
      twin.backend.db,
    );
  });
  afterAll(() => twin?.dispose());

  it('is in the catalogue, TileJSON, tiles, the style and the web list', async () => {
    const cat = (await (await twin.app.request('/tiles/catalog.json')).json()) as {
      layers: { name: string; minzoom: number }[];
    };
    expect(cat.layers.find((l) => l.name === 'street_trees')?.minzoom).toBe(14);
    const tj = (await (await twin.app.request('/tiles/street_trees.json')).json()) as {
      vector_layers: { id: string; fields: Record<string, string> }[];
    };
    console.log('tilejson', JSON.stringify(tj.vector_layers));
    expect(tj.vector_layers[0]?.id).toBe('street_trees');
    const t = lonLatToTile(5.12, 52.09, 16);
    const tile = await fetchTile(twin.app, `/tiles/street_trees/16/${t.x}/${t.y}.mvt`);
    console.log('tile', JSON.stringify(tile));
    const style = (await (await twin.app.request('/styles/city.json')).json()) as {
      sources: Record<string, unknown>;
      layers: { id: string }[];
    };
    expect(style.sources.street_trees).toBeTruthy();
    expect(style.layers.map((l) => l.id)).toContain('street_trees');
    expect(LAYER_SPECS.map((s) => s.id)).toContain('street_trees');
    const ogc = await twin.app.request('/ogc/collections/street_trees/items');
    console.log('ogc', ogc.status, (await ogc.text()).slice(0, 300));
    const exp = await twin.app.request('/api/layers/street_trees/export?format=geojson');
    console.log('export', exp.status, (await exp.text()).slice(0, 300));
    const feat = await twin.app.request('/api/features/street_trees/1');
    console.log('feature', feat.status, (await feat.text()).slice(0, 300));
  });
});
