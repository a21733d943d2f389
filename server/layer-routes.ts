import { Hono } from 'hono';
import { z } from 'zod';
import type { LayerCatalog } from '../tiles/catalog';
import type { LayerSettings } from './auth/layer-access';
import { actorOf, principalOf } from './auth/principal';
import { valid } from './validate';

const AccessUpdate = z.object({ access: z.enum(['public', 'staff']) }).strict();

/**
 * `/api/layers` (GIS staff, issue #9): every tile layer with its access, and
 * `PATCH /{name} {"access": "public" | "staff"}` (persisted; audited; applies at once).
 */
export function layerRoutes({
  catalog,
  settings,
}: {
  catalog: LayerCatalog;
  settings: LayerSettings;
}) {
  return new Hono()
    .get('/', async (c) => {
      await settings.load();
      return c.json({
        layers: catalog.layers.map((l) => ({
          name: l.name,
          description: l.description,
          access: l.access,
        })),
      });
    })
    .patch('/:name', valid('json', AccessUpdate), async (c) => {
      const layer = await settings.set(
        c.req.param('name'),
        c.req.valid('json').access,
        actorOf(principalOf(c)),
      );
      return c.json({ name: layer.name, description: layer.description, access: layer.access });
    });
}
