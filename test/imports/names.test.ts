import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import { gisRequest, removeScratch, runImport, scratchDir, writeFile } from './support';

/** Source fields named like PostgreSQL system columns and the custom table's own columns. */
const CLASHING = {
  xmin: 1,
  ctid: 'a',
  tableoid: 2,
  cmin: 3,
  cmax: 4,
  xmax: 5,
  oid: 6,
  id: 'x-1',
  geom: 'g',
  dataset_id: 7,
  attributes: 'at',
  kind: 'ok',
};

describe.each(BACKENDS)('names that cannot collide on %s (issue #10)', (kind) => {
  let twin: TestTwin;
  let file = '';
  beforeAll(async () => {
    twin = await createTestTwin(kind);
    file = writeFile(
      scratchDir(),
      'clash.geojson',
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: CLASHING,
            geometry: { type: 'Point', coordinates: [5.12, 52.09] },
          },
        ],
      }),
    );
  });
  afterAll(async () => {
    await twin?.dispose();
    removeScratch();
  });

  it.each([
    'changes',
    'catalog',
    'water_pipes',
    'power_nodes',
    'surfaces',
    'datasets',
    'layer_versions',
  ])('refuses the custom layer name %s, which is built in or reserved', async (name) => {
    await expect(runImport(twin, file, { layer: name })).rejects.toThrow(
      /built-in or reserved name/,
    );
  });

  it('keeps the scenario changes layer and the catalogue in the tile routes', async () => {
    // As GIS staff, who see every layer (an imported layer is staff until published).
    const res = await gisRequest(twin, '/tiles/catalog.json');
    const names = ((await res.json()) as { layers: { name: string }[] }).layers.map((l) => l.name);
    expect(names).not.toContain('changes');
    expect(new Set(names).size).toBe(names.length);
  });

  it('renames fields that clash with system or reserved columns to src_<name> and lists them in the report', async () => {
    const job = await runImport(twin, file, { layer: 'clash_points' });
    expect(job.error).toBeNull();
    expect(job.counts).toEqual({ accepted: 1, repaired: 0, rejected: 0 });
    const row = (
      await sql<Record<string, unknown>>`SELECT * FROM custom_clash_points`.execute(twin.backend.db)
    ).rows[0]!;
    expect(row).toMatchObject({
      src_xmin: 1,
      src_ctid: 'a',
      src_tableoid: 2,
      src_cmin: 3,
      src_cmax: 4,
      src_xmax: 5,
      src_oid: 6,
      src_id: 'x-1',
      src_geom: 'g',
      src_dataset_id: 7,
      src_attributes: 'at',
      kind: 'ok',
    });
    const report = (await (await gisRequest(twin, `/api/datasets/${job.id}/report`)).json()) as {
      renamed_fields: { field: string; column: string }[];
    };
    expect(report.renamed_fields).toEqual(
      expect.arrayContaining(
        [
          'xmin',
          'ctid',
          'tableoid',
          'cmin',
          'cmax',
          'xmax',
          'oid',
          'id',
          'geom',
          'dataset_id',
          'attributes',
        ].map((f) => ({ field: f, column: `src_${f}` })),
      ),
    );
    expect(report.renamed_fields).toHaveLength(11);
    // The layer's tiles carry the renamed attributes.
    const catalog = (await (await gisRequest(twin, '/tiles/catalog.json')).json()) as {
      layers: { name: string; attributes: Record<string, unknown> }[];
    };
    expect(
      Object.keys(catalog.layers.find((l) => l.name === 'clash_points')!.attributes),
    ).toContain('src_xmin');
  });

  it('renames a --map target field that is a system column', async () => {
    const job = await runImport(twin, file, {
      layer: 'clash_mapped',
      mapping: ['xmin=xmin * 2', 'label=kind'],
    });
    expect(job.error).toBeNull();
    const row = (
      await sql<Record<string, unknown>>`SELECT src_xmin, label FROM custom_clash_mapped`.execute(
        twin.backend.db,
      )
    ).rows[0]!;
    expect(row).toEqual({ src_xmin: 2, label: 'ok' });
  });
});
