import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_CENTER } from '../data/seed-demo';
import { lonLatToTile } from '../tiles/tile-coords';
import { BACKENDS } from './support/backends';
import { createTestTwin, type TestTwin } from './support/twin';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const centre = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 16);
const path = `/tiles/buildings/${centre.z}/${centre.x}/${centre.y}.mvt`;

/**
 * Layer versions are kept in memory and dropped on a signal (issue #14): the bump trigger's
 * NOTIFY, a write through this process, a reconnected listener, or their age.
 */
describe.each(BACKENDS)('tile freshness with kept layer versions on %s', (kind) => {
  let twin: TestTwin;

  beforeAll(async () => {
    twin = await createTestTwin(kind);
  });

  afterAll(async () => {
    await twin?.dispose();
  });

  const etag = async () => (await twin.app.request(path)).headers.get('ETag');

  it('serves repeated requests from the kept versions, without reading them again', async () => {
    await etag();
    // The listener is established asynchronously at start; wait until the copy is kept.
    for (let i = 0; i < 50 && !twin.tiles.versions.cached(); i++) {
      await sleep(20);
      await etag();
    }
    const kept = twin.tiles.versions.cached();
    expect(kept).toBeDefined();
    await etag();
    expect(twin.tiles.versions.cached()).toBe(kept);
  });

  it('drops the kept versions on a write through this process, so the next request sees it', async () => {
    const before = await etag();
    await twin.backend.db
      .updateTable('buildings')
      .set({ levels: 7 })
      .where('id', '=', '1')
      .execute();
    expect(await etag()).not.toBe(before);
  });

  it.skipIf(kind !== 'postgres')(
    'sees a change committed by another process once its notification arrives',
    async () => {
      const before = await etag();
      await etag(); // kept again
      const other = postgres(twin.url!, { max: 1, onnotice: () => {} });
      try {
        await other`UPDATE buildings SET levels = levels + 1 WHERE id = 2`;
      } finally {
        await other.end();
      }
      let after = await etag();
      for (let i = 0; i < 100 && after === before; i++) {
        await sleep(10);
        after = await etag();
      }
      expect(after).not.toBe(before);
    },
  );
});
