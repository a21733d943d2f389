import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema/database';
import type { SensorRegistration } from '../common/sensor-types';

/** External ids of the demo's cameras start with this (and so are `demo-` sensors too). */
export const DEMO_CAMERA_PREFIX = 'demo-cam-';

/** Cameras are kept at least this far apart, metres (one per major junction). */
const MIN_SPACING_M = 250;

interface Junction {
  node: string;
  link: string;
  lon: number;
  lat: number;
  heading: number;
  name: string | null;
  capacity: number;
  speed: number;
  x: number;
  y: number;
}

/**
 * The demo city's traffic cameras (issue #17), as sensors to register: one at each of up to
 * `count` major junctions (most arterial links meeting, spread apart), looking along its
 * longest arterial, with two counts sensors (traffic_flow, traffic_speed) on that link whose
 * source is the camera — the simulator drives them like any demo detector. The server registers
 * them (server/cameras/demo-cameras.ts).
 */
export async function planDemoCameras(
  db: Kysely<Database>,
  count: number,
): Promise<SensorRegistration[]> {
  const { rows } = await sql<Junction>`WITH deg AS (
      SELECT n.id, n.geom, count(*) AS degree, count(*) FILTER (WHERE l.class = 'arterial') AS arterials
      FROM road_nodes n JOIN road_links l ON l.from_node = n.id OR l.to_node = n.id
      WHERE l.class IN ('arterial', 'collector')
      GROUP BY n.id, n.geom HAVING count(*) >= 3
      ORDER BY arterials DESC, degree DESC, n.id LIMIT ${count * 20}
    )
    SELECT d.id::text AS node, l.id::text AS link, l.name, l.capacity_veh_h AS capacity, l.speed_limit_kmh AS speed,
      ST_X(ST_Transform(d.geom, 4326)) AS lon, ST_Y(ST_Transform(d.geom, 4326)) AS lat,
      ST_X(d.geom) AS x, ST_Y(d.geom) AS y,
      degrees(ST_Azimuth(ST_Transform(d.geom, 4326)::geography, ST_Transform(ST_LineInterpolatePoint(l.geom, 0.5), 4326)::geography)) AS heading
    FROM deg d CROSS JOIN LATERAL (
      SELECT * FROM road_links l WHERE (l.from_node = d.id OR l.to_node = d.id) AND l.class IN ('arterial', 'collector')
      ORDER BY (l.class = 'arterial') DESC, l.length_m DESC, l.id LIMIT 1) l
    ORDER BY d.arterials DESC, d.degree DESC, d.id`.execute(db);
  const chosen: Junction[] = [];
  for (const j of rows) {
    if (chosen.length >= count) break;
    if (
      chosen.every(
        (c) => Math.hypot(Number(c.x) - Number(j.x), Number(c.y) - Number(j.y)) >= MIN_SPACING_M,
      )
    )
      chosen.push(j);
  }
  const sensors: SensorRegistration[] = [];
  for (const j of chosen) {
    const id = `${DEMO_CAMERA_PREFIX}${j.node}`;
    const location: [number, number] = [Number(j.lon), Number(j.lat)];
    const where = j.name ?? `junction ${j.node}`;
    const attributes = { simulated: true };
    sensors.push(
      {
        external_id: id,
        kind: 'camera',
        name: `Camera · ${where}`,
        location,
        interval_s: 30,
        attributes,
        camera: {
          heading: ((Number(j.heading) % 360) + 360) % 360,
          fov: 60,
          range_m: 80,
          links: [j.link],
        },
      },
      {
        external_id: `${id}-flow`,
        kind: 'traffic_flow',
        unit: 'veh/h',
        name: `${where} (camera count)`,
        location,
        asset_type: 'road_link',
        asset_id: j.link,
        reference_value: Number(j.capacity),
        attributes,
        source: id,
      },
      {
        external_id: `${id}-speed`,
        kind: 'traffic_speed',
        unit: 'km/h',
        name: `${where} (camera speed)`,
        location,
        asset_type: 'road_link',
        asset_id: j.link,
        reference_value: Number(j.speed),
        attributes,
        source: id,
      },
    );
  }
  return sensors;
}
