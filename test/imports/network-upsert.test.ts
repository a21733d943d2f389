import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../support/backends';
import { runImport, writeFile, importTwin } from './support';

type Props = Record<string, unknown>;
const line = (id: string | null, props: Props, coords: [number, number][]) => ({
  type: 'Feature',
  ...(id === null ? {} : { id }),
  properties: props,
  geometry: { type: 'LineString', coordinates: coords },
});
const collection = (features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features });

/** A small street network in Utrecht: A – B – C, and later C – D. */
const A: [number, number] = [5.12, 52.09];
const B: [number, number] = [5.121, 52.09];
const C: [number, number] = [5.122, 52.09];
const D: [number, number] = [5.122, 52.091];

describe.each(BACKENDS)('network upsert on %s', (kind) => {
  const ctx = importTwin(kind);

  const count = async (table: 'road_links' | 'road_nodes' | 'water_pipes' | 'water_nodes') =>
    Number(
      (
        await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table)}`.execute(
          ctx.twin.backend.db,
        )
      ).rows[0]!.n,
    );
  const reportOf = async (jobId: string) =>
    (
      await ctx.twin.backend.db
        .selectFrom('import_jobs')
        .select('report')
        .where('id', '=', jobId)
        .executeTakeFirstOrThrow()
    ).report as {
      upserted?: unknown;
      features: { source_id: string | null; status: string; reason: string }[];
    };

  it('updates road links in place by source id, keeps node ids and joins new links to existing nodes', async () => {
    const first = writeFile(
      ctx.dir,
      'roads.geojson',
      collection([
        line('r1', { highway: 'residential', lanes: 1, name: 'Eerste' }, [A, B]),
        line('r2', { highway: 'residential', lanes: 2, name: 'Tweede' }, [B, C]),
      ]),
    );
    const job1 = await runImport(ctx.twin, first, {
      layer: 'roads',
      name: 'streets',
      mode: 'replace',
    });
    expect(job1.error).toBeNull();
    expect(job1.counts).toEqual({ accepted: 2, repaired: 0, rejected: 0 });
    const linksBefore = await count('road_links');
    const nodesBefore = await count('road_nodes');
    const links = async () =>
      (
        await sql<{
          id: string;
          source_id: string;
          lanes: number;
          from_node: string;
          to_node: string;
          name: string;
          geom: string;
          length_m: number;
        }>`
      SELECT id::text, source_id, lanes, from_node::text, to_node::text, name, ST_AsText(geom) AS geom, length_m
      FROM road_links WHERE source_id IN ('r1:0', 'r2:0', 'r3:0') ORDER BY source_id`.execute(
          ctx.twin.backend.db,
        )
      ).rows;
    const [r1, r2] = await links();
    expect(r1!.lanes).toBe(1);

    const second = writeFile(
      ctx.dir,
      'roads-2.geojson',
      collection([
        line('r1', { highway: 'residential', lanes: 3, name: 'Eerste' }, [A, B]),
        line('r2', { highway: 'residential', lanes: 2, name: 'Tweede' }, [B, C]),
        line('r3', { highway: 'residential', lanes: 1, name: 'Derde' }, [C, D]),
        line(null, { highway: 'service', name: 'zonder id' }, [D, [5.123, 52.092]]),
      ]),
    );
    const job2 = await runImport(ctx.twin, second, {
      layer: 'roads',
      name: 'streets',
      mode: 'upsert',
    });
    expect(job2.error).toBeNull();
    expect(job2.status).toBe('succeeded');
    expect(job2.counts).toEqual({ accepted: 3, repaired: 0, rejected: 1 });
    const report = await reportOf(job2.id);
    expect(report.upserted).toEqual({
      nodes: { updated: 3, inserted: 1 },
      links: { updated: 2, inserted: 1 },
    });
    expect(report.features).toEqual([
      expect.objectContaining({
        source_id: null,
        status: 'rejected',
        reason: expect.stringMatching(/upsert needs a source id/),
      }),
    ]);

    const [u1, u2, u3] = await links();
    // The changed link kept its id (scenario edits refer to it) and has the new lanes.
    expect(u1!.id).toBe(r1!.id);
    expect(u1!.lanes).toBe(3);
    expect([u1!.from_node, u1!.to_node]).toEqual([r1!.from_node, r1!.to_node]);
    // The untouched link is as it was.
    expect(u2).toEqual(r2);
    // The new link starts at the existing node C (where r2 ends), and only D is a new node.
    expect(u3!.from_node).toBe(r2!.to_node);
    expect(u3!.to_node).not.toBe(r2!.to_node);
    expect(await count('road_links')).toBe(linksBefore + 1);
    expect(await count('road_nodes')).toBe(nodesBefore + 1);
  });

  it('updates a water pipe in place by source id', async () => {
    const pipes = (d1: number) =>
      collection([
        line('p1', { diameter_mm: d1, material: 'PVC' }, [A, B]),
        line('p2', { diameter_mm: 150, material: 'PVC' }, [B, C]),
      ]);
    const job1 = await runImport(ctx.twin, writeFile(ctx.dir, 'water.geojson', pipes(100)), {
      layer: 'water',
      name: 'mains',
      mode: 'replace',
    });
    expect(job1.error).toBeNull();
    const pipesOf = async () =>
      (
        await sql<{
          id: string;
          source_id: string;
          diameter_mm: number;
          from_node: string;
          to_node: string;
        }>`
      SELECT id::text, source_id, diameter_mm, from_node::text, to_node::text FROM water_pipes
      WHERE source_id IN ('p1:0', 'p2:0') ORDER BY source_id`.execute(ctx.twin.backend.db)
      ).rows;
    const before = await pipesOf();
    const [pipeCount, nodeCount] = [await count('water_pipes'), await count('water_nodes')];

    const job2 = await runImport(ctx.twin, writeFile(ctx.dir, 'water-2.geojson', pipes(200)), {
      layer: 'water',
      name: 'mains',
      mode: 'upsert',
    });
    expect(job2.error).toBeNull();
    expect(job2.counts).toEqual({ accepted: 2, repaired: 0, rejected: 0 });
    const after = await pipesOf();
    expect(after[0]).toEqual({ ...before[0], diameter_mm: 200 });
    expect(after[1]).toEqual(before[1]);
    expect(await count('water_pipes')).toBe(pipeCount);
    expect(await count('water_nodes')).toBe(nodeCount);
  });
});
