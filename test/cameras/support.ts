import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { sql } from 'kysely';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import type { TestTwin } from '../support/twin';

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** Real images: a JPEG and a WebP encoded by Chromium's canvas, and PNGs made with pngjs. */
export const JPEG = new Uint8Array(readFileSync(join(FIXTURES, 'frame.jpg')));
export const WEBP = new Uint8Array(readFileSync(join(FIXTURES, 'frame.webp')));

/** A PNG of random pixels (incompressible: about width × height × 4 bytes). */
export function noisePng(width: number, height: number, seed = 1): Uint8Array {
  const png = new PNG({ width, height });
  let r = seed >>> 0 || 1;
  for (let i = 0; i < png.data.length; i++) {
    r ^= r << 13;
    r ^= r >>> 17;
    r ^= r << 5;
    png.data[i] = r & 0xff;
  }
  return new Uint8Array(PNG.sync.write(png));
}

/** A camera on the demo city's longest arterial, registered through `POST /api/sensors` with its counts. */
export async function registerCamera(
  twin: TestTwin,
  externalId: string,
): Promise<{ id: string; link: string; location: [number, number] }> {
  const { rows } = await sql<{ id: string; lon: number; lat: number }>`SELECT id::text AS id,
      ST_X(ST_Transform(ST_LineInterpolatePoint(geom, 0.5), 4326)) AS lon, ST_Y(ST_Transform(ST_LineInterpolatePoint(geom, 0.5), 4326)) AS lat
    FROM road_links WHERE class = 'arterial'
    ORDER BY geom <-> ST_Transform(ST_SetSRID(ST_MakePoint(${DEFAULT_DEMO_CENTER[0]}, ${DEFAULT_DEMO_CENTER[1]}), 4326), 3857) LIMIT 1`.execute(
    twin.backend.db,
  );
  const link = rows[0]!;
  const location: [number, number] = [Number(link.lon), Number(link.lat)];
  const res = await twin.app.request('/api/sensors', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(await twin.as('gis')) },
    body: JSON.stringify([
      {
        external_id: externalId,
        kind: 'camera',
        name: `Camera ${externalId}`,
        location,
        camera: { heading: 90, fov: 60, links: [link.id] },
      },
      {
        external_id: `${externalId}-flow`,
        kind: 'traffic_flow',
        unit: 'veh/h',
        location,
        asset_type: 'road_link',
        asset_id: link.id,
        reference_value: 1800,
        source: externalId,
      },
      {
        external_id: `${externalId}-speed`,
        kind: 'traffic_speed',
        unit: 'km/h',
        location,
        asset_type: 'road_link',
        asset_id: link.id,
        reference_value: 50,
        source: externalId,
      },
    ]),
  });
  if (res.status !== 201) throw new Error(`camera registration: ${res.status} ${await res.text()}`);
  const camera = await twin.backend.db
    .selectFrom('sensors')
    .select('id')
    .where('external_id', '=', externalId)
    .executeTakeFirstOrThrow();
  return { id: String(camera.id), link: link.id, location };
}
