import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openBackend } from '../server/db/backend';
import { migrate } from '../server/db/migrate';
import { DEFAULT_DEMO_CENTER, demoCopies, seedDemoCity } from '../data/seed-demo';
import { withDatabase } from './support/global-setup';

describe('TWIN_DEMO_SCALE', () => {
  it('lays the cities of a scale in a square grid 9 km apart, the first at the centre', () => {
    const copies = demoCopies(42, [5, 52], 10);
    expect(copies).toHaveLength(10);
    expect(copies[0]).toMatchObject({ seed: 42, center: [5, 52], col: 0, row: 0 });
    expect(new Set(copies.map((c) => c.seed)).size).toBe(10);
    expect(Math.max(...copies.map((c) => c.col))).toBe(3);
    // 9 km east at 52° N is about 0.1315° of longitude.
    expect(copies[1]!.center[0] - 5).toBeCloseTo(
      9000 / (111_320 * Math.cos((52 * Math.PI) / 180)),
      6,
    );
  });

  it.skipIf(!process.env.DATABASE_URL)(
    'seeds two cities at scale 2, one road network joined between them (needs DATABASE_URL: skipped without it)',
    async () => {
      const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
      const name = `twin_t_scale_${randomBytes(4).toString('hex')}`;
      await admin.unsafe(`CREATE DATABASE "${name}"`);
      const backend = await openBackend({
        databaseUrl: withDatabase(process.env.DATABASE_URL!, name),
        dataDir: '',
        poolSize: 4,
        tileTimeoutMs: 10_000,
      });
      try {
        await migrate(backend);
        const { counts } = await seedDemoCity(backend.db, {
          seed: 42,
          center: DEFAULT_DEMO_CENTER,
          scale: 2,
        });
        expect(counts.buildings).toBeGreaterThan(2 * 20_000);
        // Every link's ends exist, and the two cities' networks are one component.
        const { rows } = await sql<{ nodes: number; reached: number }>`
          WITH RECURSIVE reach(id) AS (
            SELECT min(id) FROM road_nodes
            UNION
            SELECT CASE WHEN l.from_node = r.id THEN l.to_node ELSE l.from_node END
            FROM reach r JOIN road_links l ON r.id IN (l.from_node, l.to_node)
          ) SELECT (SELECT count(*)::int FROM road_nodes) AS nodes, (SELECT count(*)::int FROM reach) AS reached`.execute(
          backend.db,
        );
        // The joins are spread along the facing edges (side by side: north–south), not bunched
        // near the middle, so the trips between the cities are not squeezed onto a few links.
        const intercity = await sql<{ n: number; spread: number }>`
          SELECT count(*)::int AS n,
                 max(ST_Y(ST_StartPoint(geom))) - min(ST_Y(ST_StartPoint(geom))) AS spread
          FROM road_links WHERE name = 'Intercity road'`.execute(backend.db);
        expect(intercity.rows[0]!.n).toBeGreaterThanOrEqual(10);
        expect(intercity.rows[0]!.n).toBeLessThanOrEqual(12);
        expect(intercity.rows[0]!.spread).toBeGreaterThan(5000);
        // The demo city alone is one connected graph; joined, the two are one too.
        expect(rows[0]!.reached).toBe(rows[0]!.nodes);
      } finally {
        await backend.close();
        await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      }
    },
    240_000,
  );
});
