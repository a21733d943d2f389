import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { insertFromJson, insertFromStage, updateFromStage } from './column-sql';
import { BUILDINGS, customTableSpec, ROAD_LINKS, SENSORS, WATER_NODES } from './columns';
import { compileSql } from './sql';

const from = sql`FROM import_stage s WHERE s.kind = 'f'`;

describe('statements generated from the column specs', () => {
  it('inserts staged links with every column cast from the staged JSON, values bound', () => {
    const q = compileSql(
      insertFromStage(ROAD_LINKS, { datasetId: '7', from: sql`f.id`, to: sql`t.id` }, from),
    );
    expect(q.sql).toMatch(
      /^INSERT INTO "road_links" \("from_node", "to_node", "geom", "class", "name", "lanes", /,
    );
    expect(q.sql).not.toMatch(/"id"/);
    expect(q.sql).toContain('coalesce((s.vals->>$');
    expect(q.sql).toContain('::smallint, 1::smallint)');
    expect(q.sql).toContain('ST_Length(s.geom::geography)');
    expect(q.parameters).toContain('7');
    expect(q.parameters).toContain('speed_limit_kmh');
    expect(q.sql).not.toContain("'speed_limit_kmh'");
  });

  it('writes allocated node ids when given, and updates every column but the id', () => {
    const ins = compileSql(insertFromStage(WATER_NODES, { datasetId: '1', id: sql`m.id` }, from));
    expect(ins.sql).toMatch(/^INSERT INTO "water_nodes" \("id", "geom", "kind"/);
    const upd = compileSql(updateFromStage(WATER_NODES, { datasetId: '1' }, from));
    expect(upd.sql).toMatch(/^UPDATE "water_nodes" AS x SET "geom" = ST_Transform/);
    expect(upd.sql).not.toMatch(/"id" =/);
  });

  it('upserts sensors on external_id, which is the staged source id', () => {
    const q = compileSql(insertFromStage(SENSORS, { datasetId: '1' }, from));
    expect(q.sql).toContain('"external_id"');
    expect(q.sql).toMatch(/ON CONFLICT \("external_id"\) DO UPDATE SET "kind" = EXCLUDED\."kind"/);
    expect(q.sql).not.toMatch(/"external_id" = EXCLUDED/);
    for (const untouched of ['asset_type', 'asset_id', 'created_at', 'source_id'])
      expect(q.sql).not.toContain(`"${untouched}"`);
  });

  it('seeds the demo from a JSON batch without the import-only columns', () => {
    const q = compileSql(insertFromJson(BUILDINGS, '[]', '3'));
    expect(q.sql).toContain('ST_Multi(ST_GeomFromText(r.wkt, 3857))');
    expect(q.sql).toMatch(/AS r\("id" bigint, wkt text, "height_m" real, "levels" smallint/);
    for (const importOnly of ['surfaces', 'surface_types', 'source_id'])
      expect(q.sql).not.toContain(`"${importOnly}"`);
    expect(q.parameters).toEqual(['3', '[]']);
  });

  it("reads a custom layer's values from under `values`, quoting its column names", () => {
    const spec = customTableSpec('custom_x', [
      { name: 'opened', type: 'date' },
      { name: 'seen_at', type: 'timestamptz' },
    ]);
    const q = compileSql(insertFromStage(spec, { datasetId: '1' }, from));
    expect(q.sql).toMatch(
      /^INSERT INTO "custom_x" \("geom", "dataset_id", "source_id", "attributes", "opened", "seen_at"\)/,
    );
    expect(q.sql).toContain('::date');
    expect(q.sql).toContain('::timestamptz');
    expect(q.parameters).toEqual(expect.arrayContaining(['values', 'opened', 'seen_at']));
  });
});
