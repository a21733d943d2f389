import { Hono } from 'hono';
import { latLngToCell } from 'h3-js';
import { sql } from 'kysely';
import { z } from 'zod';
import type {
  H3Response,
  MaintenanceRisk,
  SensorAlert,
  SensorAssetType,
} from '../../common/sensor-types';
import { kindList, mercatorBbox, time } from '../params';
import { valid } from '../validate';
import { listSensors } from './sensor-queries';
import type { SensorService } from './sensor-service';
import { maintenanceRisk } from './maintenance-risk';
import { principalOf } from '../auth/principal';
import { publicSensorKindSql, seesAllSensors } from '../auth/sensor-access';
import { alertSeverity } from './alert-severity';
import { pageFields, pageOf, pageRows } from '../limits/pagination';

const H3Query = z.object({
  metric: z.enum(['speed_ratio', 'congestion', 'readings']).default('speed_ratio'),
  res: z.coerce.number().int().min(4).max(12).default(8),
  at: time.optional(),
});

const AlertQuery = z.object({
  kind: kindList.optional(),
  bbox: mercatorBbox.optional(),
  ...pageFields(),
});
const MaintenanceQuery = z.object({
  asset_type: z.enum(['water_pipe', 'water_node', 'power_line', 'power_node']).optional(),
});

/** A traffic sensor below this speed ratio counts as congested. */
const CONGESTED = 0.5;

/**
 * `GET /api/h3`, `GET /api/alerts`, `GET /api/maintenance`: roll-ups computed on the server.
 * Alerts and maintenance are for staff (policy); H3 counts only traffic sensors for the public.
 */
export function insightRoutes(service: SensorService) {
  const db = service.backend.db;

  const h3 = new Hono().get('/', valid('query', H3Query), async (c) => {
    const q = c.req.valid('query');
    const at = q.at ?? new Date();
    const cells = new Map<string, { sum: number; n: number }>();
    const add = (lon: number, lat: number, v: number) => {
      const cell = latLngToCell(lat, lon, q.res);
      const acc = cells.get(cell) ?? { sum: 0, n: 0 };
      acc.sum += v;
      acc.n++;
      cells.set(cell, acc);
    };
    if (q.metric === 'readings') {
      // Below planner, only traffic sensors' readings are counted (issue #9).
      const kinds = seesAllSensors(principalOf(c)) ? sql`true` : publicSensorKindSql('s');
      const { rows } = await sql<{ lon: number; lat: number; n: number | string }>`
        SELECT ST_X(ST_Transform(s.geom, 4326)) AS lon, ST_Y(ST_Transform(s.geom, 4326)) AS lat, r.n
        FROM (SELECT sensor_id, count(*) AS n FROM readings
              WHERE ts > ${at.toISOString()}::timestamptz - interval '1 hour'
                AND ts <= ${at.toISOString()}::timestamptz
              GROUP BY sensor_id) r
        JOIN sensors s ON s.id = r.sensor_id
        WHERE ${kinds}`.execute(db);
      for (const r of rows) add(Number(r.lon), Number(r.lat), Number(r.n));
    } else {
      const sensors = await listSensors(db, { kinds: ['traffic_speed'], at: q.at, limit: 50_000 });
      for (const s of sensors) {
        const ratio = s.current?.ratio;
        if (ratio === null || ratio === undefined) continue;
        add(
          s.location[0],
          s.location[1],
          q.metric === 'congestion' ? Number(ratio < CONGESTED) : ratio,
        );
      }
    }
    const out: H3Response['cells'] = [...cells].map(([h3, { sum, n }]) => ({
      h3,
      // readings: the count per cell in the hour before `at`; otherwise the mean over sensors.
      value: q.metric === 'readings' ? sum : Math.round((sum / n) * 1000) / 1000,
      sensors: n,
    }));
    return c.json({
      metric: q.metric,
      res: q.res,
      at: at.toISOString(),
      cells: out,
    } satisfies H3Response);
  });

  const alerts = new Hono().get('/', valid('query', AlertQuery), async (c) => {
    const q = c.req.valid('query');
    const page = pageOf(q);
    const where = [sql`a.closed_at IS NULL`];
    if (q.kind)
      where.push(
        sql`a.kind IN (SELECT jsonb_array_elements_text(${JSON.stringify(q.kind)}::text::jsonb))`,
      );
    if (q.bbox) {
      const [w, s, e, n] = q.bbox;
      where.push(sql`s.geom && ST_Transform(ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326), 3857)`);
    }
    const { rows } = await sql<{
      id: string | number;
      sensor_id: string | number;
      external_id: string;
      kind: SensorAlert['kind'];
      opened_at: Date | string;
      last_seen_at: Date | string;
      value: number | null;
      detail: Record<string, unknown> | string;
      lon: number;
      lat: number;
      asset_type: SensorAssetType | null;
      asset_id: string | number | null;
      sensor_kind: string;
      sensor_name: string | null;
    }>`SELECT a.id, a.sensor_id, s.external_id, a.kind, a.opened_at, a.last_seen_at, a.value,
        a.detail, ST_X(ST_Transform(s.geom, 4326)) AS lon, ST_Y(ST_Transform(s.geom, 4326)) AS lat,
        s.asset_type, s.asset_id, s.kind AS sensor_kind, s.name AS sensor_name
      FROM sensor_alerts a JOIN sensors s ON s.id = a.sensor_id
      WHERE ${sql.join(where, sql` AND `)}
      ORDER BY a.opened_at DESC, a.id LIMIT ${page.limit + 1} OFFSET ${page.offset}`.execute(db);
    const { items, next } = pageRows(rows, page);
    const list: SensorAlert[] = items.map((r) => {
      const alert: Omit<SensorAlert, 'severity'> = {
        id: String(r.id),
        sensor: String(r.sensor_id),
        external_id: r.external_id,
        kind: r.kind,
        opened_at: new Date(r.opened_at).toISOString(),
        last_seen_at: new Date(r.last_seen_at).toISOString(),
        value: r.value === null ? null : Number(r.value),
        detail:
          typeof r.detail === 'string'
            ? (JSON.parse(r.detail) as Record<string, unknown>)
            : r.detail,
        location: [Number(r.lon), Number(r.lat)],
        asset_type: r.asset_type,
        asset_id: r.asset_id === null ? null : String(r.asset_id),
        sensor_kind: r.sensor_kind,
        sensor_name: r.sensor_name,
      };
      return { ...alert, severity: alertSeverity(alert) };
    });
    return c.json({ alerts: list, next });
  });

  const maintenance = new Hono().get('/', valid('query', MaintenanceQuery), async (c) => {
    const q = c.req.valid('query');
    const assets: MaintenanceRisk[] = await maintenanceRisk(db, q.asset_type);
    return c.json({ assets });
  });

  return { h3, alerts, maintenance };
}
